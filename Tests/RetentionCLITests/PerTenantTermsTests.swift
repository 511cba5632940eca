import Foundation
import Testing
import TestSupport

/// `due.perTenant`: each tenant's own period from the tenants table. Every test states the rows
/// that must survive with one plain SQL statement over the tenants table before the run.
@Suite("Per-tenant retention terms")
struct PerTenantTermsTests {
    /// A policy of one delete rule on `events` with `org_id`, reading `organizations.term`.
    static func policy(_ due: String, extraRule: String = "", top: String = "") -> String {
        """
        {"policy": "terms", "tenants": {"table": "organizations", "key": "id", "terminatedAt": "terminated_at"},\(top)
         "rules": [{"name": "events", "table": "events", "tenantColumn": "org_id", "due": \(due), "action": "delete"\(extraRule)}]}
        """
    }

    static let due = #"{"after": "12 months", "from": "created_at", "perTenant": {"column": "term", "min": "30 days", "max": "7 years"}}"#

    /// The term a tenant gets, written independently of the engine: NULL is the default, and a
    /// term outside [30 days, 7 years] is the nearest bound (the tests' terms are whole days or
    /// months well away from the bounds, so comparing intervals is exact here).
    static let clampedTerm = """
        CASE WHEN o.term IS NULL THEN interval '12 months' WHEN o.term < interval '30 days' THEN interval '30 days'
             WHEN o.term > interval '7 years' THEN interval '7 years' ELSE o.term END
        """

    /// 1,000 tenants: a sixth without a term, some below `min` (0 and 10 days), some above `max`
    /// (700 and 8 years), the others between 2 and 80 months or 40 and 2000 days; 1,001 tenant keys
    /// in the rows (one the table does not have, which counts with `after`).
    static let thousandTenants = """
        SET TimeZone = 'UTC';
        SELECT setseed(0.27);
        CREATE TABLE organizations (id int PRIMARY KEY, terminated_at timestamptz, term interval);
        INSERT INTO organizations SELECT g, NULL, CASE
            WHEN g % 6 = 0 THEN NULL
            WHEN g % 50 = 1 THEN interval '0 days' WHEN g % 50 = 2 THEN interval '10 days'
            WHEN g % 50 = 3 THEN interval '700 years' WHEN g % 50 = 4 THEN interval '8 years'
            WHEN g % 2 = 0 THEN (2 + floor(random() * 79))::int * interval '1 month'
            ELSE (40 + floor(random() * 1961))::int * interval '1 day' END
          FROM generate_series(1, 1000) g;
        CREATE TABLE events (id bigint PRIMARY KEY, org_id int NOT NULL, created_at timestamptz NOT NULL);
        INSERT INTO events SELECT g, 1 + floor(random() * 1001)::int, timestamptz '2026-11-01' - random() * interval '3300 days'
          FROM generate_series(1, 20000) g ORDER BY 3;
        CREATE INDEX ON events (created_at);
        ANALYZE events;
        """

    /// The rows of `events` that stay at `asOf`, by plain SQL.
    static func expectedKept(asOf: String) -> String {
        """
        CREATE TABLE expected AS SELECT e.id FROM events e LEFT JOIN organizations o ON o.id = e.org_id
          WHERE NOT e.created_at < timestamptz '\(asOf)' - \(clampedTerm);
        """
    }

