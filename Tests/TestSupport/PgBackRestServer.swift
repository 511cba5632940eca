import Foundation
import Postgres

/// A throwaway server whose WAL pgBackRest archives into a repository of its own (stanza
/// `main`), from `Deploy/pg-pgbackrest.sh`: for the tests of `expire-backups` and of replay after
/// a pgBackRest restore. `stop()` ends it (and a restored copy); should the test process die
/// first, the script's watchdog stops them.
public final class PgBackRestServer: Sendable {
    public let directory: String
    public let port: String
    public let config: String

    /// Why the pgBackRest tests cannot run here, nil when they can.
    public static let unavailableReason: String? = {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").map { "\($0)/pgbackrest" }
        guard paths.contains(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return "pgbackrest is not installed (Deploy/test.sh installs Debian's package as root)"
        }
        guard geteuid() == 0 else { return "the pgBackRest tests run pgbackrest as postgres (runuser), which needs root" }
        // Debian's pgBackRest (2.45) knows Debian's PostgreSQL, not the PostgreSQL 18 of the second pass.
        let serverDirectory = ProcessInfo.processInfo.environment["PGTHROWAWAY_BINDIR"] ?? ""
        if !serverDirectory.isEmpty, !serverDirectory.hasPrefix("/usr/lib/postgresql/") {
            return "the pgBackRest tests run in the pass on Debian's PostgreSQL, which Debian's pgBackRest 2.45 supports"
        }
        return getpwnam("postgres") == nil ? "the pgBackRest tests need the OS user postgres" : nil
    }()

    public init() throws {
        directory = "/tmp/pg-backrest.\(UUID().uuidString.prefix(8).lowercased())"
        let values = try ServerScript.start("pg-pgbackrest.sh", directory: directory, environment: ["PG_BINDIR": PostgresTools.binDirectory])
        guard let port = values["PORT"], let config = values["CONFIG"] else {
            throw FixtureError(message: "Deploy/pg-pgbackrest.sh start printed no port or configuration: \(values)")
        }
        self.port = port
        self.config = config
    }

    public func connect(_ database: String = "postgres") throws -> Connection {
        try Connection(conninfo: "postgresql://postgres@127.0.0.1:\(port)/\(database)")
    }

    /// Runs `pgbackrest COMMAND` for stanza `main` as postgres, as the archive_command does.
    @discardableResult
    public func pgbackrest(_ command: String, _ options: [String] = []) throws -> String {
        let result = try TestProcess.run("/usr/sbin/runuser", ["-u", "postgres", "--", "pgbackrest", "--config=\(config)", "--stanza=main",
                                                               "--log-level-console=warn"] + options + [command])
        guard result.status == 0 else { throw FixtureError(message: "pgbackrest \(command) exited \(result.status): \(result.output)") }
        return result.output
    }

    /// Takes a backup of `type` (full, diff or incr) and returns its label.
    @discardableResult
    public func backup(_ type: String) throws -> String {
        try pgbackrest("backup", ["--type=\(type)"])
        return try info().sets.last!.label
    }

    /// `pgbackrest info --output=json`, read independently of the engine's reader.
    public func info() throws -> Info {
        let text = try pgbackrest("info", ["--output=json"])
        guard let stanzas = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]], let stanza = stanzas.first else {
            throw FixtureError(message: "pgbackrest info printed no stanza: \(text)")
        }
        let sets = (stanza["backup"] as? [[String: Any]] ?? []).map { backup in
            Info.Set(label: backup["label"] as? String ?? "", type: backup["type"] as? String ?? "",
                     start: ((backup["timestamp"] as? [String: Any])?["start"] as? NSNumber)?.int64Value ?? 0,
                     references: backup["reference"] as? [String] ?? [],
                     archiveStart: (backup["archive"] as? [String: Any])?["start"] as? String ?? "")
        }
        let oldestWAL = (stanza["archive"] as? [[String: Any]] ?? []).compactMap { $0["min"] as? String }.min()
        return Info(sets: sets, oldestWAL: oldestWAL)
    }

    public struct Info: Sendable, Equatable {
        public struct Set: Sendable, Equatable {
            public var label: String
            public var type: String
            public var start: Int64
            public var references: [String]
            public var archiveStart: String
        }

        public var sets: [Set]
        /// The oldest WAL segment in the archive.
        public var oldestWAL: String?

        public func set(_ label: String) -> Set? { sets.first { $0.label == label } }
    }

    /// Restores backup `label` (to its end) into a new data directory, starts it on another port,
    /// and returns that port.
    public func restore(_ label: String) throws -> String {
        let result = try TestProcess.run(Repository.root + "/Deploy/pg-pgbackrest.sh", ["restore", directory, label])
        guard result.status == 0, let line = result.output.split(separator: "\n").first(where: { $0.hasPrefix("RESTORED_PORT=") }) else {
            throw FixtureError(message: "Deploy/pg-pgbackrest.sh restore failed (\(result.status)): \(result.output)")
        }
        return String(line.dropFirst("RESTORED_PORT=".count))
    }

    public func stop() {
        _ = try? TestProcess.run(Repository.root + "/Deploy/pg-pgbackrest.sh", ["stop", directory])
    }
}
