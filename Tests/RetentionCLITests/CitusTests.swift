import Foundation
import Postgres
import RetentionCore
import Testing
import TestSupport

/// The multi-tenant SaaS schema Citus is made for: tenants in a reference table, their events
/// distributed by `organization_id` over 32 shards, and a co-located child whose young notes keep
/// the events they reference. Tenants 10, 20, …, 200 were terminated on 2026-06-01.
private let saasSchema = """
    SET citus.shard_count = 32;
    SET TimeZone = 'UTC';
    CREATE TABLE organizations (id bigint PRIMARY KEY, name text NOT NULL, terminated_at timestamptz);
    SELECT create_reference_table('organizations');
    INSERT INTO organizations SELECT g, 'org ' || g, CASE WHEN g % 10 = 0 THEN timestamptz '2026-06-01' END FROM generate_series(1, 200) g;
    CREATE TABLE events (organization_id bigint NOT NULL REFERENCES organizations, id bigint NOT NULL, created_at timestamptz NOT NULL,
                         email text, pseudonymised_at timestamptz, PRIMARY KEY (organization_id, id));
    SELECT create_distributed_table('events', 'organization_id');
    CREATE INDEX ON events (created_at);
    INSERT INTO events SELECT 1 + g % 200, g, timestamptz '2023-01-01' + g * interval '40 minutes',
        CASE WHEN g % 7 = 0 THEN 'Åsa\\' || g || '@exämple.se' ELSE 'user' || (g % 3000) || '@example.com' END, NULL
    FROM generate_series(1, $ROWS) g;
    CREATE TABLE event_notes (organization_id bigint NOT NULL, id bigint NOT NULL, event_id bigint NOT NULL, body text,
                              created_at timestamptz NOT NULL, PRIMARY KEY (organization_id, id),
                              FOREIGN KEY (organization_id, event_id) REFERENCES events (organization_id, id));
    SELECT create_distributed_table('event_notes', 'organization_id', colocate_with => 'events');
    CREATE INDEX ON event_notes (organization_id, event_id);
    INSERT INTO event_notes SELECT 1 + g % 200, g, g, 'note', timestamptz '2026-11-01' FROM generate_series(1, $ROWS, 37) g;
    """

private let asOf = "2026-12-01T00:00:00Z"

/// A time rule, a termination rule and the tenants' own rows (removed once their events are).
private let saasPolicy = """
    {"policy": "saas", "tenants": {"table": "organizations", "key": "id", "terminatedAt": "terminated_at"}, "rules": [
      {"name": "notes", "table": "event_notes", "tenantColumn": "organization_id", "due": {"from": "created_at", "after": "1 year"}, "action": "delete"},
      {"name": "old-events", "table": "events", "tenantColumn": "organization_id", "due": {"from": "created_at", "after": "2 years"}, "action": "delete"},
      {"name": "terminated", "table": "events", "tenantColumn": "organization_id", "due": {"from": "tenant.terminatedAt", "after": "30 days"}, "action": "delete"},
      {"name": "tenants", "table": "organizations", "due": {"from": "terminated_at", "after": "60 days"}, "action": "delete"}]}
    """

/// The events that must survive `saasPolicy` at `asOf` with holds on tenants 5 and 20, by plain
/// SQL on the coordinator: neither old nor terminated, or held, or referenced by a note.
private let survivingEvents = """
    CREATE TABLE expected_events AS SELECT organization_id, id FROM events e
    WHERE NOT ((created_at < timestamptz '2024-12-01' OR organization_id % 10 = 0) AND organization_id NOT IN (5, 20)
               AND NOT EXISTS (SELECT 1 FROM event_notes n WHERE n.organization_id = e.organization_id AND n.event_id = e.id));
    CREATE TABLE expected_tenants AS SELECT id FROM organizations o
    WHERE NOT (coalesce(terminated_at < timestamptz '2026-10-02', false) AND id NOT IN (SELECT DISTINCT organization_id FROM expected_events));
    """

@Suite("Citus: distributed and reference tables", .serialized, .enabled(if: CitusCluster.unavailableReason == nil, "\(CitusCluster.unavailableReason ?? "")"))
struct CitusTests {
    static func cluster() throws -> CitusCluster { try CitusCluster.shared.get() }

