import Foundation
import Postgres
import Testing
import RetentionCore
import TestSupport

/// A monthly-partitioned `events` table from 2023-01 to 2024-12 plus a default partition that
/// holds rows of 2022 (older than any month). `events_2099_young` is named like a young
/// partition but bounded to 2023-01, which is wholly due. Tenant 7's rows all live in 2023-03
/// (held in some tests); `invoices` references one event of 2023-02.
private let monthlySchema = """
    SET TimeZone = 'UTC';
    CREATE TABLE organizations (id int PRIMARY KEY, terminated_at timestamptz);
    INSERT INTO organizations SELECT g, NULL FROM generate_series(1, 9) g;
    CREATE TABLE events (id bigint NOT NULL, org_id int NOT NULL, kind text NOT NULL, created_at timestamptz NOT NULL,
                         PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at);
    DO $$ DECLARE m date; BEGIN
      FOR m IN SELECT generate_series(date '2023-01-01', date '2024-12-01', interval '1 month')::date LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)',
                       CASE WHEN m = date '2023-01-01' THEN 'events_2099_young' ELSE 'events_' || to_char(m, 'YYYY_MM') END,
                       m::timestamptz, (m + interval '1 month')::timestamptz);
      END LOOP; END $$;
    CREATE TABLE events_default PARTITION OF events DEFAULT;
    INSERT INTO events SELECT g, CASE WHEN created_at < '2023-03-01' OR created_at >= '2023-04-01' THEN 1 + g % 6 ELSE 7 END, 'k' || g % 3, created_at
      FROM (SELECT g, timestamptz '2022-06-01' + g * interval '97 minutes' AS created_at FROM generate_series(1, 12000) g) s;
    CREATE TABLE invoices (id int PRIMARY KEY, event_id bigint NOT NULL, event_at timestamptz NOT NULL,
                           FOREIGN KEY (event_id, event_at) REFERENCES events (id, created_at));
    INSERT INTO invoices SELECT 1, id, created_at FROM events WHERE created_at >= '2023-02-10' ORDER BY created_at LIMIT 1;
    ANALYZE events;
    """

private let asOf = "2024-06-15T12:00:00Z"
/// `asOf - 12 months`.
private let cutoff = "timestamptz '2023-06-15 12:00:00+00'"
/// The partitions wholly due at `asOf` and not referenced by an invoice.
private let whollyDue: Set<String> = ["public.events_2099_young", "public.events_2023_03", "public.events_2023_04", "public.events_2023_05"]

private func monthlyPolicy(_ mode: String = "drop", extra: String = "") -> String {
    """
    {"policy": "parts", "tenants": {"table": "organizations", "key": "id", "terminatedAt": "terminated_at"},
     "rules": [{"name": "events", "table": "events", "tenantColumn": "org_id", "due": {"after": "12 months", "from": "created_at"},
                "action": "delete", "partitions": "\(mode)"\(extra)},
               {"name": "invoices", "table": "invoices", "due": {"after": "100 years", "from": "event_at"}, "action": "delete"}]}
    """
}

/// Names of the partitions of `events` now.
private func partitions(_ database: TestDatabase) throws -> [String] {
    try database.connect().execute("SELECT relid::regclass::text FROM pg_partition_tree('events') WHERE isleaf ORDER BY 1").rows.map { try $0.text(0) }
}

private func reportedPartitions(_ rule: [String: Any]) -> [String: Int64] {
    var found: [String: Int64] = [:]
    for entry in rule["partitions"] as? [[String: Any]] ?? [] {
        found[entry["name"] as? String ?? "?"] = entry.int("rows")
    }
    return found
}

/// An event trigger that makes DDL sleep 5 s at its end when `condition` (over the command's
/// `pg_event_trigger_ddl_commands()` row `c`, or `true`) holds: a kill then lands after the step ran,
/// before its transaction commits.
private func slowDDL(_ tag: String, _ event: String = "ddl_command_start", condition: String = "true") -> String {
    let body = event == "ddl_command_end"
        ? "IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() c WHERE \(condition)) THEN PERFORM pg_sleep(5); END IF;"
        : "PERFORM pg_sleep(5);"
    return """
        CREATE FUNCTION slow_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN \(body) END $$;
        CREATE EVENT TRIGGER slow_ddl ON \(event) WHEN TAG IN ('\(tag)') EXECUTE FUNCTION slow_ddl();
        """
}

/// Starts a run, waits until `ready` counts more than 0, kills the run with SIGKILL, waits until
/// its backends are gone (their uncommitted work rolled back) and drops the `slow_ddl` trigger.
private func killRun(_ fixture: EngineFixture, _ arguments: [String], when ready: String) throws {
    let database = fixture.database
    let running = try fixture.start(arguments)
    let deadline = Date().addingTimeInterval(20)
    while try database.count(ready) == 0, Date() < deadline {
        Thread.sleep(forTimeInterval: 0.02)
    }
    Thread.sleep(forTimeInterval: 0.3)
    running.signal(SIGKILL)
    _ = running.wait()
    while try database.count("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'retention%'") > 0, Date() < deadline {
        Thread.sleep(forTimeInterval: 0.1)
    }
    try database.connect().execute("DROP EVENT TRIGGER slow_ddl")
}

/// What a run of an earlier version, which detached a partition and dropped or archived it in a
/// second transaction, left when it was killed between the two: the partition detached and its
/// record `detached` with the rows counted. Returns those rows.
private func leftDetachedByEarlierVersion(_ database: TestDatabase, _ partition: String, removal: String = "dropped") throws -> Int64 {
    let connection = try database.connect()
    let rows = try database.count("SELECT count(*) FROM \(partition)")
    try connection.execute("ALTER TABLE events DETACH PARTITION \(partition)")
    try connection.execute("""
        INSERT INTO retention.partition_removals (run_id, policy, rule, partition_name, parent_name, rows, removal, state,
                                                  partition_oid, table_name, table_oid)
        VALUES (gen_random_uuid(), 'parts', 'events', 'public.' || $1, 'public.events', $2::bigint, $3, 'detached',
                $1::regclass, 'public.events', 'public.events'::regclass)
        """, [partition, String(rows), removal])
    return rows
}

