import Foundation
import Postgres
import Testing
import TestSupport

/// A table whose run lasts several seconds when slowed by small batches and pauses: 20,000 of
/// 40,000 rows are due.
private let throttledTable = """
    SET TimeZone = 'UTC';
    CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, body text);
    INSERT INTO events SELECT g, timestamptz '2024-01-01' + g * interval '1 minute', repeat(md5(g::text), 4) FROM generate_series(1, 40000) g;
    """
private let throttledAsOf = "2024-01-14T21:20:30Z"
private let throttledCutoff = "timestamptz '2024-01-14 21:20:30+00'"
private let throttledPolicy = #"{"policy": "throttled", "rules": [{"name": "events", "table": "events", "due": {"after": "0 days", "from": "created_at"}, "action": "delete"}]}"#
private let slowOptions = ["--as-of", throttledAsOf, "--batch-size", "200", "--pause", "20", "--concurrency", "1"]

/// The rows a run of `throttledPolicy` keeps in `table`, as a checksum computed with plain SQL.
private func expectedSurvivors(_ fixture: EngineFixture, _ table: String = "events") throws -> String {
    try fixture.database.checksum("(SELECT * FROM \(table) WHERE created_at >= \(throttledCutoff))", orderBy: "id")
}

private func dueLeft(_ fixture: EngineFixture, _ table: String = "events") throws -> Int64 {
    try fixture.database.count("SELECT count(*) FROM \(table) WHERE created_at < \(throttledCutoff)")
}