    @Test("1,000 tenants with their own terms (NULL, below min, above max, unknown): the dry run counts and the run leaves exactly the rows plain SQL keeps; bounded tenants are named")
    func thousandTenantsExact() throws {
        let asOf = "2026-11-15T12:00:00Z"
        let fixture = try EngineFixture.make("terms", schemaSQL: Self.thousandTenants + Self.expectedKept(asOf: asOf))
        defer { fixture.drop() }
        let path = try fixture.writePolicy(Self.policy(Self.due))
        let total = try fixture.database.count("SELECT count(*) FROM events")
        let kept = try fixture.database.count("SELECT count(*) FROM expected")
        // Under the default alone the answer would differ, so the test can fail.
        #expect(try fixture.database.count("SELECT count(*) FROM events WHERE NOT created_at < timestamptz '\(asOf)' - interval '12 months'") != kept)
        #expect(kept > 1000 && kept < total - 1000)

        let validate = try fixture.retention(["validate", "--policy", path])
        #expect(validate.status == 0, "\(validate.stderr)")
        let output = validate.stdout + validate.stderr
        for tenant in ["1", "2", "3", "4", "951", "953"] {
            #expect(output.contains("tenant \(tenant) has term"), "tenant \(tenant) not named: \(output)")
        }
        #expect(!output.contains("tenant 5 has term") && !output.contains("tenant 954 has term"))
        #expect(output.contains("kept 1 year by default; by contract between 30 days and 7 years, each tenant's term read from organizations.term"), "\(output)")

        let dry = try fixture.retention(["run", "--dry-run", "--as-of", asOf])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(try fixture.ruleReport("events").int("matched") == total - kept)

        let run = try fixture.retention(["run", "--as-of", asOf])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try fixture.database.keyDifferences(expected: "expected", actual: "events", key: "id") == 0)
        #expect(try fixture.ruleReport("events").int("affected") == total - kept)
        let warnings = try fixture.latestReport()["warnings"] as? [String] ?? []
        #expect(warnings.contains { $0.contains("tenant 3 has term 700 years") && $0.contains("max 7 years") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("tenant 1 has term 00:00:00") && $0.contains("min 30 days") }, "\(warnings)")
    }

    @Test("a term changed during the run counts from the next batch: a statement trigger lengthens one tenant's term after the first batch")
    func termChangedMidRun() throws {
        let asOf = "2026-11-15T12:00:00Z"
        let fixture = try EngineFixture.make("termchange", schemaSQL: """
            SET TimeZone = 'UTC';
            CREATE TABLE organizations (id int PRIMARY KEY, terminated_at timestamptz, term interval);
            INSERT INTO organizations SELECT g, NULL, interval '60 days' FROM generate_series(1, 20) g;
            CREATE TABLE events (id bigint PRIMARY KEY, org_id int NOT NULL, created_at timestamptz NOT NULL, pad text);
            -- Tenant 20's rows come last in the heap, after the pages of the first batches.
            INSERT INTO events SELECT g, 1 + g % 19, timestamptz '2026-11-01' - (g % 700) * interval '1 day', repeat('x', 200)
              FROM generate_series(1, 6000) g;
            INSERT INTO events SELECT 10000 + g, 20, timestamptz '2026-11-01' - (g % 700) * interval '1 day', repeat('x', 200)
              FROM generate_series(1, 500) g;
            CREATE FUNCTION lengthen() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN UPDATE organizations SET term = interval '5 years' WHERE id = 20 AND term <> interval '5 years'; RETURN NULL; END $$;
            CREATE TRIGGER lengthen AFTER DELETE ON events FOR EACH STATEMENT EXECUTE FUNCTION lengthen();
            CREATE TABLE due_before AS SELECT count(*) AS n FROM events WHERE org_id = 20 AND created_at < timestamptz '\(asOf)' - interval '60 days';
            CREATE TABLE expected AS SELECT e.id FROM events e
              WHERE NOT e.created_at < timestamptz '\(asOf)' - CASE WHEN e.org_id = 20 THEN interval '5 years' ELSE interval '60 days' END;
            """)
        defer { fixture.drop() }
        try fixture.writePolicy(Self.policy(Self.due))
        #expect(try fixture.database.count("SELECT n FROM due_before") > 300)
        let run = try fixture.retention(["run", "--as-of", asOf, "--batch-size", "200", "--concurrency", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM events WHERE org_id = 20") == 500)
        #expect(try fixture.database.keyDifferences(expected: "expected", actual: "events", key: "id") == 0)
    }

    @Test("financial-year alignment after each tenant's own term, with a date anchor, in the policy's zone; integer days with unit days")
    func financialYear() throws {
        let asOf = "2026-08-15T10:00:00Z"
        let fixture = try EngineFixture.make("termfy", schemaSQL: """
            SET TimeZone = 'Europe/Stockholm';
            SELECT setseed(0.5);
            CREATE TABLE organizations (id int PRIMARY KEY, terminated_at timestamptz, keep_days int);
            INSERT INTO organizations SELECT g, NULL, CASE WHEN g % 5 = 0 THEN NULL WHEN g % 7 = 0 THEN 5 ELSE 100 + g * 30 END
              FROM generate_series(1, 60) g;
            CREATE TABLE events (id bigint PRIMARY KEY, org_id int NOT NULL, created_at date NOT NULL);
            INSERT INTO events SELECT g, 1 + g % 60, date '2026-08-01' - floor(random() * 3000)::int FROM generate_series(1, 6000) g;
            CREATE TABLE expected AS SELECT e.id FROM events e JOIN organizations o ON o.id = e.org_id
              WHERE NOT (date_trunc('year', e.created_at::timestamptz - interval '6 months') + interval '6 months' + interval '1 year')
                    < timestamptz '\(asOf)' - CASE WHEN o.keep_days IS NULL THEN interval '2 years'
                                                  WHEN o.keep_days < 30 THEN interval '30 days' ELSE o.keep_days * interval '1 day' END;
            """)
        defer { fixture.drop() }
        try fixture.writePolicy("""
            {"policy": "terms", "tenants": {"table": "organizations", "key": "id", "terminatedAt": "terminated_at"},
             "timeZone": "Europe/Stockholm", "financialYearStartMonth": 7,
             "rules": [{"name": "events", "table": "events", "tenantColumn": "org_id", "action": "delete",
                        "due": {"after": "2 years", "from": "created_at", "align": "financial-year-end",
                                "perTenant": {"column": "keep_days", "unit": "days", "min": "30 days", "max": "10 years"}}}]}
            """)
        let before = try fixture.database.count("SELECT count(*) FROM events")
        let kept = try fixture.database.count("SELECT count(*) FROM expected")
        #expect(kept > 500 && kept < before - 500)
        let run = try fixture.retention(["run", "--as-of", asOf])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try fixture.database.keyDifferences(expected: "expected", actual: "events", key: "id") == 0)
    }

    @Test("a partition due for every tenant but one is not dropped; one due for all is; the earliest of created_at and the termination counts")
    func partitionLongestTerm() throws {
        let asOf = "2026-11-15T12:00:00Z"
        let fixture = try EngineFixture.make("termparts", schemaSQL: """
            SET TimeZone = 'UTC';
            CREATE TABLE organizations (id int PRIMARY KEY, terminated_at timestamptz, term interval);
            INSERT INTO organizations SELECT g, CASE WHEN g = 3 THEN timestamptz '2026-09-01' END,
                                             CASE WHEN g = 7 THEN interval '2 years' ELSE interval '60 days' END
              FROM generate_series(1, 10) g;
            CREATE TABLE events (id bigint, org_id int NOT NULL, created_at timestamptz NOT NULL, PRIMARY KEY (id, created_at))
              PARTITION BY RANGE (created_at);
            CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
            CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
            INSERT INTO events SELECT g, 1 + g % 10, timestamptz '2023-01-01' + (g % 360) * interval '1 day' FROM generate_series(1, 1000) g;
            INSERT INTO events SELECT 2000 + g, 1 + g % 10, timestamptz '2025-01-01' + (g % 360) * interval '1 day' FROM generate_series(1, 1000) g;
            INSERT INTO events SELECT 4000 + g, 1 + g % 10, timestamptz '2026-01-01' + (g % 310) * interval '1 day' FROM generate_series(1, 1000) g;
            CREATE TABLE expected AS SELECT e.id, e.created_at FROM events e JOIN organizations o ON o.id = e.org_id
              WHERE NOT least(e.created_at, o.terminated_at) < timestamptz '\(asOf)' - o.term;
            """)
        defer { fixture.drop() }
        try fixture.writePolicy(Self.policy(#"{"after": "12 months", "from": ["created_at", "tenant.terminatedAt"], "perTenant": {"column": "term", "min": "30 days", "max": "7 years"}}"#,
                                            extraRule: #", "partitions": "drop""#))
        // events_2025 is due for every tenant but 7, whose rows in it must stay.
        #expect(try fixture.database.count("SELECT count(*) FROM expected WHERE created_at < '2026-01-01'") == 100)
        let run = try fixture.retention(["run", "--as-of", asOf])
        #expect(run.status == 0, "\(run.stderr)")
        let leaves = try fixture.database.connect().execute("SELECT string_agg(relid::regclass::text, ',' ORDER BY 1) FROM pg_partition_tree('events') WHERE isleaf").scalar()
        #expect(leaves == "events_2025,events_2026")
        // Not even a candidate: its bounds are compared with the longest term of any tenant.
        let warnings = try fixture.ruleReport("events")["warnings"] as? [String] ?? []
        #expect(!warnings.contains { $0.contains("events_2025") }, "\(warnings)")
        #expect(try fixture.database.keyDifferences(expected: "expected", actual: "events", key: "id, created_at") == 0)
    }

    @Test("a held tenant with the shortest term keeps its rows; the others go by their own terms")
    func heldTenant() throws {
        let asOf = "2026-11-15T12:00:00Z"
        let fixture = try EngineFixture.make("termhold", schemaSQL: """
            SET TimeZone = 'UTC';
            CREATE TABLE organizations (id int PRIMARY KEY, terminated_at timestamptz, term interval);
            INSERT INTO organizations SELECT g, NULL, CASE WHEN g = 4 THEN interval '0 days' ELSE g * interval '3 months' END FROM generate_series(1, 10) g;
            CREATE TABLE events (id bigint PRIMARY KEY, org_id int NOT NULL, created_at timestamptz NOT NULL);
            INSERT INTO events SELECT g, 1 + g % 10, timestamptz '2026-11-01' - (g % 1500) * interval '1 day' FROM generate_series(1, 5000) g;
            CREATE TABLE expected AS SELECT e.id FROM events e JOIN organizations o ON o.id = e.org_id
              WHERE e.org_id = 4 OR NOT e.created_at < timestamptz '\(asOf)' - greatest(o.term, interval '30 days');
            """)
        defer { fixture.drop() }
        let path = try fixture.writePolicy(Self.policy(Self.due))
        let hold = try fixture.retention(["hold", "add", "--tenant", "4", "--reason", "litigation", "--policy", path])
        #expect(hold.status == 0, "\(hold.stderr)")
        let run = try fixture.retention(["run", "--as-of", asOf])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try fixture.database.keyDifferences(expected: "expected", actual: "events", key: "id") == 0)
        #expect(try fixture.ruleReport("events").int("heldBack") > 0)
    }

    @Test("plan --tenant gives the tenant's own dates and term; the Owner report names the term and where it comes from")
    func planAndReport() throws {
        let fixture = try EngineFixture.make("termplan", schemaSQL: """
            SET TimeZone = 'UTC';
            CREATE TABLE organizations (id int PRIMARY KEY, terminated_at timestamptz, term interval);
            INSERT INTO organizations VALUES (1, NULL, interval '2 years'), (2, NULL, NULL), (3, NULL, interval '700 years');
            CREATE TABLE events (id bigint PRIMARY KEY, org_id int NOT NULL, created_at timestamptz NOT NULL);
            INSERT INTO events SELECT g, g, date_trunc('second', now()) - interval '1 month' FROM generate_series(1, 3) g;
            CREATE TABLE expected AS SELECT e.org_id,
                to_char((e.created_at + CASE e.org_id WHEN 1 THEN interval '2 years' WHEN 2 THEN interval '12 months' ELSE interval '7 years' END
                         + interval '1 microsecond') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS due_at
              FROM events e;
            """)
        defer { fixture.drop() }
        let path = try fixture.writePolicy(Self.policy(Self.due))
        for (tenant, applied, source) in [("1", "2 years", "column"), ("2", "1 year", "after"), ("3", "7 years", "max")] {
            let result = try fixture.retention(["plan", "--policy", path, "--tenant", tenant, "--format", "json"])
            #expect(result.status == 0, "\(result.stderr)")
            let plan = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
            let rule = (plan["rules"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "events" }
            let term = rule?["term"] as? [String: Any]
            #expect(term?["applied"] as? String == applied && term?["source"] as? String == source, "\(String(describing: term))")
            let dueAt = (rule?["scheduled"] as? [[String: Any]])?.first?["dueAt"] as? String
            let expected = try fixture.database.connect().execute("SELECT due_at FROM expected WHERE org_id = $1::int", [tenant]).scalar()
            #expect(dueAt != nil && dueAt == expected, "tenant \(tenant): \(String(describing: dueAt)) vs \(String(describing: expected))")
        }
        let text = try fixture.retention(["plan", "--policy", path, "--tenant", "3"])
        #expect(text.stdout.contains("term: 7 years, from the rule's max (organizations.term is 700 years, longer)"), "\(text.stdout)")
        let schedule = try CommandRunner.run(["schedule", "--policy", path, "--format", "md"])
        #expect(schedule.status == 0 && schedule.stdout.contains("12 months by default, or the customer's own term by contract (between 30 days and 7 years), after"), "\(schedule.stdout)\(schedule.stderr)")
        #expect(try fixture.retention(["run", "--as-of", "2026-01-01T00:00:00Z"]).status == 0)
        let report = try fixture.retention(["report", "--tenant", "3", "--state-dir", fixture.stateDirectory, "--policy", path, "--format", "md"])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("## Retention terms of this tenant") && report.stdout.contains("Rule events: kept 7 years, from the rule's max"), "\(report.stdout)")
    }

    @Test("on Citus: the terms are read from a reference table by each batch on the nodes; a local tenants table is refused",
          .enabled(if: CitusCluster.unavailableReason == nil, "\(CitusCluster.unavailableReason ?? "")"))
    func citusReferenceTable() throws {
        let asOf = "2026-11-15T12:00:00Z"
        let cluster = try CitusCluster.shared.get()
        let fixture = try cluster.fixture("termcitus", sql: """
            SET citus.shard_count = 8;
            SET TimeZone = 'UTC';
            CREATE TABLE organizations (id bigint PRIMARY KEY, terminated_at timestamptz, term interval);
            SELECT create_reference_table('organizations');
            INSERT INTO organizations SELECT g, NULL, CASE WHEN g % 4 = 0 THEN NULL WHEN g % 9 = 0 THEN interval '700 years' ELSE g * interval '11 days' END
              FROM generate_series(1, 100) g;
            CREATE TABLE events (organization_id bigint NOT NULL, id bigint NOT NULL, created_at timestamptz NOT NULL, PRIMARY KEY (organization_id, id));
            SELECT create_distributed_table('events', 'organization_id');
            INSERT INTO events SELECT 1 + g % 100, g, timestamptz '2026-11-01' - g * interval '3 hours' FROM generate_series(1, 20000) g;
            CREATE TABLE expected AS SELECT e.organization_id, e.id FROM events e JOIN organizations o ON o.id = e.organization_id
              WHERE NOT e.created_at < timestamptz '\(asOf)' - \(Self.clampedTerm);
            CREATE TABLE local_tenants (id bigint PRIMARY KEY, terminated_at timestamptz, term interval);
            """)
        let database = fixture.database
        defer { fixture.drop() }
        let policy = Self.policy(Self.due).replacingOccurrences(of: #""tenantColumn": "org_id""#, with: #""tenantColumn": "organization_id""#)
        let kept = try database.count("SELECT count(*) FROM expected")
        #expect(kept > 1000 && kept < 19000)
        let local = try fixture.writePolicy(policy.replacingOccurrences(of: #""table": "organizations""#, with: #""table": "local_tenants""#), name: "local.json")
        let refused = try fixture.retention(["validate", "--policy", local])
        #expect(refused.status == 2 && refused.stderr.contains("make it a reference table"), "\(refused.stderr)")
        try fixture.writePolicy(policy)
        let run = try fixture.retention(["run", "--as-of", asOf])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try database.keyDifferences(expected: "expected", actual: "events", key: "organization_id, id") == 0)
    }

    @Test("audit counts overdue rows by each tenant's own term and dates them by it")
    func audit() throws {
        let fixture = try EngineFixture.make("termaudit", schemaSQL: """
            SET TimeZone = 'UTC';
            CREATE TABLE organizations (id int PRIMARY KEY, terminated_at timestamptz, term interval);
            INSERT INTO organizations VALUES (1, NULL, interval '2 years'), (2, NULL, NULL), (3, NULL, interval '700 years');
            CREATE TABLE events (id bigint PRIMARY KEY, org_id int NOT NULL, created_at timestamptz NOT NULL);
            INSERT INTO events VALUES (1, 1, '2024-06-01'), (2, 2, '2025-09-01'), (3, 3, '2019-01-01'), (4, 3, '2020-01-01'), (5, 1, '2025-01-01');
            """)
        defer { fixture.drop() }
        let path = try fixture.writePolicy(Self.policy(Self.due))
        #expect(try fixture.retention(["migrate"]).status == 0)
        let result = try fixture.retention(["audit", "--policy", path, "--as-of", "2026-11-15T00:00:00Z", "--format", "json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
        let promise = try #require((report["promises"] as? [[String: Any]])?.first { $0["name"] as? String == "events" })
        #expect((promise["overdue"] as? [String: Any])?.int("pending") == 3, "\(promise)")
        // Tenant 3's row of 2019 under its bounded term of 7 years; under the default it would be 2020-01-01.
        #expect(promise["overdueSince"] as? String == "2026-01-01T00:00:00.000000Z", "\(promise)")
        #expect(promise.int("overdueDays") == 318)
    }

    @Test("mistakes in perTenant are one line each naming the rule and the key, exit 2, nothing changed", arguments: [
        (#"{"after": "12 months", "from": "created_at", "perTenant": {"column": "term", "min": "30 days"}}"#, "", "due.perTenant.max", "is missing"),
        (#"{"after": "12 months", "from": "created_at", "perTenant": {"column": "term", "min": "30 days", "max": "7 years", "default": "1 year"}}"#, "", "due.perTenant.default", "unknown key"),
        (#"{"after": "12 months", "from": "created_at", "perTenant": {"column": "term", "min": "8 years", "max": "7 years"}}"#, "", "due.perTenant.min", "longer than max"),
        (#"{"after": "12 months", "from": "created_at", "perTenant": {"column": "term", "unit": "months", "min": "30 days", "max": "7 years"}}"#, "", "due.perTenant.unit", "is not a unit"),
        (#"{"after": "12 months", "from": "created_at", "perTenant": {"column": "nope", "min": "30 days", "max": "7 years"}}"#, "", "due.perTenant.column", "has no column \"nope\""),
        (#"{"after": "12 months", "from": "created_at", "perTenant": {"column": "days", "min": "30 days", "max": "7 years"}}"#, "", "due.perTenant.column", "add \"unit\": \"days\""),
        (#"{"after": "12 months", "from": "created_at", "perTenant": {"column": "term", "unit": "days", "min": "30 days", "max": "7 years"}}"#, "", "due.perTenant.column", "smallint, integer or bigint"),
        (#"{"after": "12 months", "from": "created_at", "perTenant": {"column": "term", "min": "30 days", "max": "7 years"}}"#, "notenant", "due.perTenant.column", "needs the rule's \"tenantColumn\""),
        (#"{"after": "12 months", "from": "created_at", "perTenant": {"column": "term", "min": "30 days", "max": "7 years"}}"#, "notenants", "due.perTenant.column", "add the \"tenants\" section"),
        (#"{"after": "12 months", "from": "created_at", "perTenant": "term"}"#, "", "due.perTenant", "must be an object"),
    ])
    func mistakes(_ due: String, _ variant: String, _ key: String, _ fragment: String) throws {
        let fixture = try EngineFixture.make("termbad", schemaSQL: """
            CREATE TABLE organizations (id int PRIMARY KEY, terminated_at timestamptz, term interval, days int);
            CREATE TABLE events (id bigint PRIMARY KEY, org_id int NOT NULL, created_at timestamptz NOT NULL);
            INSERT INTO organizations VALUES (1, NULL, interval '1 day', 1);
            INSERT INTO events VALUES (1, 1, '2000-01-01');
            """)
        defer { fixture.drop() }
        var policy = Self.policy(due)
        if variant == "notenant" { policy = policy.replacingOccurrences(of: #""tenantColumn": "org_id", "#, with: "") }
        if variant == "notenants" { policy = policy.replacingOccurrences(of: #""tenants": {"table": "organizations", "key": "id", "terminatedAt": "terminated_at"},"#, with: "") }
        let path = try fixture.writePolicy(policy)
        let result = try fixture.retention(["validate", "--policy", path])
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("retention: error:") }
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(lines.contains { $0.contains("rule \"events\", key \"\(key)\"") && $0.contains(fragment) }, "\(result.stderr)")
        #expect(try fixture.retention(["run", "--policy", path]).status == 2)
        #expect(try fixture.database.count("SELECT count(*) FROM events") == 1)
    }
}
