import Foundation
import Postgres
import Testing
import TestSupport

/// Three tables: `logs` has due rows, `drafts` has a rule with none due, `keep` has no rule.
private let hygieneSchema = """
    SET TimeZone = 'UTC';
    CREATE TABLE logs (id int PRIMARY KEY, created_at timestamptz NOT NULL);
    INSERT INTO logs SELECT g, timestamptz '2024-01-01' + g * interval '1 hour' FROM generate_series(1, 3000) g;
    CREATE TABLE drafts (id int PRIMARY KEY, created_at timestamptz NOT NULL);
    INSERT INTO drafts SELECT g, timestamptz '2025-06-01' + g * interval '1 hour' FROM generate_series(1, 300) g;
    CREATE TABLE keep (id int PRIMARY KEY, created_at timestamptz NOT NULL);
    INSERT INTO keep SELECT g, timestamptz '2020-01-01' + g * interval '1 hour' FROM generate_series(1, 300) g;
    """
private let hygienePolicy = """
    {"policy": "hygiene", "rules": [
      {"name": "logs", "table": "logs", "due": {"after": "0 days", "from": "created_at"}, "action": "delete"},
      {"name": "drafts", "table": "drafts", "due": {"after": "0 days", "from": "created_at"}, "action": "delete"}]}
    """
private let hygieneAsOf = "2024-02-01T00:00:00Z"
private let hygieneCutoff = "timestamptz '2024-02-01 00:00:00+00'"

/// When each table was last analyzed and vacuumed by hand, as text ('' for never).
private func maintained(_ fixture: EngineFixture) throws -> [String: (analyze: String, vacuum: String)] {
    var result: [String: (String, String)] = [:]
    for row in try fixture.database.connect().execute("SELECT relname::text, coalesce(last_analyze::text, ''), coalesce(last_vacuum::text, '') FROM pg_stat_user_tables WHERE relname IN ('logs', 'drafts', 'keep')").rows {
        result[try row.text(0)] = (try row.text(1), try row.text(2))
    }
    return result
}

@Suite("Table hygiene and the throttle's options")
struct TableHygieneTests {
    @Test("--analyze: last_analyze moves for the changed table only, timed apart; not in a dry run; --vacuum vacuums it")
    func analyzeChangedTables() throws {
        let fixture = try EngineFixture.make("analyze", schemaSQL: hygieneSchema)
        defer { fixture.drop() }
        try fixture.writePolicy(hygienePolicy)
        let expected = try fixture.database.checksum("(SELECT * FROM logs WHERE created_at >= \(hygieneCutoff))")
        let due = try fixture.database.count("SELECT count(*) FROM logs WHERE created_at < \(hygieneCutoff)")
        #expect(due > 0)
        let before = try maintained(fixture)
        #expect(before.values.allSatisfy { $0.analyze.isEmpty && $0.vacuum.isEmpty })

        let dry = try fixture.retention(["run", "--dry-run", "--analyze", "--as-of", hygieneAsOf])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(try maintained(fixture).values.allSatisfy { $0.analyze.isEmpty })
        #expect(try fixture.ruleReport("logs")["tableHygiene"] is NSNull)

        let run = try fixture.retention(["run", "--analyze", "--as-of", hygieneAsOf])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try fixture.database.checksum("logs") == expected)
        let after = try maintained(fixture)
        #expect(after["logs"]?.analyze.isEmpty == false)
        #expect(after["logs"]?.vacuum.isEmpty == true)
        #expect(after["drafts"]?.analyze.isEmpty == true)
        #expect(after["keep"]?.analyze.isEmpty == true)
        let logs = try fixture.ruleReport("logs")
        #expect(logs["tableHygiene"] as? String == "analyze")
        #expect(logs.int("tableHygieneMs") >= 0)
        #expect(logs.int("affected") == due)
        #expect(try fixture.ruleReport("drafts")["tableHygiene"] is NSNull)
        #expect(run.stdout.contains("ANALYZE"), "\(run.stdout)")

