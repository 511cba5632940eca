import Foundation
import Postgres
import Testing
import TestSupport

/// The same slow table as the interruption tests: 120,000 events, 60,000 due at `asOf`.
private let eventsTable = """
    SET TimeZone = 'UTC';
    CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, body text);
    INSERT INTO events SELECT g, timestamptz '2024-01-01' + g * interval '1 minute', md5(g::text) FROM generate_series(1, 120000) g;
    """
private let asOf = "2024-02-11T16:00:30Z"
private let cutoff = "timestamptz '2024-02-11 16:00:30+00'"
private let eventsPolicy = #"{"policy": "slow", "rules": [{"name": "events", "table": "events", "due": {"after": "0 days", "from": "created_at"}, "action": "delete"}]}"#
private let slowOptions = ["--as-of", asOf, "--batch-size", "400", "--pause", "25", "--concurrency", "2"]

/// 40 tenants, each with 1,000 rows; tenants 1-10 terminated long ago, so their rows are erased
/// (and recorded in the erasure ledger first).
private let tenantTables = """
    SET TimeZone = 'UTC';
    CREATE TABLE orgs (id int PRIMARY KEY, terminated_at timestamptz);
    INSERT INTO orgs SELECT g, CASE WHEN g <= 10 THEN timestamptz '2020-01-01' END FROM generate_series(1, 40) g;
    CREATE TABLE notes (id bigint PRIMARY KEY, org_id int NOT NULL REFERENCES orgs, body text);
    INSERT INTO notes SELECT g, 1 + g % 40, md5(g::text) FROM generate_series(1, 40000) g;
    """
