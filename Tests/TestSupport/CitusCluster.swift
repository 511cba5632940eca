import Foundation
import Postgres

/// A Citus cluster for the tests: a coordinator and two workers from `Deploy/pg-citus.sh`, each
/// on its own port. One cluster serves every test of the process (`shared`); the script's
/// watchdog stops it when the test process ends. Each test makes its own database on all three
/// nodes, with the engine's schema on the coordinator (`fixture`).
public final class CitusCluster: Sendable {
    public let directory: String
    public let coordinatorPort: String
    public let workerPorts: [String]

    /// Why the Citus tests cannot run here, or nil when they can: Citus must be installed in the
    /// PostgreSQL 15 that `Deploy/test.sh` builds it for.
    /// The tests run once, in the pass on Debian's PostgreSQL 15 (the shared test server's).
    public static let unavailableReason: String? = {
        let serverDirectory = ProcessInfo.processInfo.environment["PGTHROWAWAY_BINDIR"] ?? ""
        if !serverDirectory.isEmpty, serverDirectory != "/usr/lib/postgresql/15/bin" {
            return "the Citus tests run in the pass on PostgreSQL 15, which Citus is built for"
        }
        guard let result = try? TestProcess.run(Repository.root + "/Deploy/pg-citus.sh", ["available"]) else {
            return "Deploy/pg-citus.sh could not be run"
        }
        return result.status == 0 ? nil : result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }()

    /// The cluster of this test process, started on first use.
    public static let shared: Result<CitusCluster, FixtureError> = {
        do { return .success(try CitusCluster()) } catch let error as FixtureError { return .failure(error) } catch {
            return .failure(FixtureError(message: "\(error)"))
        }
    }()

    private init() throws {
        directory = "/tmp/pg-citus.\(UUID().uuidString.prefix(8).lowercased())"
        let ports = try ServerScript.start("pg-citus.sh", directory: directory)
        guard let coordinator = ports["COORDINATOR_PORT"], let workers = ports["WORKER_PORTS"] else {
            throw FixtureError(message: "Deploy/pg-citus.sh start printed no ports: \(ports)")
        }
        coordinatorPort = coordinator
        workerPorts = workers.split(separator: ",").map(String.init)
    }

    /// A new database on every node with the extension, the workers added to the coordinator's
    /// metadata, `sql` run on the coordinator, and the engine's fixture on the coordinator's
    /// database; dropping the fixture drops the database on every node.
    public func fixture(_ label: String, sql: String) throws -> EngineFixture {
        let database = try TestDatabase.create(label, port: coordinatorPort)
        try prepare(database, sql: sql)
        return try EngineFixture.make(on: database, alsoOnPorts: workerPorts)
    }

    private func prepare(_ database: TestDatabase, sql: String) throws {
        try database.connect().execute("CREATE EXTENSION citus")
        for port in workerPorts {
            let admin = try Connection(conninfo: "postgresql://postgres@127.0.0.1:\(port)/postgres")
            try admin.execute("CREATE DATABASE \(Identifier.quote(database.name))")
            try Connection(conninfo: "postgresql://postgres@127.0.0.1:\(port)/\(database.name)").execute("CREATE EXTENSION citus")
        }
        let coordinator = try database.connect()
        try coordinator.execute("SELECT citus_set_coordinator_host('127.0.0.1', \(coordinatorPort))")
        for port in workerPorts { try coordinator.execute("SELECT citus_add_node('127.0.0.1', \(port))") }
        try CitusCluster.run(sql, in: database)
    }

    /// Runs each statement of `script` (split where a line ends with `;`) on its own on the
    /// coordinator: Citus refuses DDL on a distributed table in a string of several statements.
    public static func run(_ script: String, in database: TestDatabase) throws {
        let connection = try database.connect()
        var statement = ""
        for line in script.split(separator: "\n", omittingEmptySubsequences: false) {
            statement += line + "\n"
            if line.trimmingCharacters(in: .whitespaces).hasSuffix(";") {
                try connection.execute(statement)
                statement = ""
            }
        }
        if !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { try connection.execute(statement) }
    }

    /// The server log of a worker (what it ran, when the test turned statement logging on).
    public func workerLog(_ index: Int) -> String {
        (try? String(contentsOfFile: "\(directory)/worker\(index + 1)/server.log", encoding: .utf8)) ?? ""
    }
}