    /// The SaaS schema with `rows` events on every node of the cluster; its `drop` drops it on every node.
    static func fixture(_ label: String, rows: Int = 40_000) throws -> EngineFixture {
        try cluster().fixture(label, sql: saasSchema.replacingOccurrences(of: "$ROWS", with: String(rows)))
    }

    /// Rows per shard of a distributed table, by shard id, as the shards themselves count them.
    static func rowsPerShard(_ database: TestDatabase, _ table: String) throws -> [String: Int64] {
        let rows = try database.connect().execute("SELECT shardid::text, result FROM run_command_on_shards('\(table)', 'SELECT count(*) FROM %s')").rows
        return Dictionary(uniqueKeysWithValues: try rows.map { (try $0.text(0), Int64(try $0.text(1)) ?? -1) })
    }

    /// The rows of `expected` per shard of `table`, by shard id (shards without rows included).
    static func expectedPerShard(_ database: TestDatabase, _ expected: String, of table: String) throws -> [String: Int64] {
        let rows = try database.connect().execute("""
            SELECT s.shardid::text, count(x.organization_id) FROM pg_dist_shard s
            LEFT JOIN (SELECT get_shard_id_for_distribution_column('\(table)', organization_id) AS shardid, organization_id FROM \(expected)) x
              ON x.shardid = s.shardid
            WHERE s.logicalrelid = '\(table)'::regclass GROUP BY 1
            """).rows
        return Dictionary(uniqueKeysWithValues: try rows.map { (try $0.text(0), try $0.int64(1)) })
    }

    /// The `columns` of every row of `table`, as one checksum: equal checksums, equal rows.
    static func keys(_ database: TestDatabase, _ table: String, _ columns: String = "organization_id, id") throws -> String {
        try database.checksum("(SELECT \(columns) FROM \(table))", orderBy: columns)
    }

