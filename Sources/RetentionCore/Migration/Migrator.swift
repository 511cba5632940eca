import Postgres

/// Applies the engine's numbered migrations in order, each in its own transaction, and records
/// each with its checksum in `retention.schema_migrations`.
public struct Migrator {
    /// What a migration step did.
    public enum Outcome: Sendable, Equatable {
        case applied(String)
        case alreadyApplied(String)
    }

    public let files: [MigrationFile]

    public init(files: [MigrationFile]) { self.files = files }

    /// Applies what is missing. Refuses (before applying anything) when an applied file changed.
    public func migrate(_ connection: Connection) throws -> [Outcome] {
        try connection.execute("SELECT pg_advisory_lock(hashtext('retention:migrate'))")
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock(hashtext('retention:migrate'))") }
        try connection.executeScript("""
            CREATE SCHEMA IF NOT EXISTS retention;
            CREATE TABLE IF NOT EXISTS retention.schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                sha256 text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
            );
            """)
        let applied = try appliedVersions(connection)
        try verify(applied)
        var outcomes: [Outcome] = []
        for file in files {
            if applied[file.version] != nil {
                outcomes.append(.alreadyApplied(file.name))
                continue
            }
            try connection.transaction {
                try connection.executeScript(file.sql)
                try connection.execute("INSERT INTO retention.schema_migrations (version, name, sha256) VALUES ($1, $2, $3)",
                                       [String(file.version), file.name, file.sha256])
            }
            outcomes.append(.applied(file.name))
        }
        return outcomes
    }

    /// Checks that the database has every migration applied, unchanged; used before a run.
    public func requireCurrent(_ connection: Connection) throws -> Bool {
        let exists = try connection.execute("SELECT to_regclass('retention.schema_migrations') IS NOT NULL").requiredScalar() == "t"
        guard exists else { return false }
        let applied = try appliedVersions(connection)
        try verify(applied)
        return files.allSatisfy { applied[$0.version] != nil }
    }

    private func verify(_ applied: [Int: (name: String, sha256: String)]) throws {
        for (version, record) in applied.sorted(by: { $0.key < $1.key }) {
            guard let file = files.first(where: { $0.version == version }) else {
                throw MigrationError.unknownApplied(version: version, name: record.name)
            }
            if file.sha256 != record.sha256 {
                throw MigrationError.changedAfterApplied(name: file.name, recorded: record.sha256, current: file.sha256)
            }
        }
    }

    private func appliedVersions(_ connection: Connection) throws -> [Int: (name: String, sha256: String)] {
        var applied: [Int: (name: String, sha256: String)] = [:]
        for row in try connection.execute("SELECT version, name, sha256 FROM retention.schema_migrations").rows {
            applied[Int(try row.int64(0))] = (try row.text(1), try row.text(2))
        }
        return applied
    }
}
