import Foundation
import Testing
import TestSupport

@Suite("Deployment files")
struct DeploymentTests {
    static let analyzer = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) }
    /// Every unit in Deploy/systemd: the one database's, the failure alert, and the fleet's templates.
    static let units = ["retention.service", "retention.timer", "retention-failure@.service", "retention@.service", "retention@.timer",
                        "retention-audit.service", "retention-audit@.service"]

    static func unit(_ name: String) throws -> String {
        try String(contentsOfFile: Repository.root + "/Deploy/systemd/" + name, encoding: .utf8)
    }

    static func temporaryDirectory(_ label: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    /// The settings of a unit's `[Service]` section, in order, as key and value.
    static func serviceSettings(_ text: String) -> [(key: String, value: String)] {
        var inService = false
        return text.split(separator: "\n").compactMap { line in
            if line.hasPrefix("[") { inService = line == "[Service]" }
            guard inService, !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { return nil }
            return (String(line[..<equals]), String(line[line.index(after: equals)...]))
        }
    }

    /// The options of the unit's `ExecStart=` (`retention run --name value ...`) by name.
    static func runOptions(_ text: String) throws -> [String: String] {
        let command = try #require(serviceSettings(text).first { $0.key == "ExecStart" }).value.split(separator: " ").map(String.init)
        #expect(command.count % 2 == 0 && command[1] == "run", "\(command)")
        return Dictionary(uniqueKeysWithValues: stride(from: 2, to: command.count - 1, by: 2).map {
            (String(command[$0].dropFirst(2)), command[$0 + 1])
        })
    }

    @Test("systemd-analyze verify accepts the service, the timer, the failure unit and an instance of the fleet's templates",
          .enabled(if: analyzer != nil, "systemd-analyze is not installed"))
    func unitsVerify() throws {
        let directory = try DeploymentTests.temporaryDirectory("units")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in DeploymentTests.units {
            let text = try DeploymentTests.unit(name).replacingOccurrences(of: "/usr/local/bin/retention", with: Repository.binary)
            try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
        // A template is verified as one of its instances, which systemd loads from the template's file.
        let verified = ["retention.service", "retention.timer", "retention-failure@.service", "retention@eu.service", "retention@eu.timer",
                        "retention-audit.service", "retention-audit@eu.service"]
        let (status, text) = try TestProcess.run(DeploymentTests.analyzer!, ["verify"] + verified.map { directory + "/" + $0 })
        #expect(status == 0, "\(text)")
        #expect(!text.contains("retention"), "systemd-analyze complained: \(text)")
    }

    @Test("systemd-analyze verify accepts retention.service with the drop-in for expire-backups, which runs it as postgres",
          .enabled(if: analyzer != nil, "systemd-analyze is not installed"))
    func pgBackRestDropInVerifies() throws {
        let directory = try DeploymentTests.temporaryDirectory("dropin")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let service = try DeploymentTests.unit("retention.service").replacingOccurrences(of: "/usr/local/bin/retention", with: Repository.binary)
        try service.write(toFile: directory + "/retention.service", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: directory + "/retention.service.d", withIntermediateDirectories: true)
        let dropIn = try DeploymentTests.unit("retention.service.d/pgbackrest.conf")
        try dropIn.write(toFile: directory + "/retention.service.d/pgbackrest.conf", atomically: true, encoding: .utf8)
        let settings = DeploymentTests.serviceSettings(dropIn)
        #expect(settings.contains { $0 == ("User", "postgres") } && settings.contains { $0 == ("DynamicUser", "no") })
        #expect(settings.contains { $0 == ("PrivateTmp", "no") }, "pgBackRest's locks in /tmp must be the backups' own")
        let (status, text) = try TestProcess.run(DeploymentTests.analyzer!, ["verify", directory + "/retention.service"])
        #expect(status == 0, "\(text)")
        #expect(!text.contains("retention"), "systemd-analyze complained: \(text)")
    }

    @Test("the services run the engine hardened, with their secrets as credentials", arguments: ["retention.service", "retention@.service"])
    func serviceHardening(name: String) throws {
        let unit = try DeploymentTests.unit(name)
        for line in ["Type=oneshot", "DynamicUser=yes", "StateDirectory=retention", "NoNewPrivileges=yes", "ProtectSystem=strict",
                     "ProtectHome=yes", "PrivateTmp=yes", "SystemCallFilter=@system-service", "LoadCredential=pseudonym-key:",
                     "OnFailure=retention-failure@%n.service"] {
            #expect(unit.contains(line), "\(line)")
        }
        let timer = try DeploymentTests.unit(name.replacingOccurrences(of: ".service", with: ".timer"))
        for line in ["OnCalendar=", "RandomizedDelaySec=", "Persistent=true"] { #expect(timer.contains(line)) }
    }

    @Test("an instance of retention@.service runs as retention.service does, but for the files and paths that name the instance")
    func templateMatchesTheService() throws {
        let single = try DeploymentTests.unit("retention.service"), template = try DeploymentTests.unit("retention@.service")
        let perInstance: Set = ["StateDirectory", "EnvironmentFile", "LoadCredential", "ExecStart"]
        func shared(_ text: String) -> [String] {
            DeploymentTests.serviceSettings(text).filter { !perInstance.contains($0.key) && !$0.value.hasPrefix("RETENTION_POLICY=") }
                .map { "\($0.key)=\($0.value)" }
        }
        #expect(shared(template) == shared(single))
        var singleOptions = try DeploymentTests.runOptions(single), templateOptions = try DeploymentTests.runOptions(template)
        for name in ["policy", "metrics-file"] { singleOptions[name] = nil; templateOptions[name] = nil }
        for name in ["state-dir", "metrics-database"] { templateOptions[name] = nil }
        #expect(templateOptions == singleOptions)
    }

    @Test("two instances of retention@.service share no file: environment, credentials, state directory, metrics")
    func instancesShareNoFile() throws {
        let template = try DeploymentTests.unit("retention@.service")
        func files(_ instance: String) throws -> [String: String] {
            let text = template.replacingOccurrences(of: "%i", with: instance).replacingOccurrences(of: "%S", with: "/var/lib")
            var files: [String: String] = [:]
            for (key, value) in DeploymentTests.serviceSettings(text) {
                switch key {
                case "EnvironmentFile": files["environment"] = value
                case "StateDirectory": files["state"] = "/var/lib/" + value
                case "LoadCredential": files["credential " + value.prefix { $0 != ":" }] = String(value.drop { $0 != ":" }.dropFirst())
                default: break
                }
            }
            let options = try DeploymentTests.runOptions(text)
            for name in ["state-dir", "metrics-file", "metrics-database"] { files["--" + name] = options[name] }
            return files
        }
        let eu = try files("eu"), us = try files("us")
        #expect(Set(eu.keys) == ["environment", "state", "credential pgpass", "credential pseudonym-key", "--state-dir", "--metrics-file", "--metrics-database"])
        #expect(eu["environment"] == "/etc/retention/eu.env")
        #expect(eu["state"] == "/var/lib/retention/eu")
        #expect(eu["--state-dir"] == eu["state"])
        for (key, value) in eu { #expect(us[key] != value, "\(key) is \(value) for both") }
    }

    @Test("install.sh installs every unit (the fleet's templates too) and, run again, keeps the policy and environment")
    func installScript() throws {
        let root = try DeploymentTests.temporaryDirectory("install")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let install = [Repository.root + "/Deploy/install.sh", "--destdir", root, "--prefix", "/opt/retention", "--binary", Repository.binary,
                       "--policy", "Jobs/demo-policy.json"]
        let first = try TestProcess.run("/bin/bash", install)
        #expect(first.status == 0, "\(first.output)")
        for name in DeploymentTests.units {
            let installed = try String(contentsOfFile: root + "/etc/systemd/system/" + name, encoding: .utf8)
            #expect(installed == (try DeploymentTests.unit(name)).replacingOccurrences(of: "/usr/local/bin/", with: "/opt/retention/bin/"), "\(name)")
        }
        #expect(FileManager.default.fileExists(atPath: root + "/opt/retention/share/doc/retention/retention@.env.example"))
        #expect(FileManager.default.fileExists(atPath: root + "/opt/retention/share/doc/retention/docs/operations.md"), "the units' Documentation= page")
        #expect(FileManager.default.isExecutableFile(atPath: root + "/opt/retention/bin/retention"))

        for name in ["policy.json", "retention.env"] { try "edited".write(toFile: root + "/etc/retention/" + name, atomically: true, encoding: .utf8) }
        let again = try TestProcess.run("/bin/bash", install)
        #expect(again.status == 0, "\(again.output)")
        for name in ["policy.json", "retention.env"] {
            #expect(try String(contentsOfFile: root + "/etc/retention/" + name, encoding: .utf8) == "edited", "\(name)")
        }
        let template = try String(contentsOfFile: root + "/etc/systemd/system/retention@.service", encoding: .utf8)
        #expect(template.contains("ExecStart=/opt/retention/bin/retention run "))
    }
}