    /// Without statistics the time rule walks every shard's pages; with them (the shards' heaps
    /// follow `created_at`) it walks the anchor's index in windows.
    @Test("a time rule, a termination rule and the tenants' reference table: the dry run counts and the run leaves exactly what plain SQL says, on every shard; holds and a co-located child's foreign key keep rows",
          arguments: [false, true])
    func deleteExactly(analyzed: Bool) throws {
        let fixture = try CitusTests.fixture("citus_delete")
        defer { fixture.drop() }
        if analyzed {
            try fixture.database.connect().execute("ANALYZE events")
            #expect(try fixture.database.count("""
                SELECT count(*) FROM run_command_on_shards('events', $$SELECT min(abs(correlation)) FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename
                  WHERE c.oid = '%s'::regclass AND s.attname = 'created_at'$$) WHERE result::float8 >= 0.9
                """) == 32, "every shard's heap follows created_at")
        }
        let policy = try fixture.writePolicy(saasPolicy)
        for tenant in ["5", "20"] {
            #expect(try fixture.retention(["hold", "add", "--tenant", tenant, "--reason", "audit", "--policy", policy]).status == 0)
        }
        try CitusCluster.run(survivingEvents, in: fixture.database)
        let expectedDeleted = try fixture.database.count("SELECT (SELECT count(*) FROM events) - (SELECT count(*) FROM expected_events)")
        let deletedPerTenant = Dictionary(uniqueKeysWithValues: try fixture.database.connect().execute("""
            SELECT organization_id::text, count(*) FROM events e
            WHERE (created_at < timestamptz '2024-12-01' OR organization_id % 10 = 0) AND organization_id NOT IN (5, 20)
              AND NOT EXISTS (SELECT 1 FROM event_notes n WHERE n.organization_id = e.organization_id AND n.event_id = e.id)
            GROUP BY 1
            """).rows.map { (try $0.text(0), try $0.int64(1)) })
        #expect(expectedDeleted > 10_000)

        let validate = try fixture.retention(["validate", "--policy", policy])
        #expect(validate.status == 0, "\(validate.stderr)")
        // Validate names the walk the run takes (and reports), by the statistics as they are.
        let oldEventsPath = analyzed ? "windows of \"created_at\" on each of the 32 shards at once" : "pages of each of the 32 shards at once"
        #expect(validate.stdout.contains("rule \"old-events\": public.events is a Citus distributed table (by \"organization_id\", 32 shards); batches by \(oldEventsPath)"), "\(validate.stdout)")
        #expect(validate.stdout.contains("rule \"tenants\": public.organizations is a Citus reference table; batches by ranges of \"id\""), "\(validate.stdout)")

        let before = try CitusTests.keys(fixture.database, "events")
        let dry = try fixture.retention(["run", "--dry-run", "--as-of", asOf])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(try CitusTests.keys(fixture.database, "events") == before)
        // Alone (before any other rule removes a row), each rule would act on its own due rows.
        let wouldDelete = try fixture.database.count("""
            SELECT count(*) FROM events e WHERE created_at < timestamptz '2024-12-01' AND organization_id NOT IN (5, 20)
            AND NOT EXISTS (SELECT 1 FROM event_notes n WHERE n.organization_id = e.organization_id AND n.event_id = e.id)
            """)
        let wouldHold = try fixture.database.count("SELECT count(*) FROM events WHERE created_at < timestamptz '2024-12-01' AND organization_id IN (5, 20)")
        let dryRule = try fixture.ruleReport("old-events")
        #expect(dryRule.int("matched") - dryRule.int("heldBack") - dryRule.int("blocked") == wouldDelete, "\(dryRule)")
        #expect(dryRule.int("heldBack") == wouldHold)

        let run = try fixture.retention(["run", "--as-of", asOf])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try CitusTests.keys(fixture.database, "events") == CitusTests.keys(fixture.database, "expected_events"))
        #expect(try CitusTests.rowsPerShard(fixture.database, "events") == CitusTests.expectedPerShard(fixture.database, "expected_events", of: "events"))
        #expect(try CitusTests.keys(fixture.database, "organizations", "id") == CitusTests.keys(fixture.database, "expected_tenants", "id"))
        let oldEvents = try fixture.ruleReport("old-events")
        let terminated = try fixture.ruleReport("terminated")
        #expect(oldEvents.int("affected") + terminated.int("affected") == expectedDeleted)
        #expect((oldEvents["batchPath"] as? String)?.hasPrefix(oldEventsPath) == true, "\(oldEvents)")
        // Per tenant too, as counted on the shards in each batch's snapshot: the two rules together deleted each tenant's rows.
        var reportedPerTenant: [String: Int64] = [:]
        for rule in [oldEvents, terminated] {
            for tenant in rule["tenants"] as? [[String: Any]] ?? [] {
                reportedPerTenant[tenant["tenant"] as? String ?? "?", default: 0] += tenant.int("affected")
            }
        }
        #expect(reportedPerTenant.filter { $0.value > 0 } == deletedPerTenant)
        #expect(try fixture.ruleReport("tenants").int("affected") == 20 - 1 - fixture.database.count(
            "SELECT count(DISTINCT organization_id) FROM expected_events WHERE organization_id % 10 = 0 AND organization_id <> 20"))
        // The work was cut into many short batches (the benchmark measures how short on a quiet machine).
        #expect(oldEvents.int("batches") > 1)
        for rule in [oldEvents, terminated] {
            #expect(((rule["longestBatchMs"] as? NSNumber)?.doubleValue ?? 1e9) < 1000)
        }
    }

    @Test("a termination rule while no tenant is terminated: ok with nothing changed and no batch (Citus fails on a TID range beside a constant false)")
    func nothingTerminated() throws {
        let fixture = try CitusTests.fixture("citus_none_terminated", rows: 2_000)
        defer { fixture.drop() }
        try fixture.database.connect().execute("UPDATE organizations SET terminated_at = NULL")
        try fixture.writePolicy(saasPolicy)
        let before = try CitusTests.keys(fixture.database, "events")
        let run = try fixture.retention(["run", "--as-of", asOf, "--rule", "terminated"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let rule = try fixture.ruleReport("terminated")
        #expect(rule["status"] as? String == "ok", "\(rule)")
        #expect(rule.int("affected") == 0 && rule.int("batches") == 0, "\(rule)")
        #expect(try CitusTests.keys(fixture.database, "events") == before)
    }

    @Test("grants: the least-privilege role it prints (propagated to the workers by Citus) runs the policy exactly as plain SQL says, on every shard, and may not change what the policy does not")
    func leastPrivilege() throws {
        let fixture = try CitusTests.fixture("citus_grants", rows: 4_000)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy(saasPolicy)
        for tenant in ["5", "20"] {
            #expect(try fixture.retention(["hold", "add", "--tenant", tenant, "--reason", "audit", "--policy", policy]).status == 0)
        }
        let grants = try fixture.retention(["grants", "--policy", policy, "--role", "retention_citus"])
        #expect(grants.status == 0, "\(grants.stderr)")
        // One statement per line for CitusCluster.run: the grants end some lines with a comment.
        let script = grants.stdout.split(separator: "\n").map { line in line.range(of: "; --").map { String(line[..<$0.lowerBound]) + ";" } ?? String(line) }
        try CitusCluster.run(script.joined(separator: "\n"), in: fixture.database)
        try CitusCluster.run(survivingEvents, in: fixture.database)

        let roleURL = "postgresql://retention_citus@127.0.0.1:\(fixture.database.port)/\(fixture.database.name)"
        let run = try CommandRunner.run(["run", "--policy", policy, "--database-url", roleURL, "--state-dir", fixture.stateDirectory, "--as-of", asOf])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(try CitusTests.keys(fixture.database, "events") == CitusTests.keys(fixture.database, "expected_events"))
        #expect(try CitusTests.rowsPerShard(fixture.database, "events") == CitusTests.expectedPerShard(fixture.database, "expected_events", of: "events"))
        #expect(try CitusTests.keys(fixture.database, "organizations", "id") == CitusTests.keys(fixture.database, "expected_tenants", "id"))

        let asRole = try Connection(conninfo: roleURL)
        for statement in ["UPDATE events SET email = 'x'", "UPDATE organizations SET name = 'x'", "DELETE FROM retention.legal_holds", "DROP TABLE events"] {
            do {
                try asRole.execute(statement)
                Issue.record("the role could run: \(statement)")
            } catch let error as PostgresError {
                #expect(error.sqlState == .insufficientPrivilege, "\(statement): \(error)")
            }
        }
    }

    @Test("coverage samples a distributed table through the coordinator: its unnamed e-mail and phone columns are found by their values, the policy's columns are not")
    func coverage() throws {
        let fixture = try CitusTests.fixture("citus_coverage", rows: 1_000)
        defer { fixture.drop() }
        try CitusCluster.run("""
            CREATE TABLE contacts (organization_id bigint NOT NULL, id bigint NOT NULL, reachable_at text, dial text, PRIMARY KEY (organization_id, id));
            SELECT create_distributed_table('contacts', 'organization_id');
            INSERT INTO contacts SELECT 1 + g % 200, g, 'c' || g || '@example.com', '+46 70 ' || lpad(g::text, 7, '0') FROM generate_series(1, 500) g;
            """, in: fixture.database)
        let policy = try fixture.writePolicy(saasPolicy)
        let coverage = try fixture.retention(["coverage", "--policy", policy])
        #expect(coverage.status == 0, "\(coverage.stderr)")
        #expect(coverage.stdout.contains("public.contacts.reachable_at: sample e-mail"), "\(coverage.stdout)")
        #expect(coverage.stdout.contains("public.contacts.dial: sample phone"), "\(coverage.stdout)")
        #expect(!coverage.stdout.contains("public.events."), "\(coverage.stdout)")
    }

    @Test("pseudonymise a distributed table: equal to an independent HMAC on every row due, others untouched; the workers log their statements but never the key or its pads")
    func pseudonymise() throws {
        let cluster = try CitusTests.cluster()
        let fixture = try CitusTests.fixture("citus_pseudo")
        defer { fixture.drop() }
        let key: [UInt8] = Array("citus-test-pseudonym-key-0123456789".utf8)
        let keyHex = key.map { String(format: "%02x", $0) }.joined()
        let block = key + [UInt8](repeating: 0, count: 64 - key.count)
        let pads = [0x36, 0x5c].map { pad in block.map { String(format: "%02x", $0 ^ UInt8(pad)) }.joined() }
        let keyPath = fixture.directory + "/key"
        try Data(key).write(to: URL(fileURLWithPath: keyPath))
        let policy = try fixture.writePolicy("""
            {"policy": "pseudo", "rules": [{"name": "pseudo", "table": "events", "tenantColumn": "organization_id",
              "due": {"from": "created_at", "after": "1 year"}, "action": "pseudonymise",
              "pseudonymise": {"columns": {"email": "hmac"}, "marker": "pseudonymised_at"}}]}
            """)
        #expect(try fixture.retention(["hold", "add", "--tenant", "7", "--reason", "audit", "--policy", policy]).status == 0)
        try CitusCluster.run("""
            CREATE EXTENSION IF NOT EXISTS pgcrypto;
            CREATE TABLE expected AS SELECT organization_id, id,
              CASE WHEN created_at < timestamptz '2025-12-01' AND organization_id <> 7
                   THEN encode(hmac(convert_to(email, 'UTF8'), '\\x\(keyHex)'::bytea, 'sha256'), 'hex') ELSE email END AS email
            FROM events;
            """, in: fixture.database)
        for port in cluster.workerPorts {
            try Connection(conninfo: "postgresql://postgres@127.0.0.1:\(port)/postgres")
                .execute("ALTER DATABASE \(Identifier.quote(fixture.database.name)) SET log_statement = 'all'")
        }
        let run = try fixture.retention(["run", "--as-of", asOf, "--pseudonym-key-file", keyPath])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try CitusTests.keys(fixture.database, "events", "organization_id, id, email") == CitusTests.keys(fixture.database, "expected", "organization_id, id, email"))
        #expect(try fixture.ruleReport("pseudo").int("affected") == fixture.database.count(
            "SELECT count(*) FROM events WHERE created_at < timestamptz '2025-12-01' AND organization_id <> 7"))
        #expect((try fixture.ruleReport("pseudo")["batchPath"] as? String)?.contains("windows of \"created_at\"") == true)
        let logs = (0..<cluster.workerPorts.count).map(cluster.workerLog).joined()
        #expect(logs.contains("UPDATE ONLY public.events_"), "the workers logged no statement of the run")
        for secret in [keyHex] + pads {
            #expect(!logs.contains(secret))
        }
    }

    @Test("SIGKILL mid-run leaves whole batches on every shard; the next run, on four connections, finishes exactly")
    func killAndResume() throws {
        let fixture = try CitusTests.fixture("citus_kill", rows: 120_000)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy(saasPolicy)
        try CitusCluster.run("""
            CREATE TABLE expected_events AS SELECT organization_id, id FROM events e
            WHERE NOT ((created_at < timestamptz '2024-12-01' OR organization_id % 10 = 0)
                       AND NOT EXISTS (SELECT 1 FROM event_notes n WHERE n.organization_id = e.organization_id AND n.event_id = e.id));
            """, in: fixture.database)
        let due = try fixture.database.count("SELECT (SELECT count(*) FROM events) - (SELECT count(*) FROM expected_events)")
        let running = try fixture.start(["run", "--policy", policy, "--as-of", asOf, "--pause", "40"])
        var deleted: Int64 = 0
        var polls = 0
        while deleted < 2_000, polls < 100 {
            Thread.sleep(forTimeInterval: 0.1)
            deleted = try fixture.database.count("SELECT coalesce(sum(affected), 0)::bigint FROM retention.batch_results")
            polls += 1
        }
        running.signal(SIGKILL)
        _ = running.wait()
        // The killed run's sessions end, and a batch caught between its workers' PREPARE and
        // COMMIT PREPARED is settled as the coordinator's own commit decided, as Citus does.
        let coordinator = try fixture.database.connect()
        polls = 0
        while polls < 100, try coordinator.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'retention%'").int64() > 0 {
            Thread.sleep(forTimeInterval: 0.1)
            polls += 1
        }
        try coordinator.execute("SELECT recover_prepared_transactions()")
        let left = try fixture.database.count("SELECT count(*) FROM events") - fixture.database.count("SELECT count(*) FROM expected_events")
        #expect(left > 0 && left < due, "the kill came too early or too late: \(left) of \(due) due rows left")
        #expect(try fixture.database.count("SELECT coalesce(sum(affected), 0)::bigint FROM retention.batch_results") == due - left)
        // On four connections: each rule still has at most two batches in flight, and the result is exact.
        let resumed = try fixture.retention(["run", "--as-of", asOf, "--concurrency", "4"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try CitusTests.keys(fixture.database, "events") == CitusTests.keys(fixture.database, "expected_events"))
        #expect(try CitusTests.rowsPerShard(fixture.database, "events") == CitusTests.expectedPerShard(fixture.database, "expected_events", of: "events"))
    }

    @Test("EXPLAIN of a batch: one multi-shard statement with a task per shard, its TID range and rule checked on each shard, nothing pulled to the coordinator; the count per tenant before it is pushed down too")
    func batchIsPushedDown() throws {
        let fixture = try CitusTests.fixture("citus_explain", rows: 2_000)
        defer { fixture.drop() }
        let connection = try fixture.database.connect()
        let policy = try PolicyParser.parse(saasPolicy)
        let schema = try Schema.load(for: policy, connection: connection)
        let bounds = RuleBounds(cutoff: "2024-12-01T00:00:00Z", anchorCutoff: "2024-12-01T00:00:00Z", terminatedTenants: ["10", "20"], onlyTenant: nil)
        let holds = PriorReads(holds: HoldsInForce(holds: [HoldsInForce.Hold(tenant: "5", rule: nil)]))
        let oldEvents = try #require(policy.rules.first { $0.name == "old-events" })
        var withoutTenant = oldEvents
        withoutTenant.tenantColumn = nil
        let terminated = try #require(policy.rules.first { $0.name == "terminated" })
        // Rule, the tasks it must have (a termination's are the terminated tenants' shards only).
        for (rule, tasks) in [(oldEvents, "32"), (withoutTenant, "32"), (terminated, "2")] {
            let table = try #require(schema.table(of: rule))
            let plan = RulePlan(rule: rule, table: table, schema: schema, coveredTables: schema.tablesEmptied(by: policy.rules))
            #expect(try BatchPath.placement(rule: plan.rule, table: plan.table).get() == .shardPages(shards: 32))
            let statement = BatchStatement.make(plan, slice: BatchSlice(relation: table.identifier, span: .pages(first: 0, end: 10)),
                                                bounds: bounds, runID: UUID().uuidString, mode: .range, prior: plan.readsHoldsFirst ? holds : nil)
            let text = try connection.execute("EXPLAIN " + statement.sql, statement.parameters).rows.map { try $0.text(0) }.joined(separator: "\n")
            // The delete runs on the shards, each over its own pages and with the whole rule.
            let deleteStart = try #require(text.range(of: "->  Delete on events_"), "\(text)")
            let shardPart = String(text[deleteStart.lowerBound..<(text.range(of: "Distributed Subplan", range: deleteStart.upperBound..<text.endIndex)?.lowerBound ?? text.endIndex)])
            #expect(text.hasPrefix("Custom Scan (Citus Adaptive)"), "\(text)")
            #expect(text.contains("Task Count: \(tasks)\n"), "\(text)")
            #expect(shardPart.contains("(ctid >= '(0,0)'::tid) AND (ctid < '(10,0)'::tid)"), "\(text)")
            #expect(shardPart.contains("event_notes_"), "the foreign key is checked on the shard: \(text)")
            #expect(shardPart.contains("Function Scan on unnest h") == (rule.tenantColumn != nil), "the holds are an array on the shard: \(text)")
            // One statement, planned in one step: nothing comes back to the coordinator to be filtered there.
            #expect(!text.contains("Distributed Subplan") && !text.contains("read_intermediate_result"), "\(text)")
            // A rule with a tenant column counts the same rows per tenant first, on the shards too.
            if case let .countedFirst(countSQL) = statement.reply {
                let count = try connection.execute("EXPLAIN " + countSQL, statement.parameters).rows.map { try $0.text(0) }.joined(separator: "\n")
                #expect(count.contains("Task Count: \(tasks)\n") && !count.contains("Distributed Subplan"), "\(count)")
                #expect(count.contains("Aggregate"), "the count is grouped on the shards: \(count)")
            } else {
                #expect(rule.tenantColumn == nil)
            }
        }
    }

    @Test("what the engine cannot slice on Citus is refused in validate (exit 2, one line each); so is run --batch-size, before anything changes")
    func refusals() throws {
        let fixture = try CitusTests.fixture("citus_refuse", rows: 1_000)
        defer { fixture.drop() }
        try CitusCluster.run("""
            CREATE TABLE countries (code text PRIMARY KEY, name text, retired_at timestamptz);
            SELECT create_reference_table('countries');
            CREATE TABLE visits (organization_id bigint NOT NULL, seen_at timestamptz NOT NULL, PRIMARY KEY (organization_id, seen_at))
              PARTITION BY RANGE (seen_at);
            CREATE TABLE visits_2024 PARTITION OF visits FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
            SELECT create_distributed_table('visits', 'organization_id');
            """, in: fixture.database)
        let refused = try fixture.writePolicy("""
            {"policy": "refused", "rules": [
              {"name": "countries", "table": "countries", "due": {"from": "retired_at", "after": "1 year"}, "action": "delete"},
              {"name": "visits", "table": "visits", "tenantColumn": "organization_id", "due": {"from": "seen_at", "after": "1 year"}, "action": "delete"}]}
            """, name: "refused.json")
        let validate = try fixture.retention(["validate", "--policy", refused])
        #expect(validate.status == 2)
        #expect(validate.stderr.contains("rule \"countries\", key \"table\": public.countries (Citus reference table) cannot be sliced by pages"), "\(validate.stderr)")
        #expect(validate.stderr.contains("rule \"visits\", key \"table\": public.visits is a partitioned Citus table"), "\(validate.stderr)")

        let policy = try fixture.writePolicy(saasPolicy)
        let before = try CitusTests.keys(fixture.database, "events")
        let run = try fixture.retention(["run", "--policy", policy, "--as-of", asOf, "--batch-size", "100"])
        #expect(run.status == 2)
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains("--batch-size locks a batch's rows first through a ctid subquery, which Citus refuses on public."), "\(run.stderr)")
        #expect(try CitusTests.keys(fixture.database, "events") == before)
        #expect(try fixture.database.count("SELECT count(*) FROM retention.runs") == 0)
    }

    @Test("aggregate a distributed table into a reference roll-up or one distributed by the tenant column: totals equal plain SQL, each row counted once",
          arguments: ["SELECT create_reference_table('daily')", "SELECT create_distributed_table('daily', 'organization_id', colocate_with => 'events')"])
    func aggregate(distribute: String) throws {
        let fixture = try CitusTests.fixture("citus_aggregate", rows: 20_000)
        defer { fixture.drop() }
        try CitusCluster.run("""
            CREATE TABLE daily (day date NOT NULL, organization_id bigint NOT NULL, events bigint NOT NULL, PRIMARY KEY (organization_id, day));
            \(distribute);
            CREATE TABLE expected AS SELECT date_trunc('day', created_at)::date AS day, organization_id, count(*) AS events FROM events e
              WHERE created_at < timestamptz '2024-12-01'
                AND NOT EXISTS (SELECT 1 FROM event_notes n WHERE n.organization_id = e.organization_id AND n.event_id = e.id)
              GROUP BY 1, 2;
            CREATE TABLE expected_left AS SELECT organization_id, id FROM events e WHERE NOT (created_at < timestamptz '2024-12-01'
                AND NOT EXISTS (SELECT 1 FROM event_notes n WHERE n.organization_id = e.organization_id AND n.event_id = e.id));
            """, in: fixture.database)
        try fixture.writePolicy("""
            {"policy": "agg", "rules": [
              {"name": "notes", "table": "event_notes", "tenantColumn": "organization_id", "due": {"from": "created_at", "after": "1 year"}, "action": "delete"},
              {"name": "roll", "table": "events", "tenantColumn": "organization_id", "due": {"from": "created_at", "after": "2 years"}, "action": "aggregate",
               "aggregate": {"into": "daily", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["organization_id"], "count": "events"}}]}
            """)
        let run = try fixture.retention(["run", "--as-of", asOf])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try CitusTests.keys(fixture.database, "daily", "day, organization_id, events") == CitusTests.keys(fixture.database, "expected", "day, organization_id, events"))
        #expect(try CitusTests.keys(fixture.database, "events") == CitusTests.keys(fixture.database, "expected_left"))
    }
}
