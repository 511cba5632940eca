import Foundation
import Testing
import TestSupport

/// One schema, and one policy per mistake: each must give exit 2, name the rule and the key,
/// and change nothing.
private let schema = """
    CREATE TABLE organizations (id bigint PRIMARY KEY, terminated_at timestamptz, name text);
    CREATE TABLE users (id bigint PRIMARY KEY, organization_id bigint NOT NULL REFERENCES organizations,
                        email text NOT NULL, name text, ip inet, score int, removed_at timestamptz, marked_at timestamptz,
                        marked_date date, created_on date, short_code varchar(20));
    CREATE TABLE invoices (id bigint PRIMARY KEY, organization_id bigint NOT NULL REFERENCES organizations, issued_at date NOT NULL);
    CREATE TABLE nokey (created_at timestamptz);
    CREATE VIEW users_view AS SELECT * FROM users;
    CREATE TABLE events (id bigint PRIMARY KEY, organization_id bigint, kind text, amount numeric, label text, occurred_at timestamptz NOT NULL,
                         price numeric(10,2), qty int, big bigint, ratio double precision);
    CREATE TABLE daily (day date NOT NULL, organization_id bigint NOT NULL, kind text NOT NULL, n bigint NOT NULL, total numeric NOT NULL,
                        label text, total_int8 bigint, total_int4 int, total_2 numeric(14,2), total_1 numeric(14,1), total_real real, total_float double precision,
                        n_int4 int, PRIMARY KEY (day, organization_id, kind));
    CREATE TABLE daily_nokey (day date, organization_id bigint, kind text, n bigint);
    CREATE TABLE logs (id bigint, created_at timestamptz NOT NULL, PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at);
    CREATE TABLE logs_2024 PARTITION OF logs FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE SCHEMA retention_archive;
    CREATE TABLE retention_archive.logs_2020 (id bigint PRIMARY KEY, created_at timestamptz NOT NULL);
    """

private func policy(_ rule: String, tenants: String = #""tenants": {"table": "organizations", "key": "id", "terminatedAt": "terminated_at"},"#) -> String {
    #"{"policy": "v", \#(tenants) "rules": [{"name": "r1", \#(rule)}]}"#
}

