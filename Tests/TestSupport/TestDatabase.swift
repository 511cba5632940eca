import Foundation
import Postgres

/// A fresh database on the throwaway server that `Deploy/test.sh` starts, dropped by `drop()`.
///
/// The server is found through `PGHOST` and `PGPORT` (exported by the test script); tests fail
/// with a clear message when they are missing rather than skipping in silence.
public struct TestDatabase: Sendable {
    public let name: String
    /// The server's port: the shared test server's, or another server's (a `StandbyPair`'s primary).
    public var port: String = TestDatabase.port

    public static var port: String {
        guard let port = ProcessInfo.processInfo.environment["PGPORT"] else {
            fatalError("PGPORT is not set: run the tests with Deploy/test.sh, which starts a throwaway PostgreSQL")
        }
        return port
    }

    /// A database that exists already, such as one a restore brought back on another server.
    public init(name: String, port: String) {
        self.name = name
        self.port = port
    }

    /// The URL of this database over TCP on 127.0.0.1.
    public var url: String { "postgresql://postgres@127.0.0.1:\(port)/\(name)" }

    /// Creates an empty database with a unique name.
    public static func create(_ label: String = "t", port: String = TestDatabase.port) throws -> TestDatabase {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let name = "\(label.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "_" })_\(suffix)"
        let admin = try Connection(conninfo: "postgresql://postgres@127.0.0.1:\(port)/postgres")
        try admin.execute("CREATE DATABASE \(Identifier.quote(name))")
        return TestDatabase(name: name, port: port)
    }

    /// Creates a database and runs `sql` in it.
    public static func create(_ label: String = "t", sql: String, port: String = TestDatabase.port) throws -> TestDatabase {
        let database = try create(label, port: port)
        try database.connect().executeScript(sql)
        return database
    }

    public func connect() throws -> Connection { try Connection(conninfo: url) }

    /// Drops the database, ending any session still in it.
    public func drop() {
        guard let admin = try? Connection(conninfo: "postgresql://postgres@127.0.0.1:\(port)/postgres") else { return }
        _ = try? admin.execute("DROP DATABASE IF EXISTS \(Identifier.quote(name)) WITH (FORCE)")
    }

    /// A checksum of every row of `table`, in primary-key order: equal checksums, equal contents.
    public func checksum(_ table: String, orderBy: String = "1") throws -> String {
        try connect().execute("SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY \(orderBy)), '')) FROM \(table) t").requiredScalar()
    }

    /// How many keys are in one of `expected` and `actual` but not in the other (0: the same rows
    /// survived), matched on the columns `key` (such as `id` or `org, member`).
    public func keyDifferences(expected: String, actual: String, key: String) throws -> Int64 {
        let first = key.split(separator: ",")[0].trimmingCharacters(in: .whitespaces)
        return try count("SELECT count(*) FROM \(expected) e FULL JOIN \(actual) a USING (\(key)) WHERE e.\(first) IS NULL OR a.\(first) IS NULL")
    }

    /// The single integer that `sql` returns.
    public func count(_ sql: String, _ parameters: [String?] = []) throws -> Int64 {
        try connect().execute(sql, parameters).int64()
    }
}

/// Where the repository is, for the migrations, demo files and the built binary.
public enum Repository {
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        fatalError("could not find the repository root above \(#filePath)")
    }()

    public static var migrations: String { root + "/Migrations" }

    /// The `retention` binary built by `swift build`.
    public static var binary: String {
        ProcessInfo.processInfo.environment["RETENTION_BIN"] ?? root + "/.build/debug/retention"
    }
}
