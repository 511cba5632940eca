import Foundation
import Testing
import TestSupport

/// The audit after each nightly run: pulled in by the run's unit, ordered after it, with its own
/// exit status (its own failure alert) and its own metrics file.
@Suite("The audit's systemd units")
struct AuditUnitsTests {
    /// `(service, audit)`: one database's units, and the fleet's templates.
    static let pairs = [("retention.service", "retention-audit.service"), ("retention@.service", "retention-audit@.service")]

    /// The value of `key` in section `section` of a unit.
    static func values(_ text: String, _ section: String, _ key: String) -> [String] {
        var inSection = false
        return text.split(separator: "\n").compactMap { line in
            if line.hasPrefix("[") { inSection = line == "[\(section)]" }
            guard inSection, line.hasPrefix(key + "=") else { return nil }
            return String(line.dropFirst(key.count + 1))
        }
    }

    @Test("the run's unit wants the audit, which starts after the run however it ended, alerts on its own exit status and writes its own metrics",
          arguments: AuditUnitsTests.pairs)
    func auditFollowsTheRun(service: String, audit: String) throws {
        let run = try DeploymentTests.unit(service), check = try DeploymentTests.unit(audit)
        let instance = service.contains("@")
        #expect(Self.values(run, "Unit", "Wants").contains(instance ? "retention-audit@%i.service" : "retention-audit.service"))
        // Wants= (not Requires= or BindsTo=): a failed run does not cancel the audit.
        #expect(Self.values(check, "Unit", "Requires").isEmpty && Self.values(check, "Unit", "BindsTo").isEmpty)
        #expect(Self.values(check, "Unit", "After") == [instance ? "retention@%i.service" : "retention.service"])
        #expect(Self.values(check, "Unit", "OnFailure") == ["retention-failure@%n.service"])
        let command = try #require(Self.values(check, "Service", "ExecStart").first).split(separator: " ").map(String.init)
        #expect(Array(command.prefix(2)) == ["/usr/local/bin/retention", "audit"])
        let metrics = try #require(command.firstIndex(of: "--metrics-file").map { command[$0 + 1] })
        let runCommand = try #require(Self.values(run, "Service", "ExecStart").first).split(separator: " ").map(String.init)
        let runMetrics = try #require(runCommand.firstIndex(of: "--metrics-file").map { runCommand[$0 + 1] })
        #expect(metrics != runMetrics && metrics.hasPrefix("/var/lib/prometheus/node-exporter/retention-audit"))
        // A fleet's audits label their series by database, as its runs do.
        #expect(command.firstIndex(of: "--metrics-database").map { command[$0 + 1] } == (instance ? "%i" : nil))
        // The audit's options are the binary's: its parser accepts them (the policy file is missing, exit 2 says so).
        let options = command.dropFirst(2).map {
            $0.replacingOccurrences(of: "${RETENTION_POLICY}", with: "/nonexistent/policy.json").replacingOccurrences(of: "/etc/retention/", with: "/nonexistent/")
        }
        let result = try CommandRunner.run(["audit"] + options.map { $0 == metrics ? NSTemporaryDirectory() + "audit-unit.prom" : $0 })
        #expect(result.status == 2 && result.stderr.contains("could not read file \"/nonexistent/policy.json\""), "\(result.stderr)")
    }
}
