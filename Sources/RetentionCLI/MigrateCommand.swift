import Postgres
import RetentionCore

/// `retention migrate`: applies the engine's numbered migrations.
enum MigrateCommand {
    static let spec = CommandSpec(
        name: "migrate",
        summary: """
            retention migrate creates or upgrades the engine's own schema ("retention") in the
            target database. Applied migrations are recorded with a checksum; a second run does nothing.
            """,
        usage: ["retention migrate [OPTION]..."],
        options: [CommonOptions.migrationsDir, CommonOptions.databaseURL],
        page: .operations)

    static func run(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(spec, raw)
        let migrator = Migrator(files: try Commands.migrations(arguments))
        let connection = try Commands.connect(arguments)
        let outcomes = try migrator.migrate(connection)
        let applied = outcomes.compactMap { if case let .applied(name) = $0 { name } else { nil } }
        for name in applied { Output.out("applied \(name)") }
        if applied.isEmpty { Output.out("schema \"retention\" is up to date (\(outcomes.count) migrations applied)") }
        return .success
    }
}