        // --vacuum after a run that changes rows again.
        try fixture.database.connect().execute("INSERT INTO logs SELECT g, timestamptz '2023-01-01' + g * interval '1 hour' FROM generate_series(-100, -1) g")
        let vacuum = try fixture.retention(["run", "--vacuum", "--as-of", hygieneAsOf])
        #expect(vacuum.status == 0, "\(vacuum.stderr)")
        #expect(try fixture.database.checksum("logs") == expected)
        let vacuumed = try maintained(fixture)
        #expect(vacuumed["logs"]?.vacuum.isEmpty == false)
        #expect(vacuumed["drafts"]?.vacuum.isEmpty == true)
        #expect(try fixture.ruleReport("logs")["tableHygiene"] as? String == "vacuum")
    }

    @Test("bad throttle and hygiene options: one line naming the option, exit 2, nothing changed")
    func badOptions() throws {
        let fixture = try EngineFixture.make("badthrottle", schemaSQL: hygieneSchema)
        defer { fixture.drop() }
        try fixture.writePolicy(hygienePolicy)
        let before = try fixture.database.checksum("logs")
        for (arguments, option) in [(["--max-slot-lag", "12XB"], "--max-slot-lag"), (["--max-slot-lag", "0"], "--max-slot-lag"),
                                    (["--max-replica-lag", "soon"], "--max-replica-lag"), (["--max-replica-lag", "0s"], "--max-replica-lag"),
                                    (["--analyze", "--vacuum"], "--vacuum")] {
            let result = try fixture.retention(["run", "--as-of", hygieneAsOf] + arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            let first = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
            #expect(first.hasPrefix("retention: error:") && first.contains(option), "\(arguments): \(result.stderr)")
        }
        #expect(try fixture.database.checksum("logs") == before)
        // validate cannot check the lag views without a database.
        let unconnected = try CommandRunner.run(["validate", "--policy", fixture.directory + "/policy.json", "--max-replica-lag", "2s"])
        #expect(unconnected.status == 2, "\(unconnected.stdout)")
        #expect(unconnected.stderr.hasPrefix("retention: error: --max-replica-lag"), "\(unconnected.stderr)")
    }

    @Test("a role without pg_monitor: validate and run refuse --max-replica-lag (exit 2, nothing changed) but not --max-slot-lag (the slots view is open to all); grants adds pg_monitor only for --max-replica-lag")
    func lagViewsNeedMonitor() throws {
        let fixture = try EngineFixture.make("monitor", schemaSQL: hygieneSchema)
        let role = "mon_" + fixture.database.name
        defer { fixture.drop(role: role) }
        let policy = try fixture.writePolicy(hygienePolicy)
        let plainGrants = try fixture.retention(["grants", "--policy", policy, "--role", role])
        #expect(plainGrants.status == 0, "\(plainGrants.stderr)")
        #expect(!plainGrants.stdout.contains("pg_monitor"))
        let connection = try fixture.database.connect()
        try connection.executeScript(plainGrants.stdout)
        let before = try fixture.database.checksum("logs")
        let asRole = ["--database-url", "postgresql://\(role)@127.0.0.1:\(TestDatabase.port)/\(fixture.database.name)"]
        let slots = try CommandRunner.run(["validate", "--policy", policy, "--max-slot-lag", "64MB"] + asRole)
        #expect(slots.status == 0, "\(slots.stderr)")
        for option in [["--max-replica-lag", "2s"], ["--max-replica-lag", "2s", "--max-slot-lag", "64MB"]] {
            let validate = try CommandRunner.run(["validate", "--policy", policy] + option + asRole)
            #expect(validate.status == 2, "\(validate.stdout)")
            #expect(validate.stderr.contains("\(option[0]): role \"\(role)\" cannot read"), "\(validate.stderr)")
            let run = try CommandRunner.run(["run", "--policy", policy, "--state-dir", fixture.stateDirectory, "--as-of", hygieneAsOf] + option + asRole)
            #expect(run.status == 2, "\(run.stdout)")
            #expect(run.stderr.contains("\(option[0]): role \"\(role)\""), "\(run.stderr)")
        }
        #expect(try fixture.database.checksum("logs") == before)

        let slotGrants = try fixture.retention(["grants", "--policy", policy, "--role", role, "--max-slot-lag", "64MB"])
        #expect(slotGrants.status == 0 && !slotGrants.stdout.contains("pg_monitor"), "\(slotGrants.stdout)")
        let grants = try fixture.retention(["grants", "--policy", policy, "--role", role, "--max-replica-lag", "2s"])
        #expect(grants.stdout.contains("GRANT pg_monitor TO \(Identifier.quote(role));"), "\(grants.stdout)")
        try connection.executeScript(grants.stdout)
        let run = try CommandRunner.run(["run", "--policy", policy, "--state-dir", fixture.stateDirectory, "--as-of", hygieneAsOf,
                                         "--max-replica-lag", "2s", "--max-slot-lag", "64MB"] + asRole)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM logs WHERE created_at < \(hygieneCutoff)") == 0)
    }
}
