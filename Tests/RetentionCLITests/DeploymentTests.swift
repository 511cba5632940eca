import Foundation
import Testing
import TestSupport

@Suite("Deployment files")
struct DeploymentTests {
    static let analyzer = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test("systemd-analyze verify accepts the service, the timer and the failure unit", .enabled(if: analyzer != nil, "systemd-analyze is not installed"))
    func unitsVerify() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var paths: [String] = []
        for name in ["retention.service", "retention.timer", "retention-failure@.service"] {
            let text = try String(contentsOfFile: Repository.root + "/Deploy/systemd/" + name, encoding: .utf8)
                .replacingOccurrences(of: "/usr/local/bin/retention", with: Repository.binary)
            try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
            paths.append(directory + "/" + name)
        }
        let (status, text) = try TestProcess.run(DeploymentTests.analyzer!, ["verify"] + paths)
        #expect(status == 0, "\(text)")
        #expect(!text.contains("retention"), "systemd-analyze complained: \(text)")
    }

    @Test("the service runs the engine hardened, with its secrets as credentials")
    func serviceHardening() throws {
        let unit = try String(contentsOfFile: Repository.root + "/Deploy/systemd/retention.service", encoding: .utf8)
        for line in ["Type=oneshot", "DynamicUser=yes", "StateDirectory=retention", "NoNewPrivileges=yes", "ProtectSystem=strict",
                     "ProtectHome=yes", "PrivateTmp=yes", "SystemCallFilter=@system-service", "LoadCredential=pseudonym-key:",
                     "OnFailure=retention-failure@%n.service"] {
            #expect(unit.contains(line), "\(line)")
        }
        let timer = try String(contentsOfFile: Repository.root + "/Deploy/systemd/retention.timer", encoding: .utf8)
        for line in ["OnCalendar=", "RandomizedDelaySec=", "Persistent=true"] { #expect(timer.contains(line)) }
    }
}
