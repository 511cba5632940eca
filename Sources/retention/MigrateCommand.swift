import Postgres
import RetentionCore

/// `retention migrate`: applies the engine's numbered migrations.
enum MigrateCommand {
    static func run(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(command: "migrate", raw, options: [.value("database-url"), .value("migrations-dir")])
        let migrator = Migrator(files: try Commands.migrations(arguments))
        let connection = try Commands.connect(arguments)
        let outcomes = try migrator.migrate(connection)
        let applied = outcomes.compactMap { if case let .applied(name) = $0 { name } else { nil } }
        for name in applied { Output.out("applied \(name)") }
        if applied.isEmpty { Output.out("schema \"retention\" is up to date (\(outcomes.count) migrations applied)") }
        return .success
    }
}
