import Foundation
import Postgres

/// A primary (`wal_level = logical`) with a streaming standby made by `pg_basebackup -R`, each
/// on its own port, from `Deploy/pg-standby.sh`: for tests that need replication, which the
/// shared test server (used by every test at once) cannot give. `stop()` ends both; should the
/// test process die first, the script's watchdog stops them.
public final class StandbyPair: Sendable {
    public let directory: String
    public let primaryPort: String
    public let standbyPort: String

    public init() throws {
        directory = "/tmp/pg-standby.\(UUID().uuidString.prefix(8).lowercased())"
        // The output goes to a file, not a pipe: the servers the script starts must not be able
        // to keep a pipe of this process open.
        let output = directory + ".out"
        guard FileManager.default.createFile(atPath: output, contents: nil) else { throw FixtureError(message: "cannot create \(output)") }
        defer { try? FileManager.default.removeItem(atPath: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repository.root + "/Deploy/pg-standby.sh")
        process.arguments = ["start", directory, String(getpid())]
        process.environment = ProcessInfo.processInfo.environment.merging(["PG_BINDIR": PostgresTools.binDirectory]) { $1 }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let result = (status: process.terminationStatus, output: (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
        var ports: [String: String] = [:]
        for line in result.output.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { ports[parts[0]] = parts[1] }
        }
        guard result.status == 0, let primary = ports["PRIMARY_PORT"], let standby = ports["STANDBY_PORT"] else {
            throw FixtureError(message: "Deploy/pg-standby.sh start failed (\(result.status)): \(result.output)")
        }
        primaryPort = primary
        standbyPort = standby
    }

    public func primary(_ database: String = "postgres") throws -> Connection {
        try Connection(conninfo: "postgresql://postgres@127.0.0.1:\(primaryPort)/\(database)")
    }

    public func standby() throws -> Connection {
        try Connection(conninfo: "postgresql://postgres@127.0.0.1:\(standbyPort)/postgres")
    }

    public func stop() {
        _ = try? TestProcess.run(Repository.root + "/Deploy/pg-standby.sh", ["stop", directory])
    }
}
