import Foundation
import Postgres
import RetentionCore

/// Routes a command line to its command and turns errors into messages and exit codes.
public enum Commands {
    /// Every command's table, for `--help`.
    static let specs: [CommandSpec] = [
        ValidateCommand.spec, MigrateCommand.spec, RunCommand.spec, HoldCommand.spec, PlanCommand.spec,
        ReportCommand.spec, ReplayCommand.spec, GrantsCommand.spec, RequestCommand.spec, ExtractCommand.spec,
        CoverageCommand.spec, ScheduleCommand.spec, AuditCommand.spec,
    ]

    public static func dispatch(_ arguments: [String]) -> ExitCode {
        guard let command = arguments.first else {
            Output.err(Help.main)
            return .usage
        }
        switch command {
        case "--help", "-?", "help":
            Output.out(Help.main)
            return .success
        case "--version", "-V":
            Output.out(Help.version)
            return .success
        default:
            break
        }
        let rest = Array(arguments.dropFirst())
        if rest.contains("--help") || rest.contains("-?") {
            guard let text = Help.text(for: command) else { return unknown(command) }
            Output.out(text)
            return .success
        }
        do {
            switch command {
            case "validate": return try ValidateCommand.run(rest)
            case "migrate": return try MigrateCommand.run(rest)
            case "run": return try RunCommand.run(rest)
            case "hold": return try HoldCommand.run(rest)
            case "plan": return try PlanCommand.run(rest)
            case "report": return try ReportCommand.run(rest)
            case "replay": return try ReplayCommand.run(rest)
            case "grants": return try GrantsCommand.run(rest)
            case "request": return try RequestCommand.run(rest)
            case "extract": return try ExtractCommand.run(rest)
            case "coverage": return try CoverageCommand.run(rest)
            case "schedule": return try ScheduleCommand.run(rest)
            case "audit": return try AuditCommand.run(rest)
            default: return unknown(command)
            }
        } catch let usage as UsageError {
            Output.error(usage.message)
            Output.err("Try \"retention \(usage.command.map { $0 + " " } ?? "")--help\" for more information.")
            return .usage
        } catch let failure as CommandFailure {
            for message in failure.messages { Output.error(message) }
            return failure.exitCode
        } catch {
            Output.error("\(error)")
            return .failure
        }
    }

    private static func unknown(_ command: String) -> ExitCode {
        Output.error("unknown command \"\(command)\"")
        Output.err("Try \"retention --help\" for more information.")
        return .usage
    }

    /// The migrations: `--migrations-dir`, else found beside the binary or in the source tree.
    static func migrations(_ arguments: Arguments) throws -> [MigrationFile] {
        guard let directory = arguments.value("migrations-dir") ?? MigrationFile.locateDirectory() else {
            throw MigrationError.unreadable("could not find the migrations directory; set --migrations-dir or RETENTION_MIGRATIONS_DIR")
        }
        return try MigrationFile.load(directory: directory)
    }

    /// The pseudonym key: `--pseudonym-key-file`, else `$RETENTION_PSEUDONYM_KEY_FILE`, else none.
    static func pseudonymKey(_ arguments: Arguments) throws -> PseudonymKey? {
        guard let path = arguments.value("pseudonym-key-file") ?? ProcessInfo.processInfo.environment["RETENTION_PSEUDONYM_KEY_FILE"] else { return nil }
        do {
            return try PseudonymKey.load(path: path)
        } catch {
            throw UsageError(message: error.description, command: arguments.command)
        }
    }

    /// Opens the command's connection and checks that the engine's schema is migrated and
    /// current, exactly as `run` does.
    static func connectMigrated(_ arguments: Arguments) throws -> Connection {
        let connection = try connect(arguments)
        guard try Migrator(files: migrations(arguments)).requireCurrent(connection) else { throw RunError.notMigrated }
        return connection
    }

    /// Opens the command's connection, turning a failure into one clear message.
    static func connect(_ arguments: Arguments) throws -> Connection {
        try ConnectionSource.resolve(databaseURL: arguments.value("database-url")).connect()
    }
}