@Suite("partitions: drop or detach what is wholly due", .serialized)
struct PartitionTests {
    @Test("wholly due months go whole (whatever their name) on two connections at once, the default partition and the boundary month by batches; exact counts")
    func dropMonths() throws {
        // Which session dropped each month: the removals share out over the run's two connections.
        let fixture = try EngineFixture.make("parts", schemaSQL: monthlySchema + """
            CREATE TABLE dropped_by (backend int, name text);
            CREATE FUNCTION note_drop() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN
              INSERT INTO dropped_by SELECT pg_backend_pid(), object_name FROM pg_event_trigger_dropped_objects() WHERE object_type = 'table';
            END $$;
            CREATE EVENT TRIGGER note_drop ON sql_drop EXECUTE FUNCTION note_drop();
            """)
        defer { fixture.drop() }
        try fixture.writePolicy(monthlyPolicy())
        let database = fixture.database
        // Computed before the run with plain SQL: what stays, and which leaves are wholly due by bound and content.
        let kept = try database.checksum("(SELECT * FROM events WHERE created_at >= \(cutoff) OR (id, created_at) IN (SELECT event_id, event_at FROM invoices))", orderBy: "id")
        let due = try database.count("SELECT count(*) FROM events WHERE created_at < \(cutoff)")
        let wholly = try database.connect().execute("""
            SELECT 'public.' || c.oid::regclass::text, (SELECT count(*) FROM events e WHERE e.tableoid = c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'events'::regclass AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
              AND NOT EXISTS (SELECT 1 FROM events e WHERE e.tableoid = c.oid AND e.created_at >= \(cutoff))
              AND (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''(.*)''\\)'))[1]::timestamptz <= \(cutoff)
              AND NOT EXISTS (SELECT 1 FROM invoices v WHERE v.event_id IN (SELECT id FROM events e WHERE e.tableoid = c.oid))
            ORDER BY 1
            """).rows.map { (try $0.text(0), try $0.int64(1)) }
        #expect(Set(wholly.map(\.0)) == whollyDue)
        let defaultRows = try database.count("SELECT count(*) FROM events_default")
        #expect(defaultRows > 0)

        let result = try fixture.retention(["run", "--as-of", asOf])
        #expect(result.status == 0, "\(result.stderr) \(result.stdout)")
        let rule = try fixture.ruleReport("events")
        #expect(reportedPartitions(rule) == Dictionary(uniqueKeysWithValues: wholly))
        #expect(rule.int("affected") == due - 1)
        #expect(rule.int("blocked") == 1)
        #expect(try database.checksum("events", orderBy: "id") == kept)
        let left = try partitions(database)
        #expect(!left.contains("events_2099_young") && left.contains("events_default") && left.contains("events_2023_02") && left.contains("events_2023_06"))
        #expect(try database.count("SELECT count(*) FROM events_default") == 0)
        #expect(try database.count("SELECT count(DISTINCT backend) FROM dropped_by") == 2)
        #expect(try database.count("SELECT count(DISTINCT name) FROM dropped_by") == Int64(wholly.count))
        // The run ledger and the erasure ledger name each partition with its rows.
        #expect(try database.count("SELECT count(*) FROM retention.partition_removals WHERE state = 'finished'") == Int64(wholly.count))
        let ledger = try String(contentsOfFile: fixture.stateDirectory + "/erasures.jsonl", encoding: .utf8)
        for (name, rows) in wholly { #expect(ledger.contains("\"partition\":\"\(name)\",\"rows\":\(rows)"), "\(ledger)") }
    }

    @Test("a leaf with a held tenant's row stays: its other rows go by batches; a referenced leaf stays")
    func heldAndReferenced() throws {
        let fixture = try EngineFixture.make("partheld", schemaSQL: monthlySchema + """
            -- a tenant-7 row in January too, so January holds a held row
            INSERT INTO events VALUES (900001, 7, 'k', '2023-01-20');
            """)
        defer { fixture.drop() }
        try fixture.database.connect().execute("INSERT INTO retention.legal_holds (tenant, reason) VALUES ('7', 'case 1')")
        try fixture.writePolicy(monthlyPolicy())
        let database = fixture.database
        let kept = try database.checksum("(SELECT * FROM events WHERE created_at >= \(cutoff) OR org_id = 7 OR (id, created_at) IN (SELECT event_id, event_at FROM invoices))", orderBy: "id")
        let held = try database.count("SELECT count(*) FROM events WHERE created_at < \(cutoff) AND org_id = 7")
        let result = try fixture.retention(["run", "--as-of", asOf])
        #expect(result.status == 0, "\(result.stderr) \(result.stdout)")
        let rule = try fixture.ruleReport("events")
        #expect(Set(reportedPartitions(rule).keys) == ["public.events_2023_04", "public.events_2023_05"])
        #expect(rule.int("heldBack") == held)
        #expect(try database.checksum("events", orderBy: "id") == kept)
        #expect(try partitions(database).contains("events_2099_young"))
        #expect(try partitions(database).contains("events_2023_03"))
    }

    @Test("detach moves the partition to retention_archive; a dry run lists the same partitions and changes nothing")
    func detachAndDryRun() throws {
        let fixture = try EngineFixture.make("partdetach", schemaSQL: monthlySchema)
        defer { fixture.drop() }
        try fixture.writePolicy(monthlyPolicy("detach"))
        let database = fixture.database
        let before = try database.checksum("events", orderBy: "id")
        let dry = try fixture.retention(["run", "--as-of", asOf, "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let forecast = reportedPartitions(try fixture.ruleReport("events"))
        #expect(Set(forecast.keys) == whollyDue)
        #expect(try database.checksum("events", orderBy: "id") == before)
        #expect(try partitions(database).count == 25)
        let validate = try fixture.retention(["validate", "--policy", fixture.directory + "/policy.json"])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stdout.contains("rule \"events\": would remove") )
        // plan lists what the next run (as of now) removes whole: every month whose upper bound is a
        // year or more ago, but the one an invoice references; the default partition never.
        let nextRun = try Set(database.connect().execute("""
            SELECT c.oid::regclass::text FROM pg_partition_tree('events') t JOIN pg_class c ON c.oid = t.relid
            WHERE t.isleaf AND NOT c.relispartition IS DISTINCT FROM true AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
              AND (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz <= now() - interval '12 months'
              AND c.relname <> 'events_2023_02'
            """).rows.map { try "public." + $0.text(0) })
        let plan = try fixture.retention(["plan", "--policy", fixture.directory + "/policy.json", "--tenant", "1", "--format", "json"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let planned = (try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])?["rules"] as? [[String: Any]] ?? []
        let listed = Set((planned.first { $0["name"] as? String == "events" }?["partitionsNextRun"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
        #expect(!nextRun.isEmpty && listed == nextRun, "plan lists \(listed.sorted()), expected \(nextRun.sorted())")
        #expect(try database.checksum("events", orderBy: "id") == before)
        let archived = try database.checksum("(SELECT * FROM events WHERE created_at >= '2023-01-01' AND created_at < '2023-02-01' OR created_at >= '2023-03-01' AND created_at < '2023-06-01')", orderBy: "id")
        let result = try fixture.retention(["run", "--as-of", asOf])
        #expect(result.status == 0, "\(result.stderr) \(result.stdout)")
        #expect(reportedPartitions(try fixture.ruleReport("events")) == forecast)
        #expect(try database.checksum("(SELECT * FROM retention_archive.\"public.events_2099_young\" UNION ALL SELECT * FROM retention_archive.\"public.events_2023_03\" UNION ALL SELECT * FROM retention_archive.\"public.events_2023_04\" UNION ALL SELECT * FROM retention_archive.\"public.events_2023_05\")", orderBy: "id") == archived)
    }

    @Test("multi-level partitions, a date key and a financial-year-aligned rule in the policy's zone")
    func multiLevelAligned() throws {
        let fixture = try EngineFixture.make("partfy", schemaSQL: """
            SET TimeZone = 'Europe/Stockholm';
            CREATE TABLE ledger (id int NOT NULL, region text NOT NULL, booked_on date NOT NULL, amount int,
                                 PRIMARY KEY (id, region, booked_on)) PARTITION BY RANGE (booked_on);
            DO $$ DECLARE y int; BEGIN
              FOR y IN 2014..2024 LOOP
                EXECUTE format('CREATE TABLE %I PARTITION OF ledger FOR VALUES FROM (%L) TO (%L) PARTITION BY LIST (region)',
                               'ledger_' || y, make_date(y, 1, 1), make_date(y + 1, 1, 1));
                EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES IN (''eu'')', 'ledger_' || y || '_eu', 'ledger_' || y);
                EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', 'ledger_' || y || '_other', 'ledger_' || y);
              END LOOP; END $$;
            INSERT INTO ledger SELECT g, (ARRAY['eu', 'us'])[1 + g % 2], date '2014-01-01' + (g % 4000), g FROM generate_series(1, 8000) g;
            """)
        defer { fixture.drop() }
        try fixture.writePolicy("""
            {"policy": "fy", "financialYearStartMonth": 7, "timeZone": "Europe/Stockholm",
             "rules": [{"name": "ledger", "table": "ledger", "due": {"after": "7 years", "from": "booked_on", "align": "financial-year-end"},
                        "action": "delete", "partitions": "drop"}]}
            """)
        let database = fixture.database
        let asOf = "2024-08-10T00:00:00Z"
        // A row is due when the end of its financial year (1 July after it) is before asOf - 7 years.
        let dueSQL = "(make_date(extract(year FROM booked_on)::int + CASE WHEN extract(month FROM booked_on) >= 7 THEN 1 ELSE 0 END, 7, 1)::timestamp AT TIME ZONE 'Europe/Stockholm') < timestamptz '\(asOf)' - interval '7 years'"
        let kept = try database.checksum("(SELECT * FROM ledger WHERE NOT \(dueSQL))", orderBy: "id")
        let due = try database.count("SELECT count(*) FROM ledger WHERE \(dueSQL)")
        // Whole calendar years whose last day is due: 2014..2015 (FY ending 2016-07-01 < 2017-08-10), and 2016's last day ends FY 2017-07-01 < cutoff too.
        let whollyDue = try database.connect().execute("""
            SELECT y FROM generate_series(2014, 2024) y
            WHERE (make_date(y + 1, 7, 1)::timestamp AT TIME ZONE 'Europe/Stockholm') < timestamptz '\(asOf)' - interval '7 years' ORDER BY 1
            """).rows.map { try $0.text(0) }
        #expect(whollyDue == ["2014", "2015", "2016"])
        let result = try fixture.retention(["run", "--as-of", asOf])
        #expect(result.status == 0, "\(result.stderr) \(result.stdout)")
        let rule = try fixture.ruleReport("ledger")
        let expected = Set(whollyDue.flatMap { ["public.ledger_\($0)_eu", "public.ledger_\($0)_other"] })
        #expect(Set(reportedPartitions(rule).keys.map { $0.hasPrefix("public.") ? $0 : "public." + $0 }) == expected)
        #expect(rule.int("affected") == due)
        #expect(try database.checksum("ledger", orderBy: "id") == kept)
    }

    @Test("aggregate: the roll-up of the removed partitions and batches equals a plain GROUP BY of what was removed")
    func aggregateRollup() throws {
        let fixture = try EngineFixture.make("partagg", schemaSQL: monthlySchema + """
            CREATE TABLE daily (day date NOT NULL, org_id int NOT NULL, kind text NOT NULL, events bigint NOT NULL, PRIMARY KEY (day, org_id, kind));
            CREATE TABLE expected AS SELECT (date_trunc('day', created_at))::date AS day, org_id, kind, count(*) AS events
              FROM events WHERE created_at < \(cutoff) AND (id, created_at) NOT IN (SELECT event_id, event_at FROM invoices) GROUP BY 1, 2, 3;
            """)
        defer { fixture.drop() }
        try fixture.writePolicy("""
            {"policy": "partagg", "rules": [{"name": "events", "table": "events", "due": {"after": "12 months", "from": "created_at"},
              "action": "aggregate", "partitions": "drop",
              "aggregate": {"into": "daily", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["org_id", "kind"], "count": "events"}},
             {"name": "invoices", "table": "invoices", "due": {"after": "100 years", "from": "event_at"}, "action": "delete"}]}
            """)
        let database = fixture.database
        let result = try fixture.retention(["run", "--as-of", asOf])
        #expect(result.status == 0, "\(result.stderr) \(result.stdout)")
        #expect(Set(reportedPartitions(try fixture.ruleReport("events")).keys) == whollyDue)
        #expect(try database.count("SELECT count(*) FROM expected e FULL JOIN daily d USING (day, org_id, kind) WHERE e.events IS DISTINCT FROM d.events") == 0)
        #expect(try database.count("SELECT count(*) FROM events WHERE created_at < \(cutoff)") == 1)
    }

    @Test("SIGKILL while a partition is dropped: its transaction rolls back whole (still attached, every row, no record); the next run removes it; exact")
    func killDuringDrop() throws {
        // An event trigger makes every DROP TABLE sleep, so the kill lands after the detach, before the commit.
        let fixture = try EngineFixture.make("partkill", schemaSQL: monthlySchema + slowDDL("DROP TABLE"))
        defer { fixture.drop() }
        try fixture.writePolicy(monthlyPolicy())
        let database = fixture.database
        let kept = try database.checksum("(SELECT * FROM events WHERE created_at >= \(cutoff) OR (id, created_at) IN (SELECT event_id, event_at FROM invoices))", orderBy: "id")
        let whole = try database.checksum("events", orderBy: "id")
        let due = try database.count("SELECT count(*) FROM events WHERE created_at < \(cutoff)")
        let leaves = try partitions(database)
        try killRun(fixture, ["run", "--as-of", asOf], when: "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'DROP TABLE%' AND application_name LIKE 'retention%'")
        #expect(try partitions(database) == leaves)
        #expect(try database.checksum("events", orderBy: "id") == whole)
        #expect(try database.count("SELECT count(*) FROM retention.partition_removals") == 0)
        #expect(try database.count("SELECT coalesce(sum(affected), 0)::bigint FROM retention.batch_results") == 0)

        let resumed = try fixture.retention(["run", "--as-of", asOf])
        #expect(resumed.status == 0, "\(resumed.stderr) \(resumed.stdout)")
        let rule = try fixture.ruleReport("events")
        #expect(Set(reportedPartitions(rule).keys) == whollyDue)
        #expect(try database.checksum("events", orderBy: "id") == kept)
        #expect(rule.int("affected") == due - 1)
        #expect(try database.count("SELECT count(*) FROM retention.partition_removals WHERE state = 'finished'") == Int64(whollyDue.count))
    }

    @Test("a partition an earlier version left detached (killed between its DETACH and its DROP) is finished by the next run, proven again; nothing counted twice")
    func finishesWhatAnEarlierVersionLeft() throws {
        let fixture = try EngineFixture.make("partearlier", schemaSQL: monthlySchema)
        defer { fixture.drop() }
        try fixture.writePolicy(monthlyPolicy())
        let database = fixture.database
        let kept = try database.checksum("(SELECT * FROM events WHERE created_at >= \(cutoff) OR (id, created_at) IN (SELECT event_id, event_at FROM invoices))", orderBy: "id")
        let due = try database.count("SELECT count(*) FROM events WHERE created_at < \(cutoff)")
        let rows = try leftDetachedByEarlierVersion(database, "events_2023_03")
        let resumed = try fixture.retention(["run", "--as-of", asOf])
        #expect(resumed.status == 0, "\(resumed.stderr) \(resumed.stdout)")
        let rule = try fixture.ruleReport("events")
        let finished = (rule["partitions"] as? [[String: Any]] ?? []).filter { $0["detachedByRun"] is String }
        #expect(finished.map { $0["name"] as? String } == ["public.events_2023_03"])
        #expect(try database.count("SELECT count(*) FROM pg_class WHERE oid = to_regclass('public.events_2023_03')") == 0)
        #expect(Set(reportedPartitions(rule).keys) == whollyDue)
        #expect(try database.checksum("events", orderBy: "id") == kept)
        #expect(rule.int("affected") == due - 1 - rows)
        #expect(try database.count("SELECT count(*) FROM retention.partition_removals WHERE state <> 'finished'") == 0)
    }

    @Test("a partition left detached by an earlier version and re-attached since (its tenant now held) survives with all its rows; the record is marked left and reported")
    func reattachedHeldPartitionSurvives() throws {
        let fixture = try EngineFixture.make("partreattach", schemaSQL: monthlySchema)
        defer { fixture.drop() }
        try fixture.writePolicy(monthlyPolicy())
        let database = fixture.database
        _ = try leftDetachedByEarlierVersion(database, "events_2023_03")
        // The operator puts tenant 7 (whose rows are this month's) under a hold and attaches the month again.
        let connection = try database.connect()
        try connection.execute("INSERT INTO retention.legal_holds (tenant, reason) VALUES ('7', 'case 2')")
        try connection.execute("ALTER TABLE events ATTACH PARTITION events_2023_03 FOR VALUES FROM ('2023-03-01 00:00:00+00') TO ('2023-04-01 00:00:00+00')")
        let march = try database.checksum("events_2023_03", orderBy: "id")
        #expect(try database.count("SELECT count(*) FROM events_2023_03") > 0)
        let kept = try database.checksum("(SELECT * FROM events WHERE created_at >= \(cutoff) OR org_id = 7 OR (id, created_at) IN (SELECT event_id, event_at FROM invoices))", orderBy: "id")

        let resumed = try fixture.retention(["run", "--as-of", asOf])
        #expect(resumed.status == 0, "\(resumed.stderr) \(resumed.stdout)")
        #expect(try database.checksum("events_2023_03", orderBy: "id") == march)
        #expect(try database.count("SELECT count(*) FROM pg_inherits WHERE inhrelid = 'events_2023_03'::regclass AND inhparent = 'events'::regclass") == 1)
        #expect(try database.checksum("events", orderBy: "id") == kept)
        #expect(try database.count("SELECT count(*) FROM retention.partition_removals WHERE partition_name = 'public.events_2023_03' AND state = 'left' AND note LIKE '%attached to public.events again%'") == 1)
        let warnings = try fixture.ruleReport("events")["warnings"] as? [String] ?? []
        #expect(warnings.contains { $0.contains("public.events_2023_03") && $0.contains("attached to public.events again") }, "\(warnings)")
    }

    @Test("an ON DELETE CASCADE key from a table without a rule: referenced months go by batches (cascading), every due row goes")
    func cascadingReferenceGoesByBatches() throws {
        let fixture = try EngineFixture.make("partcascade", schemaSQL: monthlySchema + """
            CREATE TABLE notes (id int PRIMARY KEY, event_id bigint NOT NULL, event_at timestamptz NOT NULL,
                                FOREIGN KEY (event_id, event_at) REFERENCES events (id, created_at) ON DELETE CASCADE);
            INSERT INTO notes SELECT row_number() OVER (), id, created_at FROM events
              WHERE created_at >= '2023-04-10' AND created_at < '2023-04-11' OR created_at >= '2024-05-01' AND created_at < '2024-05-02';
            """)
        defer { fixture.drop() }
        try fixture.writePolicy(monthlyPolicy())
        let database = fixture.database
        let kept = try database.checksum("(SELECT * FROM events WHERE created_at >= \(cutoff) OR (id, created_at) IN (SELECT event_id, event_at FROM invoices))", orderBy: "id")
        let keptNotes = try database.checksum("(SELECT * FROM notes WHERE event_at >= \(cutoff))", orderBy: "id")
        let due = try database.count("SELECT count(*) FROM events WHERE created_at < \(cutoff)")
        #expect(try database.count("SELECT count(*) FROM notes WHERE event_at < \(cutoff)") > 0)
        let result = try fixture.retention(["run", "--as-of", asOf])
        #expect(result.status == 0, "\(result.stderr) \(result.stdout)")
        let rule = try fixture.ruleReport("events")
        #expect(Set(reportedPartitions(rule).keys) == whollyDue.subtracting(["public.events_2023_04"]))
        #expect(rule.int("affected") == due - 1)
        #expect(try database.checksum("events", orderBy: "id") == kept)
        #expect(try database.checksum("notes", orderBy: "id") == keptNotes)
        #expect(try partitions(database).contains("events_2023_04"))
    }

    @Test("a failure after some partitions were dropped: the failed rule's report still lists them and counts their rows")
    func failureAfterDropsReportsThem() throws {
        // Dropping May fails; the other wholly due months are dropped on the two connections, each
        // until its own first failure.
        let fixture = try EngineFixture.make("partfail", schemaSQL: monthlySchema + """
            CREATE FUNCTION refuse_may() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN
              IF EXISTS (SELECT 1 FROM pg_event_trigger_dropped_objects() WHERE object_name = 'events_2023_05') THEN
                RAISE EXCEPTION 'not May'; END IF; END $$;
            CREATE EVENT TRIGGER refuse_may ON sql_drop EXECUTE FUNCTION refuse_may();
            """)
        defer { fixture.drop() }
        try fixture.writePolicy(monthlyPolicy())
        let database = fixture.database
        let rows = Dictionary(uniqueKeysWithValues: try database.connect().execute(
            "SELECT 'public.' || tableoid::regclass::text, count(*) FROM events GROUP BY 1").rows.map { (try $0.text(0), try $0.int64(1)) })
        let may = try database.checksum("events_2023_05", orderBy: "id")
        let result = try fixture.retention(["run", "--as-of", asOf])
        #expect(result.status != 0)
        let rule = try fixture.ruleReport("events")
        #expect(rule["status"] as? String == "failed")
        // Reported: exactly the wholly due months that are gone, each with its rows.
        let gone = try whollyDue.filter { try database.count("SELECT count(*) FROM pg_class WHERE oid = to_regclass($1)", [$0]) == 0 }
        #expect(gone.count >= 2 && !gone.contains("public.events_2023_05"), "\(gone)")
        #expect(reportedPartitions(rule) == Dictionary(uniqueKeysWithValues: gone.map { ($0, rows[$0] ?? -1) }))
        // May's detach rolled back with its drop: still attached, whole, not counted.
        #expect(try database.checksum("events_2023_05", orderBy: "id") == may)
        #expect(try database.count("SELECT count(*) FROM pg_inherits WHERE inhrelid = 'events_2023_05'::regclass") == 1)
        let removed = gone.reduce(Int64(0)) { $0 + (rows[$1] ?? 0) }
        #expect(rule.int("affected") == removed)
        #expect(try database.count("SELECT coalesce(sum(affected), 0)::bigint FROM retention.batch_results WHERE rule = 'events'") == removed)
    }

    @Test("detach: same-named leaves of two schemas are archived side by side under schema-qualified names, found by ArchivedLeaves")
    func twoRegionsArchives() throws {
        let region = { (schema: String, offset: Int) in """
            CREATE SCHEMA \(schema);
            CREATE TABLE \(schema).events (id bigint NOT NULL, created_at timestamptz NOT NULL, PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at);
            CREATE TABLE \(schema).events_2023_01 PARTITION OF \(schema).events FOR VALUES FROM ('2023-01-01 00:00+00') TO ('2023-02-01 00:00+00');
            CREATE TABLE \(schema).events_2023_02 PARTITION OF \(schema).events FOR VALUES FROM ('2023-02-01 00:00+00') TO ('2023-03-01 00:00+00');
            CREATE TABLE \(schema).events_2024_06 PARTITION OF \(schema).events FOR VALUES FROM ('2024-06-01 00:00+00') TO ('2024-07-01 00:00+00');
            INSERT INTO \(schema).events SELECT g + \(offset), timestamptz '2023-01-01' + g * interval '13 hours' FROM generate_series(0, 100) g;
            INSERT INTO \(schema).events SELECT g + \(offset), timestamptz '2024-06-01' + g * interval '1 hour' FROM generate_series(0, 50) g;
            """ }
        let fixture = try EngineFixture.make("partregions", schemaSQL: "SET TimeZone = 'UTC';\n" + region("eu", 0) + region("us", 1000))
        defer { fixture.drop() }
        try fixture.writePolicy("""
            {"policy": "regions", "rules": [
              {"name": "eu", "table": "eu.events", "due": {"after": "12 months", "from": "created_at"}, "action": "delete", "partitions": "detach"},
              {"name": "us", "table": "us.events", "due": {"after": "12 months", "from": "created_at"}, "action": "delete", "partitions": "detach"}]}
            """)
        let database = fixture.database
        var expected: [String: String] = [:]
        for schema in ["eu", "us"] {
            for month in ["2023_01", "2023_02"] { expected["\(schema).events_\(month)"] = try database.checksum("\(schema).events_\(month)", orderBy: "id") }
        }
        let result = try fixture.retention(["run", "--as-of", asOf])
        #expect(result.status == 0, "\(result.stderr) \(result.stdout)")
        for (name, checksum) in expected {
            #expect(try database.checksum("retention_archive.\"\(name)\"", orderBy: "id") == checksum, "\(name)")
        }
        #expect(try database.count("SELECT count(*) FROM eu.events") == 51 && database.count("SELECT count(*) FROM us.events") == 51)
        let euArchived = try ArchivedLeaves.of(parent: Identifier("eu", "events"), connection: database.connect()).map(\.description)
        #expect(euArchived == ["retention_archive.\"eu.events_2023_01\"", "retention_archive.\"eu.events_2023_02\""])
        let usArchived = (try fixture.ruleReport("us")["partitions"] as? [[String: Any]] ?? []).compactMap { $0["archivedAs"] as? String }
        #expect(usArchived.sorted() == ["retention_archive.\"us.events_2023_01\"", "retention_archive.\"us.events_2023_02\""])
        #expect(try database.count("SELECT count(*) FROM retention.partition_removals WHERE state = 'finished' AND table_oid = 'us.events'::regclass AND archived_name LIKE 'retention_archive.\"us.%'") == 2)
    }

    @Test("SIGKILL during the move to retention_archive: the removal rolls back whole; the next run archives the partition; exact against plain SQL")
    func killDuringArchive() throws {
        let fixture = try EngineFixture.make("partkillarchive", schemaSQL: monthlySchema
            + slowDDL("ALTER TABLE", "ddl_command_end", condition: "c.object_identity LIKE 'retention_archive.%'"))
        defer { fixture.drop() }
        try fixture.writePolicy(monthlyPolicy("detach"))
        let database = fixture.database
        let kept = try database.checksum("(SELECT * FROM events WHERE created_at >= \(cutoff) OR (id, created_at) IN (SELECT event_id, event_at FROM invoices))", orderBy: "id")
        let march = try database.checksum("events_2023_03", orderBy: "id")
        let due = try database.count("SELECT count(*) FROM events WHERE created_at < \(cutoff)")
        try killRun(fixture, ["run", "--as-of", asOf], when: "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%SET SCHEMA%' AND application_name LIKE 'retention%'")
        // The detach rolled back with the move: March is attached, whole, under its own name, unrecorded.
        #expect(try database.count("SELECT count(*) FROM retention.partition_removals") == 0)
        #expect(try database.count("SELECT count(*) FROM pg_inherits WHERE inhrelid = 'public.events_2023_03'::regclass") == 1)
        #expect(try database.checksum("events_2023_03", orderBy: "id") == march)
        let resumed = try fixture.retention(["run", "--as-of", asOf])
        #expect(resumed.status == 0, "\(resumed.stderr) \(resumed.stdout)")
        #expect(try database.checksum("retention_archive.\"public.events_2023_03\"", orderBy: "id") == march)
        #expect(try database.checksum("events", orderBy: "id") == kept)
        #expect(try database.count("SELECT coalesce(sum(affected), 0)::bigint FROM retention.batch_results WHERE rule = 'events'") == due - 1)
        #expect(try database.count("SELECT count(*) FROM retention.partition_removals WHERE state <> 'finished'") == 0)
    }

    @Test("a partition an earlier version left detached is finished by the re-issued policy of another name; a policy without a rule for the table warns of it")
    func orphanedByRename() throws {
        let fixture = try EngineFixture.make("partrename", schemaSQL: monthlySchema)
        defer { fixture.drop() }
        try fixture.writePolicy(monthlyPolicy())
        let database = fixture.database
        let kept = try database.checksum("(SELECT * FROM events WHERE created_at >= \(cutoff) OR (id, created_at) IN (SELECT event_id, event_at FROM invoices))", orderBy: "id")
        _ = try leftDetachedByEarlierVersion(database, "events_2023_03")
        let name = "public.events_2023_03"
        // A policy of another name without the partition rule: validate and its runs say so.
        let other = try fixture.writePolicy("""
            {"policy": "invoices-only", "rules": [{"name": "invoices", "table": "invoices", "due": {"after": "100 years", "from": "event_at"}, "action": "delete"}]}
            """, name: "other.json")
        let validate = try fixture.retention(["validate", "--policy", other])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stderr.contains("partition \(name)") && validate.stderr.contains("is not finished"), "\(validate.stderr)")
        let otherRun = try fixture.retention(["run", "--as-of", asOf, "--policy", other])
        #expect(otherRun.status == 0, "\(otherRun.stderr)")
        #expect((try fixture.latestReport()["warnings"] as? [String] ?? []).contains { $0.contains("partition \(name)") })
        // The policy re-issued under a new name finishes it.
        try fixture.writePolicy(monthlyPolicy().replacingOccurrences(of: "\"policy\": \"parts\"", with: "\"policy\": \"parts-v2\""))
        let resumed = try fixture.retention(["run", "--as-of", asOf])
        #expect(resumed.status == 0, "\(resumed.stderr) \(resumed.stdout)")
        let finished = (try fixture.ruleReport("events")["partitions"] as? [[String: Any]] ?? []).filter { $0["detachedByRun"] is String }
        #expect(finished.map { $0["name"] as? String } == [name])
        #expect(try database.count("SELECT count(*) FROM pg_class WHERE oid = to_regclass($1)", [name]) == 0)
        #expect(try database.checksum("events", orderBy: "id") == kept)
    }

    @Test("a table with INHERITS children is refused by validate and run with one line; nothing changes (parent and children)")
    func inheritanceRefused() throws {
        let fixture = try EngineFixture.make("partinherit", schemaSQL: """
            CREATE TABLE logs (id bigint PRIMARY KEY, created_at timestamptz NOT NULL);
            CREATE TABLE logs_2023 () INHERITS (logs);
            CREATE TABLE logs_2024 () INHERITS (logs);
            INSERT INTO logs SELECT g, timestamptz '2023-01-01' + g * interval '1 day' FROM generate_series(1, 10) g;
            INSERT INTO logs_2023 SELECT g, timestamptz '2023-01-01' + g * interval '1 hour' FROM generate_series(100, 5000) g;
            INSERT INTO logs_2024 SELECT g, timestamptz '2024-01-01' + g * interval '1 hour' FROM generate_series(10000, 15000) g;
            """)
        defer { fixture.drop() }
        let path = try fixture.writePolicy("""
            {"policy": "inherit", "rules": [{"name": "logs", "table": "logs", "due": {"after": "6 months", "from": "created_at"}, "action": "delete"}]}
            """)
        let database = fixture.database
        // Plain SQL reads the children through the parent: this many rows are due, in parent and children.
        #expect(try database.count("SELECT count(*) FROM logs WHERE created_at < timestamptz '\(asOf)' - interval '6 months'") > 10)
        let before = try ["ONLY logs", "logs_2023", "logs_2024"].map { try database.checksum("(SELECT * FROM \($0))", orderBy: "id") }
        let validate = try fixture.retention(["validate", "--policy", path])
        #expect(validate.status == 2)
        #expect(validate.stderr.contains("rule \"logs\", key \"table\": public.logs has rows in tables that inherit from it or are foreign (public.logs_2023, public.logs_2024)"), "\(validate.stderr)")
        let run = try fixture.retention(["run", "--as-of", asOf])
        #expect(run.status == 2, "\(run.stderr)")
        let after = try ["ONLY logs", "logs_2023", "logs_2024"].map { try database.checksum("(SELECT * FROM \($0))", orderBy: "id") }
        #expect(after == before)
    }

    @Test("a child table that appears after validate (created by a trigger while an earlier rule runs): the rule that misses its due rows fails")
    func missedRowsFailTheRule() throws {
        // Rule "a" runs first (a references logs); its delete creates logs_late INHERITS logs with due rows.
        let fixture = try EngineFixture.make("partmissed", schemaSQL: """
            CREATE TABLE logs (id bigint PRIMARY KEY, created_at timestamptz NOT NULL);
            INSERT INTO logs SELECT g, timestamptz '2023-01-01' + g * interval '1 hour' FROM generate_series(1, 3000) g;
            CREATE TABLE a (id int PRIMARY KEY, log_id bigint REFERENCES logs, created_at timestamptz NOT NULL);
            INSERT INTO a SELECT g, NULL, timestamptz '2023-01-01' + g * interval '1 hour' FROM generate_series(1, 100) g;
            CREATE FUNCTION make_child() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
              IF to_regclass('logs_late') IS NULL THEN
                CREATE TABLE logs_late () INHERITS (logs);
                INSERT INTO logs_late SELECT g, timestamptz '2023-02-01' + g * interval '1 minute' FROM generate_series(100000, 100499) g;
              END IF;
              RETURN NULL; END $$;
            CREATE TRIGGER make_child AFTER DELETE ON a FOR EACH STATEMENT EXECUTE FUNCTION make_child();
            """)
        defer { fixture.drop() }
        try fixture.writePolicy("""
            {"policy": "missed", "rules": [
              {"name": "a", "table": "a", "due": {"after": "6 months", "from": "created_at"}, "action": "delete"},
              {"name": "logs", "table": "logs", "due": {"after": "6 months", "from": "created_at"}, "action": "delete"}]}
            """)
        let database = fixture.database
        let result = try fixture.retention(["run", "--as-of", asOf])
        #expect(result.status != 0, "\(result.stdout)")
        let rule = try fixture.ruleReport("logs")
        #expect(rule["status"] as? String == "failed")
        #expect((rule["error"] as? String ?? "").contains("500 due rows in public.logs_late, which hold rows of public.logs but which the rule did not walk"), "\(rule)")
        // The parent's own heap was walked; the child's rows stay (plain SQL on parent and child).
        #expect(try database.count("SELECT count(*) FROM ONLY logs") == 0)
        #expect(try database.count("SELECT count(*) FROM logs_late") == 500)
        #expect(rule.int("affected") == 3000)
    }

    @Test("an application inserting into young partitions during the run never waits longer than the lock timeout")
    func concurrentInserts() throws {
        let fixture = try EngineFixture.make("partins", schemaSQL: monthlySchema)
        defer { fixture.drop() }
        try fixture.writePolicy(monthlyPolicy())
        let database = fixture.database
        let application = try database.connect()
        try application.execute("SET TimeZone = 'UTC'")
        let running = try fixture.start(["run", "--as-of", asOf])
        var longest = 0.0
        var inserted = 0
        while running.process.isRunning {
            let started = Date()
            try application.execute("INSERT INTO events VALUES ($1::bigint, 1, 'app', timestamptz '2024-03-01' + $1::bigint * interval '1 second')", [String(1_000_000 + inserted)])
            longest = max(longest, Date().timeIntervalSince(started))
            inserted += 1
        }
        let result = running.wait()
        #expect(result.status == 0, "\(result.stderr) \(result.stdout)")
        print("partitions: longest insert latency during the run: \(String(format: "%.1f", longest * 1000)) ms over \(inserted) inserts")
        #expect(Set(reportedPartitions(try fixture.ruleReport("events")).keys) == whollyDue)
        #expect(longest < 0.1, "an insert waited \(longest * 1000) ms")
        #expect(try database.count("SELECT count(*) FROM events WHERE kind = 'app'") == Int64(inserted))
    }

    @Test("validate refuses drop on a table that is not range-partitioned by an anchor, naming rule and key")
    func notPartitionedByAnchor() throws {
        let fixture = try EngineFixture.make("partbad", schemaSQL: """
            CREATE TABLE plain (id int PRIMARY KEY, created_at timestamptz NOT NULL);
            CREATE TABLE bylist (id int, region text, created_at timestamptz NOT NULL, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
            """)
        defer { fixture.drop() }
        let path = try fixture.writePolicy("""
            {"policy": "bad", "rules": [{"name": "plain", "table": "plain", "due": {"after": "1 day", "from": "created_at"}, "action": "delete", "partitions": "drop"},
              {"name": "bylist", "table": "bylist", "due": {"after": "1 day", "from": "created_at"}, "action": "delete", "partitions": "detach"}]}
            """)
        let result = try fixture.retention(["validate", "--policy", path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("rule \"plain\", key \"partitions\": public.plain is not partitioned"), "\(result.stderr)")
        #expect(result.stderr.contains("rule \"bylist\", key \"partitions\": public.bylist is not range-partitioned by an anchor"), "\(result.stderr)")
        let run = try fixture.retention(["run", "--policy", path])
        #expect(run.status == 2)
    }
}

/// Whether the test server offers pg_partman (Debian's `postgresql-15-partman`, installed by
/// `Deploy/ensure-packages.sh`; the embedded PostgreSQL 18 has none).
private let partmanAvailable: Bool = {
    guard let admin = try? Connection(conninfo: "postgresql://postgres@127.0.0.1:\(TestDatabase.port)/postgres") else { return false }
    return (try? admin.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_partman'").int64()) == 1
}()

@Suite("partitions of a pg_partman table", .enabled(if: partmanAvailable, "pg_partman is not available on the test server (Debian package postgresql-15-partman)"))
struct PartmanPartitionTests {
    @Test("a daily pg_partman table: wholly due days are dropped, run_maintenance() still succeeds after, and validate warns of partman's own retention")
    func partmanDaily() throws {
        let fixture = try EngineFixture.make("partman", schemaSQL: """
            SET TimeZone = 'UTC';
            CREATE SCHEMA partman;
            CREATE EXTENSION pg_partman SCHEMA partman;
            CREATE TABLE pm_events (id bigint NOT NULL, created_at timestamptz NOT NULL, PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at);
            SELECT partman.create_parent('public.pm_events', 'created_at', 'native', 'daily', p_start_partition := (now() - interval '20 days')::date::text);
            INSERT INTO pm_events SELECT g, now() - g * interval '1 hour' FROM generate_series(1, 400) g;
            """)
        defer { fixture.drop() }
        let database = fixture.database
        let asOf = try database.connect().execute("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')").requiredScalar()
        let cutoff = "timestamptz '\(asOf)' - interval '10 days'"
        let path = try fixture.writePolicy("""
            {"policy": "pm", "rules": [{"name": "pm", "table": "pm_events", "due": {"after": "10 days", "from": "created_at"},
              "action": "delete", "partitions": "drop"}]}
            """)
        let kept = try database.checksum("(SELECT * FROM pm_events WHERE created_at >= \(cutoff))", orderBy: "id")
        let due = try database.count("SELECT count(*) FROM pm_events WHERE created_at < \(cutoff)")
        // Daily partitions whose upper bound is at or before the cutoff (by bound, not by name).
        let wholly = try database.count("""
            SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'pm_events'::regclass AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
              AND (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''(.*)''\\)'))[1]::timestamptz <= \(cutoff)
            """)
        #expect(wholly >= 9)
        let result = try fixture.retention(["run", "--as-of", asOf])
        #expect(result.status == 0, "\(result.stderr) \(result.stdout)")
        let rule = try fixture.ruleReport("pm")
        #expect(Int64((rule["partitions"] as? [[String: Any]] ?? []).count) == wholly)
        #expect(rule.int("affected") == due)
        #expect(try database.checksum("pm_events", orderBy: "id") == kept)
        try database.connect().execute("SELECT partman.run_maintenance()")
        try database.connect().execute("UPDATE partman.part_config SET retention = '30 days' WHERE parent_table = 'public.pm_events'")
        let validate = try fixture.retention(["validate", "--policy", path])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stderr.contains("pg_partman also expires partitions of public.pm_events"), "\(validate.stderr)")
    }
}
