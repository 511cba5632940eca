import Foundation
import Postgres

/// A database with the engine's schema, a policy file and a state directory: what an
/// integration test needs to run `retention` for real and check the outcome with plain SQL.
public struct EngineFixture: Sendable {
    public let database: TestDatabase
    public let directory: String
    /// The ports of the servers that hold a database of the same name beside `database` (a Citus
    /// cluster's workers): `drop` drops it there too.
    public var alsoOnPorts: [String] = []

    /// Creates the database, runs `schemaSQL` in it, and applies the engine's migrations.
    public static func make(_ label: String, schemaSQL: String, port: String = TestDatabase.port) throws -> EngineFixture {
        try make(on: try TestDatabase.create(label, sql: schemaSQL, port: port))
    }

    /// The fixture on a database made elsewhere (on a Citus coordinator), with the engine's migrations applied.
    public static func make(on database: TestDatabase, alsoOnPorts: [String] = []) throws -> EngineFixture {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("retention-test-\(database.name)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fixture = EngineFixture(database: database, directory: directory, alsoOnPorts: alsoOnPorts)
        let migrate = try fixture.retention(["migrate"])
        guard migrate.status == 0 else { throw FixtureError(message: "migrate failed: \(migrate.stderr)") }
        return fixture
    }

    public var stateDirectory: String { directory + "/state" }

    /// Writes `json` as the policy file and returns its path.
    @discardableResult
    public func writePolicy(_ json: String, name: String = "policy.json") throws -> String {
        let path = directory + "/" + name
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs `retention` with the fixture's database URL added (and state directory for `run`).
    public func retention(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        try CommandRunner.run(withDefaults(arguments), environment: environment)
    }

    /// Starts `retention` without waiting.
    public func start(_ arguments: [String]) throws -> RunningCommand {
        try CommandRunner.start(withDefaults(arguments))
    }

    private func withDefaults(_ arguments: [String]) -> [String] {
        var full = arguments + ["--database-url", database.url]
        if arguments.first == "run" {
            full += ["--state-dir", stateDirectory]
            if !arguments.contains("--policy") { full += ["--policy", directory + "/policy.json"] }
        }
        return full
    }

    /// The newest report in the state directory, parsed.
    public func latestReport() throws -> [String: Any] {
        let reports = stateDirectory + "/reports"
        let names = try FileManager.default.contentsOfDirectory(atPath: reports).filter { $0.hasSuffix(".json") }.sorted()
        guard let last = names.last, let data = FileManager.default.contents(atPath: reports + "/" + last),
              let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError(message: "no report in \(reports)")
        }
        return object
    }

    /// The report's entry for `rule`.
    public func ruleReport(_ rule: String) throws -> [String: Any] {
        let rules = try latestReport()["rules"] as? [[String: Any]] ?? []
        guard let entry = rules.first(where: { $0["name"] as? String == rule }) else {
            throw FixtureError(message: "no rule \(rule) in the report")
        }
        return entry
    }

    public func drop() {
        database.drop()
        for port in alsoOnPorts { TestDatabase(name: database.name, port: port).drop() }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

extension Dictionary where Key == String, Value == Any {
    /// An integer field of a parsed report.
    public func int(_ key: String) -> Int64 { (self[key] as? NSNumber)?.int64Value ?? -1 }
}

extension EngineFixture {
    /// Loads the demo's schema and data (`Deploy/demo-*.sql`, `asOf` and `scale` as the demo
    /// takes them) and writes the demo policy as the fixture's policy; returns its path.
    @discardableResult
    public func loadDemo(asOf: String, scale: String) throws -> String {
        guard try PostgresTools.psqlFile(database.url, Repository.root + "/Deploy/demo-schema.sql") == 0,
              try PostgresTools.psqlFile(database.url, Repository.root + "/Deploy/demo-data.sql", variables: ["asof": asOf, "scale": scale]) == 0 else {
            throw FixtureError(message: "the demo schema or data did not load")
        }
        return try writePolicy(try String(contentsOfFile: Repository.root + "/Jobs/demo-policy.json", encoding: .utf8))
    }
}

extension EngineFixture {
    /// Drops the fixture's database and `role` (a role a test created; roles belong to the server,
    /// not to the database, so they outlive it otherwise).
    public func drop(role: String) {
        drop()
        _ = try? Connection(conninfo: "postgresql://postgres@127.0.0.1:\(database.port)/postgres").execute("DROP ROLE IF EXISTS \(Identifier.quote(role))")
    }
}

/// The demo at the night before a backup: its data loaded, everything due so far erased by a
/// run, and a tenant chosen that is not terminated and has users; the restore tests terminate
/// and erase it after the backup.
public struct DemoNight {
    public let fixture: EngineFixture
    public let asOf = "2026-11-25T00:00:00Z"
    /// The pseudonym key file the runs use.
    public let key: String
    public let tenant: String
    /// The tables that hold the tenant's rows.
    public static let tenantTables = ["users", "objectives", "key_results", "check_ins", "comments"]

    /// `run` with the night's options.
    public var run: [String] { ["run", "--as-of", asOf, "--pseudonym-key-file", key] }

    public init(_ fixture: EngineFixture) throws {
        self.fixture = fixture
        try fixture.loadDemo(asOf: asOf, scale: "0.05")
        key = fixture.directory + "/key"
        try Data(repeating: 42, count: 32).write(to: URL(fileURLWithPath: key))
        guard try fixture.retention(["run", "--as-of", asOf, "--pseudonym-key-file", key]).status == 0 else {
            throw FixtureError(message: "the demo's nightly run failed")
        }
        tenant = try fixture.database.connect().execute("""
            SELECT id::text FROM organizations WHERE terminated_at IS NULL AND EXISTS (SELECT 1 FROM users u WHERE u.organization_id = organizations.id) ORDER BY id LIMIT 1
            """).requiredScalar()
    }
}
