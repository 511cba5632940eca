import Foundation
import Testing
import TestSupport

/// One policy on several databases, run as retention@.service's instances run it: one state
/// directory and one metrics file per database.
@Suite("Fleet: one policy on several databases")
struct FleetTests {
    @Test("each database has its own run lock, schema, reports and ledger; its metrics carry its name")
    func databasesAreApart() throws {
        let eu = try EventsTable.fixture("fleet_eu", policy: "fleet", rows: 480, unit: "hour")
        defer { eu.drop() }
        let us = try EventsTable.fixture("fleet_us", policy: "fleet", rows: 480, unit: "hour")
        defer { us.drop() }
        // One policy file for both databases, as the instances of retention@.service share it.
        let policy = eu.directory + "/policy.json"
        let metrics = ["eu": eu.directory + "/retention-eu.prom", "us": eu.directory + "/retention-us.prom"]
        func run(_ fixture: EngineFixture, _ name: String) throws -> CommandResult {
            try fixture.retention(["run", "--policy", policy, "--as-of", "2024-01-11T00:00:00Z",
                                   "--metrics-file", metrics[name]!, "--metrics-database", name])
        }
        // Another run holds eu's lock: eu's instance is locked out, us's is not.
        let rival = try eu.database.connect()
        try rival.execute("SELECT pg_advisory_lock(hashtextextended('retention run ' || 'fleet', 0))")
        #expect(try run(eu, "eu").status == 75)
        let usRun = try run(us, "us")
        #expect(usRun.status == 0, "\(usRun.stderr)")
        try rival.execute("SELECT pg_advisory_unlock_all()")
        let euRun = try run(eu, "eu")
        #expect(euRun.status == 0, "\(euRun.stderr)")

        for fixture in [eu, us] {
            // Hours 1 to 239 are before the cutoff; hour 240 is at it and kept.
            #expect(try fixture.database.count("SELECT count(*) FROM events") == 241)
            #expect(try fixture.database.count("SELECT count(*) FROM retention.runs") == 1)
            let reports = try FileManager.default.contentsOfDirectory(atPath: fixture.stateDirectory + "/reports").filter { $0.hasSuffix(".json") }
            #expect(reports.count == 1)
            #expect(try fixture.latestReport()["previousReportSha256"] is NSNull)
            #expect(FileManager.default.fileExists(atPath: fixture.stateDirectory + "/erasures.jsonl"))
        }
        // The node exporter refuses a series that two files give; each database's are its own.
        func series(_ name: String) throws -> Set<Substring> {
            let text = try String(contentsOfFile: metrics[name]!, encoding: .utf8)
            #expect(text.contains("retention_run_success{database=\"\(name)\",policy=\"fleet\",mode=\"execute\"} 1"))
            return Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.prefix { $0 != " " } })
        }
        #expect(try series("eu").isDisjoint(with: series("us")))
    }

    @Test("--metrics-database without --metrics-file is a usage error")
    func labelNeedsFile() throws {
        let result = try CommandRunner.run(["run", "--policy", "policy.json", "--metrics-database", "eu"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--metrics-file"))
    }
}