private let tenantPolicy = #"""
    {"policy": "tenants", "tenants": {"table": "orgs", "key": "id", "terminatedAt": "terminated_at"},
     "rules": [{"name": "notes", "table": "notes", "tenantColumn": "org_id", "due": {"after": "30 days", "from": "tenant.terminatedAt"}, "action": "delete"}]}
    """#

@Suite("Hardening: the run lock, the state directory, application locks, first batches", .serialized)
struct RunHardeningTests {
    private static let lockKey = "hashtextextended('retention run ' || 'slow', 0)"

    @Test("the run lock's session is terminated: the run takes the lock again on a new session and ends ok, exact, with its report")
    func lockSessionTerminatedAndRetaken() throws {
        let fixture = try EngineFixture.make("lockretake", schemaSQL: eventsTable)
        defer { fixture.drop() }
        try fixture.writePolicy(eventsPolicy)
        let expected = try fixture.database.checksum("(SELECT * FROM events WHERE created_at >= \(cutoff))", orderBy: "id")
        let running = try fixture.start(["run"] + slowOptions)
        Thread.sleep(forTimeInterval: 1.0)
        let admin = try fixture.database.connect()
        let terminated = try admin.execute("SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE application_name = 'retention' AND datname = current_database()").int64()
        #expect(terminated == 1)
        let result = running.wait()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try fixture.database.checksum("events", orderBy: "id") == expected)
        #expect(try fixture.ruleReport("events").int("affected") == 60000)
        #expect(try fixture.database.count("SELECT count(*) FROM retention.runs WHERE status = 'ok'") == 1)
    }

    @Test("the run lock's session is terminated and another session takes the lock: no batch starts after that; interrupted, with a report saying why")
    func lockTakenByAnother() throws {
        let fixture = try EngineFixture.make("locklost", schemaSQL: eventsTable)
        defer { fixture.drop() }
        try fixture.writePolicy(eventsPolicy)
        let running = try fixture.start(["run"] + slowOptions)
        Thread.sleep(forTimeInterval: 1.0)
        // Terminate the lock's session and take the lock at once, as a second run would.
        let rival = try fixture.database.connect()
        #expect(try rival.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'retention' AND datname = current_database()").int64() == 1)
        var taken = false
        for _ in 0..<2000 where !taken {
            taken = try rival.execute("SELECT pg_try_advisory_lock(\(RunHardeningTests.lockKey))").requiredScalar() == "t"
        }
        #expect(taken)
        let dueWhenTaken = try fixture.database.count("SELECT count(*) FROM events WHERE created_at < \(cutoff)")
        let result = running.wait()
        #expect(result.status == 1, "\(result.stderr)")
        // At most the batches already under way (2 workers, 400 rows each) committed after the lock was gone.
        let dueAtEnd = try fixture.database.count("SELECT count(*) FROM events WHERE created_at < \(cutoff)")
        #expect(dueWhenTaken - dueAtEnd <= 800, "\(dueWhenTaken - dueAtEnd) rows deleted after another session took the lock")
        let report = try fixture.latestReport()
        #expect(report["status"] as? String == "interrupted")
        #expect((report["stopReason"] as? String ?? "").contains("run lock was lost"), "\(report["stopReason"] ?? "-")")
        #expect(try fixture.ruleReport("events").int("affected") == 60000 - dueAtEnd)
    }

    @Test("an application's 4-second ACCESS EXCLUSIVE lock delays the rule instead of failing it; the wait is reported")
    func tableLockIsWaitedOut() throws {
        let fixture = try EngineFixture.make("tablelock", schemaSQL: eventsTable)
        defer { fixture.drop() }
        try fixture.writePolicy(eventsPolicy)
        let expected = try fixture.database.checksum("(SELECT * FROM events WHERE created_at >= \(cutoff))", orderBy: "id")
        let app = try fixture.database.connect()
        try app.execute("BEGIN")
        try app.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
        let running = try fixture.start(["run", "--as-of", asOf])
        Thread.sleep(forTimeInterval: 4)
        try app.execute("ROLLBACK")
        let result = running.wait()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try fixture.database.checksum("events", orderBy: "id") == expected)
        let rule = try fixture.ruleReport("events")
        #expect(rule.int("affected") == 60000)
        #expect(rule.int("lockWaitMs") >= 2000, "lockWaitMs \(rule.int("lockWaitMs"))")
    }

    @Test("the first batch of a rule is small: it grows to the target from a few pages")
    func firstBatchIsSmall() throws {
        let fixture = try EngineFixture.make("firstbatch", schemaSQL: eventsTable)
        defer { fixture.drop() }
        try fixture.writePolicy(eventsPolicy)
        let perPage = try fixture.database.count("SELECT max(n) FROM (SELECT count(*) AS n FROM events GROUP BY (ctid::text::point)[0]) p")
        #expect(try fixture.retention(["run", "--as-of", asOf, "--concurrency", "1"]).status == 0)
        let batches = try fixture.database.connect().execute("SELECT affected FROM retention.batch_results ORDER BY recorded_at").rows.map { try $0.int64(0) }
        #expect(batches.reduce(0, +) == 60000)
        #expect(batches[0] <= 8 * perPage, "first batch \(batches[0]) rows, \(perPage) rows a page")
        #expect(batches.max()! > batches[0], "the batches never grew")
    }

    @Test("the state directory removed during a run: erasing stops, the run fails; the next run and replay refuse with exit 2")
    func stateDirectoryRemoved() throws {
        let fixture = try EngineFixture.make("statelost", schemaSQL: tenantTables)
        defer { fixture.drop() }
        try fixture.writePolicy(tenantPolicy)
        // A first, empty run starts the report chain.
        #expect(try fixture.retention(["run", "--as-of", "2020-01-02T00:00:00Z"]).status == 0)
        let due = try fixture.database.count("SELECT count(*) FROM notes WHERE org_id <= 10")
        let running = try fixture.start(["run", "--as-of", "2024-01-01T00:00:00Z", "--batch-size", "100", "--pause", "30", "--concurrency", "1"])
        Thread.sleep(forTimeInterval: 1.0)
        // Gone from its path in one step (a removal file by file races with the run's own writes).
        try FileManager.default.moveItem(atPath: fixture.stateDirectory, toPath: fixture.directory + "/state-removed")
        try? FileManager.default.removeItem(atPath: fixture.directory + "/state-removed")
        let result = running.wait()
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        let left = try fixture.database.count("SELECT count(*) FROM notes WHERE org_id <= 10")
        #expect(left > 0 && left < due, "\(left) of \(due) due rows left")
        #expect(try fixture.database.count("SELECT count(*) FROM notes WHERE org_id > 10") == 30000)
        let report = try fixture.latestReport()
        #expect(report["status"] as? String == "failed")
        #expect(report["previousReportSha256"] as? String != nil, "the report names the vanished predecessor")

        let next = try fixture.retention(["run", "--as-of", "2024-01-01T00:00:00Z"])
        #expect(next.status == 2, "\(next.stderr)")
        #expect(next.stderr.contains("erasure ledger"), "\(next.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM notes WHERE org_id <= 10") == left)

        let replay = try fixture.retention(["replay", "--since", "2024-01-01T00:00:00Z", "--policy", fixture.directory + "/policy.json",
                                            "--state-dir", fixture.directory + "/nowhere"])
        #expect(replay.status == 2, "\(replay.stderr)")
        #expect(replay.stderr.contains("no erasure ledger"), "\(replay.stderr)")
    }

    @Test("another policy's run compacts the shared erasure ledger while a run erases: the run goes on, its entries are kept")
    func ledgerCompactedByAnotherRun() throws {
        let fixture = try EngineFixture.make("sharedledger", schemaSQL: tenantTables + """
            CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL);
            INSERT INTO events SELECT g, timestamptz '2020-01-01' + g * interval '1 hour' FROM generate_series(1, 1000) g;
            """)
        defer { fixture.drop() }
        let tenants = try fixture.writePolicy(tenantPolicy)
        let other = try fixture.writePolicy(#"{"policy": "other", "rules": [{"name": "events", "table": "events", "due": {"after": "30 days", "from": "created_at"}, "action": "delete"}]}"#,
                                            name: "other.json")
        #expect(try fixture.retention(["run", "--policy", tenants, "--as-of", "2020-01-02T00:00:00Z"]).status == 0)
        // An entry from long ago, which the other run's compaction removes (rewriting the file).
        let ledger = fixture.stateDirectory + "/erasures.jsonl"
        let old = #"{"tenant":"0","rule":"gone","table":"t","anchor":"tenant.terminatedAt","terminatedAt":null,"cutoff":"2000-01-01T00:00:00Z","asOf":"2000-01-01T00:00:00Z","runId":"00000000-0000-0000-0000-000000000000","recordedAt":"2000-01-01T00:00:00.000000Z"}"#
        try (old + "\n").write(toFile: ledger, atomically: false, encoding: .utf8)
        let due = try fixture.database.count("SELECT count(*) FROM notes WHERE org_id <= 10")
        let running = try fixture.start(["run", "--policy", tenants, "--as-of", "2024-01-01T00:00:00Z", "--batch-size", "200", "--pause", "20", "--concurrency", "1"])
        Thread.sleep(forTimeInterval: 0.8)
        #expect(try fixture.retention(["run", "--policy", other, "--as-of", "2024-01-01T00:00:00Z"]).status == 0)
        #expect(!(try String(contentsOfFile: ledger, encoding: .utf8)).contains("\"rule\":\"gone\""), "the other run did not compact")
        let result = running.wait()
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM notes WHERE org_id <= 10") == 0)
        #expect(try fixture.ruleReport("notes").int("affected") == due)
        #expect(try String(contentsOfFile: ledger, encoding: .utf8).contains("\"rule\":\"notes\""))
    }

    @Test("--report writes a copy byte-identical to the chained report in the state directory")
    func reportCopyIsTheChainedReport() throws {
        let fixture = try EngineFixture.make("reportcopy", schemaSQL: tenantTables)
        defer { fixture.drop() }
        try fixture.writePolicy(tenantPolicy)
        let copy = fixture.directory + "/copy.json"
        let run = try fixture.retention(["run", "--report", copy])
        #expect(run.status == 0, "\(run.stderr)")
        let reports = fixture.stateDirectory + "/reports"
        let chained = try FileManager.default.contentsOfDirectory(atPath: reports).filter { $0.hasSuffix(".json") }.sorted().last ?? ""
        #expect(FileManager.default.contents(atPath: copy) == FileManager.default.contents(atPath: reports + "/" + chained))
        #expect(try fixture.database.count("SELECT count(*) FROM notes WHERE org_id <= 10") == 0)
    }
}