/// The policy on another copy of the table.
private func policy(on table: String) -> String {
    throttledPolicy.replacingOccurrences(of: #""table": "events""#, with: #""table": "\#(table)""#)
}

/// Waits until `running` holds still (no due row deleted for 2.5 s) while it still runs, and
/// returns the due rows left then; fails after 30 s.
private func waitUntilHeld(_ fixture: EngineFixture, _ running: RunningCommand, table: String = "events") throws -> Int64 {
    var last = try dueLeft(fixture, table)
    var stillSince = Date()
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline, running.process.isRunning {
        Thread.sleep(forTimeInterval: 0.25)
        let now = try dueLeft(fixture, table)
        if now != last {
            last = now
            stillSince = Date()
        } else if Date().timeIntervalSince(stillSince) > 2.5 {
            return now
        }
    }
    throw FixtureError(message: "the run did not hold still (running: \(running.process.isRunning), due rows left: \(last))")
}

@Suite("Throttling: a streaming standby and a replication slot make the run wait", .serialized)
struct ThrottleTests {
    @Test("a standby whose replay is paused makes a --max-replica-lag 2s run wait; after resume it finishes exactly; without the option nothing waits")
    func pausedStandby() throws {
        let pair = try StandbyPair()
        defer { pair.stop() }
        let fixture = try EngineFixture.make("replica", schemaSQL: throttledTable, port: pair.primaryPort)
        defer { fixture.drop() }
        try fixture.writePolicy(throttledPolicy)
        let expected = try expectedSurvivors(fixture)
        let standby = try pair.standby()
        try standby.execute("SELECT pg_wal_replay_pause()")
        // Without the option the paused standby changes nothing.
        let unthrottled = try EngineFixture.make("unthrottled", schemaSQL: throttledTable, port: pair.primaryPort)
        defer { unthrottled.drop() }
        try unthrottled.writePolicy(throttledPolicy)
        let expectedUnthrottled = try expectedSurvivors(unthrottled)
        let plain = try unthrottled.retention(["run", "--as-of", throttledAsOf])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(try unthrottled.database.checksum("events", orderBy: "id") == expectedUnthrottled)
        #expect(try unthrottled.ruleReport("events").int("throttledMs") == 0)

        let running = try fixture.start(["run", "--max-replica-lag", "2s"] + slowOptions)
        let held = try waitUntilHeld(fixture, running)
        #expect(held > 0, "the run finished before the standby fell 2 s behind")
        try standby.execute("SELECT pg_wal_replay_resume()")
        let result = running.wait()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try fixture.database.checksum("events", orderBy: "id") == expected)
        let rule = try fixture.ruleReport("events")
        #expect(rule.int("throttledMs") > 2000)
        #expect(rule.int("affected") == 20000)
        let reasons = rule["throttledBy"] as? [String] ?? []
        #expect(reasons.count == 1 && reasons[0].hasPrefix("replica \"walreceiver"), "\(reasons)")
        #expect(result.stdout.contains("waiting for replica"), "\(result.stdout)")
    }

    @Test("an unread logical slot makes a --max-slot-lag 1MB run wait: --max-runtime ends it interrupted; advancing or dropping the slot lets it finish exactly")
    func unreadSlot() throws {
        let pair = try StandbyPair()
        defer { pair.stop() }
        let fixture = try EngineFixture.make("slot", schemaSQL: throttledTable, port: pair.primaryPort)
        defer { fixture.drop() }
        try fixture.writePolicy(throttledPolicy)
        let expected = try expectedSurvivors(fixture)
        let primary = try pair.primary(fixture.database.name)
        try primary.execute("SELECT pg_create_logical_replication_slot('unread', 'test_decoding')")
        // Two megabytes of WAL that nobody decodes (measured at the insert position: with
        // synchronous_commit off the write position follows a little later).
        try primary.execute("CREATE TABLE filler AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 20000) g")
        let retained = try fixture.database.count("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), restart_lsn)::bigint FROM pg_replication_slots WHERE slot_name = 'unread'")
        #expect(retained > 1 << 20, "the slot retains \(retained) bytes")

        for copy in ["events_plain", "events_advanced"] {
            try primary.executeScript("CREATE TABLE \(copy) (LIKE events INCLUDING ALL); INSERT INTO \(copy) SELECT * FROM events;")
        }
        let expectedAdvanced = try expectedSurvivors(fixture, "events_advanced")

        // Without the option, nothing waits.
        let plain = try fixture.retention(["run", "--policy", try fixture.writePolicy(policy(on: "events_plain"), name: "plain.json"), "--as-of", throttledAsOf])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(try fixture.ruleReport("events").int("throttledMs") == 0)
        #expect(try dueLeft(fixture, "events_plain") == 0)

        // --max-runtime ends the wait: interrupted, nothing deleted.
        let stopped = try fixture.retention(["run", "--max-slot-lag", "1MB", "--max-runtime", "3s"] + slowOptions)
        #expect(stopped.status == 1, "\(stopped.stderr)")
        #expect(try fixture.latestReport()["status"] as? String == "interrupted")
        let interrupted = try fixture.ruleReport("events")
        #expect(interrupted["status"] as? String == "interrupted")
        #expect(interrupted.int("throttledMs") >= 2500)
        #expect(interrupted.int("affected") == 0)
        #expect((interrupted["throttledBy"] as? [String] ?? []).first?.hasPrefix("slot \"unread\" retains") == true)
        #expect(try dueLeft(fixture) == 20000)

        // Four workers waiting the same three seconds waited three seconds, not twelve.
        let started = Date()
        let four = try fixture.retention(["run", "--max-slot-lag", "1MB", "--max-runtime", "3s", "--as-of", throttledAsOf, "--batch-size", "200",
                                          "--concurrency", "4"])
        let wall = Date().timeIntervalSince(started) * 1000
        #expect(four.status == 1, "\(four.stderr)")
        let waited = try fixture.ruleReport("events").int("throttledMs")
        #expect(waited >= 2500 && Double(waited) <= wall, "throttledMs \(waited) against \(Int(wall)) ms of the whole run")

        // Dropping the slot lets the waiting run finish, exactly.
        let waiting = try fixture.start(["run", "--max-slot-lag", "1MB"] + slowOptions)
        #expect(try waitUntilHeld(fixture, waiting) == 20000)
        try primary.execute("SELECT pg_drop_replication_slot('unread')")
        let dropped = waiting.wait()
        #expect(dropped.status == 0, "\(dropped.stderr)")
        #expect(try fixture.database.checksum("events", orderBy: "id") == expected)
        #expect(try fixture.ruleReport("events").int("throttledMs") > 2000)

        // A consumer that reads (a checkpoint, then the slot advanced, again and again) lets it go on.
        try primary.execute("SELECT pg_create_logical_replication_slot('unread', 'test_decoding')")
        try primary.execute("CREATE TABLE filler2 AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 20000) g")
        let advancing = try fixture.start(["run", "--policy", try fixture.writePolicy(policy(on: "events_advanced"), name: "advanced.json"),
                                           "--max-slot-lag", "1MB"] + slowOptions)
        #expect(try waitUntilHeld(fixture, advancing, table: "events_advanced") == 20000)
        while advancing.process.isRunning {
            try primary.execute("CHECKPOINT")
            try primary.execute("SELECT pg_replication_slot_advance('unread', pg_current_wal_lsn())")
            Thread.sleep(forTimeInterval: 0.3)
        }
        let result = advancing.wait()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try fixture.database.checksum("events_advanced", orderBy: "id") == expectedAdvanced)
        let rule = try fixture.ruleReport("events")
        #expect(rule.int("throttledMs") > 2000)
        #expect(rule.int("affected") == 20000)
    }

    @Test("an erasure request's batches wait for an unread slot like a rule's: --max-runtime leaves the person's rows and the request open; without the slot it is done, exactly")
    func requestWaitsForSlot() throws {
        let pair = try StandbyPair()
        defer { pair.stop() }
        let fixture = try EngineFixture.make("slotrequest", schemaSQL: SubjectSchema.sql + "\n" + HMACOracle.sql, port: pair.primaryPort)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy(SubjectSchema.policy())
        let keyFile = fixture.directory + "/pseudonym.key"
        try Data((0..<32).map { UInt8($0 * 3) }).write(to: URL(fileURLWithPath: keyFile))
        let primary = try pair.primary(fixture.database.name)
        let comments = try fixture.database.count("SELECT count(*) FROM comments WHERE author_id = 9")
        let others = try fixture.database.checksum("(SELECT t::text AS r FROM comments t WHERE author_id <> 9)")
        let added = try fixture.retention(["request", "add", "--policy", policy, "--subject", "email=user9@example.com"])
        #expect(added.status == 0, "\(added.stderr)")
        try primary.execute("SELECT pg_create_logical_replication_slot('unread', 'test_decoding')")
        try primary.execute("CREATE TABLE filler AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 20000) g")
        let stopped = try fixture.retention(["run", "--policy", policy, "--pseudonym-key-file", keyFile, "--max-slot-lag", "1MB", "--max-runtime", "3s"])
        #expect(stopped.status == 1, "\(stopped.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM comments WHERE author_id = 9") == comments)
        #expect(try fixture.database.count("SELECT count(*) FROM retention.erasure_requests WHERE status = 'open'") == 1)
        try primary.execute("SELECT pg_drop_replication_slot('unread')")
        let done = try fixture.retention(["run", "--policy", policy, "--pseudonym-key-file", keyFile, "--max-slot-lag", "1MB"])
        #expect(done.status == 0, "\(done.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM comments WHERE author_id = 9") == 0)
        #expect(try fixture.database.checksum("(SELECT t::text AS r FROM comments t WHERE author_id <> 9)") == others)
        #expect(try fixture.database.count("SELECT count(*) FROM retention.erasure_requests WHERE status = 'done'") == 1)
    }
}
