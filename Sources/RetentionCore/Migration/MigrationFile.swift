import Foundation

/// One numbered SQL file of the engine's own schema, such as `001_initial.sql`.
public struct MigrationFile: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var sql: String
    public var sha256: String

    /// Reads every `NNN_name.sql` file of `directory`, in version order.
    public static func load(directory: String) throws -> [MigrationFile] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw MigrationError.unreadable("could not read migrations directory \"\(directory)\"")
        }
        var files: [MigrationFile] = []
        for name in names.sorted() where name.hasSuffix(".sql") {
            let prefix = name.prefix { $0.isASCIIDigit }
            guard let version = Int(prefix), name.dropFirst(prefix.count).hasPrefix("_") else {
                throw MigrationError.unreadable("migration file \"\(name)\" is not named NNN_name.sql")
            }
            guard let data = FileManager.default.contents(atPath: directory + "/" + name),
                  let sql = String(data: data, encoding: .utf8) else {
                throw MigrationError.unreadable("could not read migration file \"\(name)\"")
            }
            if files.contains(where: { $0.version == version }) {
                throw MigrationError.unreadable("two migration files have version \(version)")
            }
            files.append(MigrationFile(version: version, name: name, sql: sql, sha256: SHA256.hexDigest(sql)))
        }
        guard !files.isEmpty else { throw MigrationError.unreadable("no migration files in \"\(directory)\"") }
        return files.sorted { $0.version < $1.version }
    }

    /// Finds the migrations directory: `$RETENTION_MIGRATIONS_DIR`, else `share/retention/migrations`
    /// beside the installed binary, else `Migrations/` of the source tree the binary was built in.
    public static func locateDirectory(executablePath: String = CommandLine.arguments[0],
                                       environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let configured = environment["RETENTION_MIGRATIONS_DIR"], !configured.isEmpty { return configured }
        var directory = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
        let installed = directory.deletingLastPathComponent().appendingPathComponent("share/retention/migrations").path
        if FileManager.default.fileExists(atPath: installed) { return installed }
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent("Migrations").path
            if FileManager.default.fileExists(atPath: candidate + "/001_initial.sql") { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }
}

/// Why `migrate` refused to go on.
public enum MigrationError: Error, Sendable, CustomStringConvertible {
    case unreadable(String)
    case changedAfterApplied(name: String, recorded: String, current: String)
    case unknownApplied(version: Int, name: String)

    public var description: String {
        switch self {
        case let .unreadable(message): return message
        case let .changedAfterApplied(name, recorded, current):
            return "migration \"\(name)\" was changed after it was applied (recorded sha256 \(recorded.prefix(12))…, file \(current.prefix(12))…); restore the file and put the change in a new numbered migration"
        case let .unknownApplied(version, name):
            return "the database has migration \(version) (\"\(name)\") that this version of retention does not know; upgrade retention"
        }
    }
}
