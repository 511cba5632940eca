import Foundation
import Postgres
import Testing
import TestSupport

/// A run on a table large enough to take a few seconds when slowed by small batches and pauses.
private let slowTable = """
    SET TimeZone = 'UTC';
    CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, body text);
    INSERT INTO events SELECT g, timestamptz '2024-01-01' + g * interval '1 minute', md5(g::text) FROM generate_series(1, 120000) g;
    CREATE INDEX ON events (created_at);
    -- With statistics, the planner and the engine see that the heap follows created_at: the engine
    -- then walks the anchor's index in windows instead of heap pages.
    ANALYZE events;
    """
/// Rows 1...60000 are due at this asOf with "0 days".
private let slowAsOf = "2024-02-11T16:00:30Z"
private let slowCutoff = "timestamptz '2024-02-11 16:00:30+00'"
private let slowPolicy = #"{"policy": "slow", "rules": [{"name": "events", "table": "events", "due": {"after": "0 days", "from": "created_at"}, "action": "delete"}]}"#
private let slowOptions = ["--as-of", slowAsOf, "--batch-size", "400", "--pause", "25", "--concurrency", "2"]

@Suite("Interruptions: kill, signals, lost connections, the run lock, concurrent writes", .serialized)
struct InterruptionTests {
    @Test("SIGKILL mid-run leaves whole batches, exactly recorded; the next run finishes the work exactly")
    func killAndResume() throws {
        let fixture = try EngineFixture.make("kill", schemaSQL: slowTable)
        defer { fixture.drop() }
        try fixture.writePolicy(slowPolicy)
        let expected = try fixture.database.checksum("(SELECT * FROM events WHERE created_at >= \(slowCutoff))", orderBy: "id")
        let running = try fixture.start(["run"] + slowOptions)
        Thread.sleep(forTimeInterval: 1.2)
        running.signal(SIGKILL)
        _ = running.wait()
        let remaining = try fixture.database.count("SELECT count(*) FROM events WHERE created_at < \(slowCutoff)")
        #expect(remaining > 0 && remaining < 60000, "the kill came too early or too late: \(remaining) due rows left")
        // Every batch that committed recorded its count in the same transaction.
        #expect(try fixture.database.count("SELECT coalesce(sum(affected), 0)::bigint FROM retention.batch_results") == 60000 - remaining)
        #expect(try fixture.database.count("SELECT count(*) FROM retention.runs WHERE status = 'running'") == 1)
        let resumed = try fixture.retention(["run", "--as-of", slowAsOf])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try fixture.database.checksum("events", orderBy: "id") == expected)
        #expect(try fixture.ruleReport("events").int("affected") == remaining)
        #expect(try fixture.database.count("SELECT count(*) FROM retention.runs WHERE status = 'interrupted'") == 1)
    }

    @Test("a second run while one runs exits 75 and changes nothing")
    func secondRunLocked() throws {
        let fixture = try EngineFixture.make("lock", schemaSQL: slowTable)
        defer { fixture.drop() }
        try fixture.writePolicy(slowPolicy)
        let first = try fixture.start(["run"] + slowOptions)
        Thread.sleep(forTimeInterval: 0.8)
        let second = try fixture.retention(["run", "--as-of", slowAsOf])
        #expect(second.status == 75)
        #expect(second.stderr.contains("holds the lock"))
        first.signal(SIGTERM)
        _ = first.wait()
    }

    @Test("SIGTERM finishes the current batch, writes an interrupted report and exits 1")
    func sigterm() throws {
        let fixture = try EngineFixture.make("term", schemaSQL: slowTable)
        defer { fixture.drop() }
        try fixture.writePolicy(slowPolicy)
        let running = try fixture.start(["run"] + slowOptions)
        Thread.sleep(forTimeInterval: 1.0)
        running.signal(SIGTERM)
        let result = running.wait()
        #expect(result.status == 1, "\(result.stderr)")
        let report = try fixture.latestReport()
        #expect(report["status"] as? String == "interrupted")
        let rule = try fixture.ruleReport("events")
        #expect(rule["status"] as? String == "interrupted")
        let deleted = 60000 - (try fixture.database.count("SELECT count(*) FROM events WHERE created_at < \(slowCutoff)"))
        #expect(rule.int("affected") == deleted)
        #expect(try fixture.database.count("SELECT count(*) FROM retention.runs WHERE status = 'interrupted'") == 1)
    }

    @Test("--max-runtime stops starting batches, reports interrupted and exits 1")
    func maxRuntime() throws {
        let fixture = try EngineFixture.make("maxrt", schemaSQL: slowTable)
        defer { fixture.drop() }
        try fixture.writePolicy(slowPolicy)
        let result = try fixture.retention(["run", "--max-runtime", "1s"] + slowOptions)
        #expect(result.status == 1)
        #expect(try fixture.latestReport()["status"] as? String == "interrupted")
        #expect(try fixture.database.count("SELECT count(*) FROM events WHERE created_at < \(slowCutoff)") > 0)
    }

    @Test("terminated worker backends are reconnected and the run still ends exact")
    func terminatedBackends() throws {
        let fixture = try EngineFixture.make("terminate", schemaSQL: slowTable)
        defer { fixture.drop() }
        try fixture.writePolicy(slowPolicy)
        let expected = try fixture.database.checksum("(SELECT * FROM events WHERE created_at >= \(slowCutoff))", orderBy: "id")
        let running = try fixture.start(["run"] + slowOptions)
        let admin = try fixture.database.connect()
        var terminated: Int64 = 0
        for _ in 0..<4 {
            Thread.sleep(forTimeInterval: 0.4)
            terminated += try admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'retention worker' AND datname = current_database()").int64()
        }
        let result = running.wait()
        #expect(terminated > 0)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try fixture.database.checksum("events", orderBy: "id") == expected)
        #expect(try fixture.ruleReport("events").int("affected") == 60000)
    }

    @Test("application inserts and updates during a run are never lost")
    func concurrentWrites() throws {
        let fixture = try EngineFixture.make("writes", schemaSQL: slowTable)
        defer { fixture.drop() }
        try fixture.writePolicy(slowPolicy)
        let running = try fixture.start(["run"] + slowOptions)
        let app = try fixture.database.connect()
        // While the run goes: new young rows, due rows made young again (an "undelete"), and young rows touched.
        for step in 0..<10 {
            Thread.sleep(forTimeInterval: 0.15)
            try app.execute("INSERT INTO events SELECT g, now(), 'new' FROM generate_series($1::bigint, $1::bigint + 99) g", [String(1_000_000 + step * 100)])
            try app.execute("UPDATE events SET created_at = now(), body = 'revived' WHERE id IN (SELECT id FROM events WHERE created_at < \(slowCutoff) ORDER BY id DESC LIMIT 50)")
            try app.execute("UPDATE events SET body = 'touched' WHERE id BETWEEN $1::bigint AND $1::bigint + 99", [String(60001 + step * 100)])
        }
        let result = running.wait()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM events WHERE id >= 1000000") == 1000)
        #expect(try fixture.database.count("SELECT count(*) FROM events WHERE body = 'revived'") == 500)
        #expect(try fixture.database.count("SELECT count(*) FROM events WHERE id BETWEEN 60001 AND 120000") == 60000)
        #expect(try fixture.database.count("SELECT count(*) FROM events WHERE created_at < \(slowCutoff)") == 0)
    }

    @Test("a row locked by the application does not hold the run up; it is skipped and left for the next run")
    func lockedRow() throws {
        let fixture = try EngineFixture.make("locked", schemaSQL: slowTable)
        defer { fixture.drop() }
        try fixture.writePolicy(slowPolicy)
        let app = try fixture.database.connect()
        try app.execute("BEGIN")
        try app.execute("SELECT * FROM events WHERE id = 10 FOR UPDATE")
        let result = try fixture.retention(["run", "--as-of", slowAsOf])
        try app.execute("ROLLBACK")
        #expect(result.status == 0, "\(result.stderr)")
        let rule = try fixture.ruleReport("events")
        #expect(rule.int("skipped") == 1)
        #expect(rule.int("affected") == 59999)
        #expect(try fixture.database.count("SELECT count(*) FROM events WHERE created_at < \(slowCutoff)") == 1)
        #expect(try fixture.retention(["run", "--as-of", slowAsOf]).status == 0)
        #expect(try fixture.database.count("SELECT count(*) FROM events WHERE created_at < \(slowCutoff)") == 0)
    }
}
