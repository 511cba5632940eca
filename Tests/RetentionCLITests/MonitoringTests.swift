import Foundation
import Testing
import TestSupport

@Suite("Monitoring: metrics, JSON logs, progress")
struct MonitoringTests {
    @Test("--metrics-file writes Prometheus text atomically; a failed run keeps the last success time")
    func metrics() throws {
        let fixture = try EventsTable.fixture("metrics", policy: "monitored", rows: 30000, unit: "minute")
        defer { fixture.drop() }
        let path = fixture.directory + "/retention.prom"
        #expect(try fixture.retention(["run", "--as-of", "2024-01-10T00:00:00Z", "--metrics-file", path]).status == 0)
        let due = try 30000 - fixture.database.count("SELECT count(*) FROM events")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("retention_run_success{policy=\"monitored\",mode=\"execute\"} 1"))
        #expect(text.contains("retention_rule_rows_affected{policy=\"monitored\",rule=\"events\",action=\"delete\"} \(due)"))
        #expect(text.contains("# TYPE retention_rule_duration_seconds gauge"))
        let lastSuccess = text.split(separator: "\n").first { $0.hasPrefix("retention_run_last_success_timestamp_seconds") }
        #expect(lastSuccess != nil)

        // The table goes away under the engine: the next run fails, the last success time stays.
        try fixture.database.connect().execute("REVOKE ALL ON events FROM PUBLIC")
        try fixture.database.connect().execute("ALTER TABLE events RENAME COLUMN created_at TO created")
        let failed = try fixture.retention(["run", "--as-of", "2024-01-20T00:00:00Z", "--metrics-file", path])
        #expect(failed.status == 2)
        let after = try String(contentsOfFile: path, encoding: .utf8)
        #expect(after.split(separator: "\n").first { $0.hasPrefix("retention_run_last_success_timestamp_seconds") } == lastSuccess)
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp-\(getpid())"))
    }

    @Test("--log-format json puts one JSON object per line on stderr")
    func jsonLogs() throws {
        let fixture = try EventsTable.fixture("jsonlogs", policy: "monitored", rows: 30000, unit: "minute")
        defer { fixture.drop() }
        let result = try fixture.retention(["run", "--as-of", "2024-01-10T00:00:00Z", "--log-format", "json"])
        #expect(result.status == 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count >= 2)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] != nil && object?["time"] != nil && object?["message"] != nil, "\(line)")
        }
        #expect(lines.contains { $0.contains("\"rule\":\"events\"") && $0.contains("\"affected\":") })
        let bad = try fixture.retention(["run", "--log-format", "xml"])
        #expect(bad.status == 2)
    }

    @Test("progress appears on a terminal's stderr and not when stderr is a pipe")
    func progress() throws {
        let fixture = try EventsTable.fixture("progress", policy: "monitored", rows: 30000, unit: "minute")
        defer { fixture.drop() }
        let piped = try fixture.retention(["run", "--as-of", "2024-01-05T00:00:00Z", "--batch-size", "500", "--pause", "100"])
        #expect(piped.status == 0)
        #expect(!piped.stderr.contains("rows/s"))
        // script(1) gives the command a terminal.
        let command = ([Repository.binary, "run", "--policy", fixture.directory + "/policy.json", "--database-url", fixture.database.url,
                        "--state-dir", fixture.stateDirectory, "--as-of", "2024-01-12T00:00:00Z", "--batch-size", "500", "--pause", "100"])
            .map { "'\($0)'" }.joined(separator: " ")
        let (status, text) = try TestProcess.run("/usr/bin/script", ["-qec", command, "/dev/null"])
        #expect(status == 0, "\(text)")
        #expect(text.contains("rows/s"), "\(text)")
    }
}