@Suite("retention validate against the live schema")
struct ValidateCommandTests {
    @Test("each schema mistake is one line naming the rule and the key, exit 2", arguments: [
        (#""table": "userz", "due": {"after": "1 day", "from": "removed_at"}, "action": "delete""#, "table", "does not exist"),
        (#""table": "users_view", "due": {"after": "1 day", "from": "removed_at"}, "action": "delete""#, "table", "is not a table"),
        (#""table": "nokey", "due": {"after": "1 day", "from": "created_at"}, "action": "delete""#, "table", "no primary key"),
        (#""table": "users", "due": {"after": "1 day", "from": "removd_at"}, "action": "delete""#, "due.from", "has no column \"removd_at\""),
        (#""table": "users", "due": {"after": "1 day", "from": "email"}, "action": "delete""#, "due.from", "an anchor must be timestamptz"),
        (#""table": "users", "tenantColumn": "org", "due": {"after": "1 day", "from": "removed_at"}, "action": "delete""#, "tenantColumn", "has no column \"org\""),
        (#""table": "users", "tenantColumn": "email", "due": {"after": "1 day", "from": "removed_at"}, "action": "delete""#, "tenantColumn", "same type"),
        (#""table": "users", "due": {"after": "1 day", "from": "removed_at"}, "action": "pseudonymise", "pseudonymise": {"columns": {"score": "hmac"}, "marker": "marked_at"}"#, "pseudonymise.columns.score", "needs a text column"),
        (#""table": "users", "due": {"after": "1 day", "from": "removed_at"}, "action": "pseudonymise", "pseudonymise": {"columns": {"score": "truncate-ip"}, "marker": "marked_at"}"#, "pseudonymise.columns.score", "inet or text"),
        (#""table": "users", "due": {"after": "1 day", "from": "removed_at"}, "action": "pseudonymise", "pseudonymise": {"columns": {"short_code": "hmac"}, "marker": "marked_at"}"#, "pseudonymise.columns.short_code", "too short"),
        (#""table": "users", "due": {"after": "1 day", "from": "removed_at"}, "action": "pseudonymise", "pseudonymise": {"columns": {"email": "null"}, "marker": "marked_at"}"#, "pseudonymise.columns.email", "NOT NULL"),
        (#""table": "users", "due": {"after": "1 day", "from": "removed_at"}, "action": "pseudonymise", "pseudonymise": {"columns": {"nam": "null"}, "marker": "marked_at"}"#, "pseudonymise.columns.nam", "has no column"),
        (#""table": "users", "due": {"after": "1 day", "from": "removed_at"}, "action": "pseudonymise", "pseudonymise": {"columns": {"name": "null"}, "marker": "marked_date"}"#, "pseudonymise.marker", "must be timestamptz"),
        (#""table": "users", "due": {"after": "1 day", "from": "removed_at"}, "action": "pseudonymise", "pseudonymise": {"columns": {"name": "null"}, "marker": "nope"}"#, "pseudonymise.marker", "has no column"),
        (#""table": "events", "due": {"after": "1 day", "from": "occurred_at"}, "action": "aggregate", "aggregate": {"into": "dayly", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["organization_id"], "count": "n"}"#, "aggregate.into", "does not exist"),
        (#""table": "events", "due": {"after": "1 day", "from": "occurred_at"}, "action": "aggregate", "aggregate": {"into": "daily_nokey", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["organization_id", "kind"], "count": "n"}"#, "aggregate.into", "no unique key"),
        (#""table": "events", "due": {"after": "1 day", "from": "occurred_at"}, "action": "aggregate", "aggregate": {"into": "daily", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["organization_id"], "count": "n"}"#, "aggregate.into", "no unique key"),
        (#""table": "events", "due": {"after": "1 day", "from": "occurred_at"}, "action": "aggregate", "aggregate": {"into": "daily", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["organization_id", "kind"], "count": "label"}"#, "aggregate.count", "must be numeric"),
        (#""table": "events", "due": {"after": "1 day", "from": "occurred_at"}, "action": "aggregate", "aggregate": {"into": "daily", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["organization_id", "kind"], "count": "n", "sums": {"amount": "totl"}}"#, "aggregate.sums.amount", "has no column \"totl\""),
        (#""table": "events", "due": {"after": "1 day", "from": "occurred_at"}, "action": "aggregate", "aggregate": {"into": "daily", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["organization_id", "kind"], "count": "n", "sums": {"label": "total"}}"#, "aggregate.sums.label", "only numeric"),
        (#""table": "events", "due": {"after": "1 day", "from": "occurred_at"}, "action": "aggregate", "aggregate": {"into": "daily", "bucket": {"column": "dai", "unit": "day"}, "dimensions": ["organization_id", "kind"], "count": "n"}"#, "aggregate.bucket.column", "has no column"),
        (#""table": "organizations", "due": {"after": "30 days", "from": "terminated_at"}, "action": "delete""#, "table", "foreign key \"invoices_organization_id_fkey\""),
        (#""table": "events", "due": {"after": "1 day", "from": "occurred_at"}, "action": "aggregate", "aggregate": {"into": "daily", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["organization_id", "kind"], "count": "n", "sums": {"price": "total_int8"}}"#, "aggregate.sums.price", "is bigint, which cannot hold sums of \"price\" (numeric(10,2)) exactly"),
        (#""table": "events", "due": {"after": "1 day", "from": "occurred_at"}, "action": "aggregate", "aggregate": {"into": "daily", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["organization_id", "kind"], "count": "n", "sums": {"price": "total_1"}}"#, "aggregate.sums.price", "scale 2 or more"),
        (#""table": "events", "due": {"after": "1 day", "from": "occurred_at"}, "action": "aggregate", "aggregate": {"into": "daily", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["organization_id", "kind"], "count": "n", "sums": {"amount": "total_2"}}"#, "aggregate.sums.amount", "use unconstrained numeric"),
        (#""table": "events", "due": {"after": "1 day", "from": "occurred_at"}, "action": "aggregate", "aggregate": {"into": "daily", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["organization_id", "kind"], "count": "n", "sums": {"big": "total_int4"}}"#, "aggregate.sums.big", "cannot hold sums"),
        (#""table": "events", "due": {"after": "1 day", "from": "occurred_at"}, "action": "aggregate", "aggregate": {"into": "daily", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["organization_id", "kind"], "count": "n", "sums": {"ratio": "total_2"}}"#, "aggregate.sums.ratio", "double precision or unconstrained numeric"),
        (#""table": "events", "due": {"after": "1 day", "from": "occurred_at"}, "action": "aggregate", "aggregate": {"into": "daily", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["organization_id", "kind"], "count": "n", "sums": {"ratio": "total_real"}}"#, "aggregate.sums.ratio", "cannot hold sums"),
        (#""table": "events", "due": {"after": "1 day", "from": "occurred_at"}, "action": "aggregate", "aggregate": {"into": "daily", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["organization_id", "kind"], "count": "n_int4"}"#, "aggregate.count", "cannot hold a row count"),
        (#""table": "retention.runs", "due": {"after": "1 day", "from": "started_at"}, "action": "delete""#, "table", "in schema retention, which holds the engine's own records"),
        (#""table": "retention_archive.logs_2020", "due": {"after": "1 day", "from": "created_at"}, "action": "delete""#, "table", "in schema retention_archive"),
        (#""table": "pg_class", "due": {"after": "1 day", "from": "relname"}, "action": "delete""#, "table", "in schema pg_catalog, which holds the system catalog"),
        (#""table": "information_schema.tables", "due": {"after": "1 day", "from": "x"}, "action": "delete""#, "table", "in schema information_schema"),
        (#""table": "events", "due": {"after": "1 day", "from": "occurred_at"}, "action": "aggregate", "aggregate": {"into": "retention.batch_results", "bucket": {"column": "recorded_at", "unit": "day"}, "dimensions": ["rule"], "count": "affected"}"#, "aggregate.into", "in schema retention,"),
    ])
    func oneProblem(_ rule: String, _ key: String, _ fragment: String) throws {
        let fixture = try EngineFixture.make("validate", schemaSQL: schema)
        defer { fixture.drop() }
        let path = try fixture.writePolicy(policy(rule))
        let before = try fixture.database.checksum("users")
        let result = try fixture.retention(["validate", "--policy", path])
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("retention: error:") }
        #expect(lines.count >= 1)
        #expect(lines.contains { $0.contains("rule \"r1\", key \"\(key)\"") && $0.contains(fragment) }, "\(result.stderr)")
        #expect(try fixture.database.checksum("users") == before)
        // run refuses the same policy before doing anything.
        let run = try fixture.retention(["run", "--policy", path])
        #expect(run.status == 2)
    }

    @Test("top-level tenants mistakes and an unknown server time zone")
    func topLevel() throws {
        let fixture = try EngineFixture.make("validate", schemaSQL: schema)
        defer { fixture.drop() }
        let rule = #""table": "users", "due": {"after": "1 day", "from": "removed_at"}, "action": "delete""#
        for (tenants, key) in [
            (#""tenants": {"table": "orgs", "key": "id", "terminatedAt": "terminated_at"},"#, "tenants.table"),
            (#""tenants": {"table": "organizations", "key": "uid", "terminatedAt": "terminated_at"},"#, "tenants.key"),
            (#""tenants": {"table": "organizations", "key": "id", "terminatedAt": "name"},"#, "tenants.terminatedAt"),
            (#""tenants": {"table": "retention.legal_holds", "key": "tenant", "terminatedAt": "placed_at"},"#, "tenants.table"),
        ] {
            let result = try fixture.retention(["validate", "--policy", try fixture.writePolicy(policy(rule, tenants: tenants))])
            #expect(result.status == 2)
            #expect(result.stderr.contains("key \"\(key)\""), "\(result.stderr)")
        }
    }

    @Test("all problems are listed, each on its own line")
    func allProblemsListed() throws {
        let fixture = try EngineFixture.make("validate", schemaSQL: schema)
        defer { fixture.drop() }
        let path = try fixture.writePolicy(#"{"policy": "v", "rules": [{"name": "a", "table": "userz", "due": {"after": "1 day", "from": "x"}, "action": "delete"}, {"name": "b", "table": "users", "due": {"after": "1 day", "from": "nope"}, "action": "delete"}]}"#)
        let result = try fixture.retention(["validate", "--policy", path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("rule \"a\", key \"table\""))
        #expect(result.stderr.contains("rule \"b\", key \"due.from\""))
    }

    @Test("a valid policy over a partitioned table and date anchors passes; without a connection the file alone is checked")
    func validPolicy() throws {
        let fixture = try EngineFixture.make("validate", schemaSQL: schema)
        defer { fixture.drop() }
        let path = try fixture.writePolicy("""
            {"policy": "ok", "tenants": {"table": "organizations", "key": "id", "terminatedAt": "terminated_at"}, "rules": [
              {"name": "logs", "table": "logs", "due": {"after": "12 months", "from": "created_at"}, "action": "delete"},
              {"name": "users", "table": "public.users", "tenantColumn": "organization_id", "due": {"after": "30 days", "from": ["removed_at", "created_on", "tenant.terminatedAt"]}, "action": "delete"},
              {"name": "invoices", "table": "invoices", "due": {"after": "7 years", "from": "issued_at", "align": "financial-year-end"}, "action": "delete"},
              {"name": "events", "table": "events", "due": {"after": "14 months", "from": "occurred_at"}, "action": "aggregate",
               "aggregate": {"into": "daily", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["organization_id", "kind"], "count": "n", "sums": {"amount": "total", "price": "total_2", "qty": "total_int4", "big": "total_int8", "ratio": "total_float"}}},
              {"name": "pseudo", "table": "users", "due": {"after": "0 days", "from": "removed_at"}, "action": "pseudonymise",
               "pseudonymise": {"columns": {"email": "hmac", "name": "null", "ip": "truncate-ip"}, "marker": "marked_at"}}]}
            """)
        let live = try fixture.retention(["validate", "--policy", path])
        #expect(live.status == 0, "\(live.stderr)")
        #expect(live.stdout.contains("5 rules valid against database"))
        let fileOnly = try CommandRunner.run(["validate", "--policy", path])
        #expect(fileOnly.status == 0)
        #expect(fileOnly.stdout.contains("file only"))
    }

    @Test("grants refuses a policy with a rule on the engine's own tables and prints no GRANT")
    func grantsRefusesEngineTables() throws {
        let fixture = try EngineFixture.make("validate", schemaSQL: schema)
        defer { fixture.drop() }
        let path = try fixture.writePolicy(policy(#""table": "retention.runs", "due": {"after": "1 day", "from": "started_at"}, "action": "delete""#))
        let result = try fixture.retention(["grants", "--policy", path, "--role", "nobody_here"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("rule \"r1\", key \"table\""), "\(result.stderr)")
        #expect(!result.stdout.contains("GRANT"))
    }

    @Test("a name longer than PostgreSQL keeps (63 bytes) is refused, even when the shortened name is a table; a foreign-key cycle between rules names the rules")
    func longNamesAndCycles() throws {
        let kept = String(repeating: "t", count: 63)
        let fixture = try EngineFixture.make("validate", schemaSQL: schema + """
            CREATE TABLE \(kept) (id bigint PRIMARY KEY, created_at timestamptz NOT NULL);
            CREATE TABLE a (id int PRIMARY KEY, b_id int, created_at timestamptz NOT NULL);
            CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a, created_at timestamptz NOT NULL);
            ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b;
            """)
        defer { fixture.drop() }
        let long = kept + "_archive"
        for (rule, key) in [
            (#""table": "\#(long)", "due": {"after": "1 day", "from": "created_at"}, "action": "delete""#, "table"),
            (#""table": "\#(kept)", "due": {"after": "1 day", "from": "created_at_\#(long)"}, "action": "delete""#, "due.from"),
        ] {
            let result = try fixture.retention(["validate", "--policy", try fixture.writePolicy(policy(rule))])
            #expect(result.status == 2)
            #expect(result.stderr.contains("rule \"r1\", key \"\(key)\": \"") && result.stderr.contains(" bytes long; PostgreSQL keeps only the first 63 bytes"), "\(result.stderr)")
        }
        let cycle = try fixture.writePolicy("""
            {"policy": "c", "rules": [{"name": "ra", "table": "a", "due": {"after": "1 day", "from": "created_at"}, "action": "delete"},
                                      {"name": "rb", "table": "b", "due": {"after": "1 day", "from": "created_at"}, "action": "delete"}]}
            """)
        for command in ["validate", "run"] {
            let result = try fixture.retention([command, "--policy", cycle])
            #expect(result.status == 2)
            #expect(result.stderr.contains("rules \"ra\", \"rb\" wait for each other through foreign keys"), "\(result.stderr)")
        }
    }

    @Test("tables are printed as PostgreSQL quotes them: public.\"a.b\" and a.b stay apart in messages, run report and plan")
    func quotedNames() throws {
        let fixture = try EngineFixture.make("quoted", schemaSQL: """
            SET TimeZone = 'UTC';
            CREATE TABLE orgs (id int PRIMARY KEY, terminated_at timestamptz);
            INSERT INTO orgs VALUES (1, NULL);
            CREATE TABLE "a.b" (id int PRIMARY KEY, org int NOT NULL, created_at timestamptz NOT NULL);
            CREATE SCHEMA a;
            CREATE TABLE a.b (id int PRIMARY KEY, org int NOT NULL, created_at timestamptz NOT NULL);
            INSERT INTO "a.b" VALUES (1, 1, '2020-01-01');
            INSERT INTO a.b VALUES (1, 1, '2020-01-01'), (2, 1, '2020-01-02');
            CREATE TABLE "Nokey" (created_at timestamptz);
            """)
        defer { fixture.drop() }
        let broken = try fixture.writePolicy(policy(#""table": "\"Nokey\"", "due": {"after": "1 day", "from": "created_at"}, "action": "delete""#), name: "broken.json")
        let validate = try fixture.retention(["validate", "--policy", broken])
        #expect(validate.status == 2)
        #expect(validate.stderr.contains("table public.\"Nokey\" has no primary key"), "\(validate.stderr)")

        let path = try fixture.writePolicy("""
            {"policy": "q", "tenants": {"table": "orgs", "key": "id", "terminatedAt": "terminated_at"}, "rules": [
              {"name": "dotted", "table": "\\"a.b\\"", "tenantColumn": "org", "due": {"after": "1 year", "from": "created_at"}, "action": "delete"},
              {"name": "schema", "table": "a.b", "tenantColumn": "org", "due": {"after": "1 year", "from": "created_at"}, "action": "delete"}]}
            """)
        let plan = try fixture.retention(["plan", "--policy", path, "--tenant", "1", "--format", "json"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let planned = (try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])?["rules"] as? [[String: Any]] ?? []
        #expect(planned.compactMap { $0["table"] as? String }.sorted() == ["a.b", "public.\"a.b\""], "\(plan.stdout)")
        let run = try fixture.retention(["run", "--as-of", "2024-01-01T00:00:00Z"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try fixture.ruleReport("dotted")["table"] as? String == "public.\"a.b\"")
        #expect(try fixture.ruleReport("schema")["table"] as? String == "a.b")
        #expect(run.stdout.contains("dotted: delete public.\"a.b\""), "\(run.stdout)")
    }
}
