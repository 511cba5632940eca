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
        let ports = try ServerScript.start("pg-standby.sh", directory: directory, environment: ["PG_BINDIR": PostgresTools.binDirectory])
        guard let primary = ports["PRIMARY_PORT"], let standby = ports["STANDBY_PORT"] else {
            throw FixtureError(message: "Deploy/pg-standby.sh start printed no ports: \(ports)")
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
