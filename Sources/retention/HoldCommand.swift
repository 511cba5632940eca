import Foundation
import Postgres
import RetentionCore

/// `retention hold add|release|list`: legal holds.
enum HoldCommand {
    static func run(_ raw: [String]) throws -> ExitCode {
        guard let verb = raw.first else {
            throw UsageError(message: "hold needs a verb: add, release or list", command: "hold")
        }
        let rest = Array(raw.dropFirst())
        switch verb {
        case "add": return try add(rest)
        case "release": return try release(rest)
        case "list": return try list(rest)
        default: throw UsageError(message: "unknown hold verb \"\(verb)\"; use add, release or list", command: "hold")
        }
    }

    /// Who is acting: `--by`, else the login name (from the environment, else the process's user).
    private static func person(_ arguments: Arguments) -> String {
        let environment = ProcessInfo.processInfo.environment
        return arguments.value("by") ?? environment["SUDO_USER"] ?? environment["USER"] ?? environment["LOGNAME"] ?? processUser ?? "unknown"
    }

    /// The name of the process's effective user in the password database.
    private static var processUser: String? {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }

    private static func add(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(command: "hold add", raw, options: [.value("tenant"), .value("reason"), .value("rule"), .value("by"),
                                                                          .value("policy"), .value("database-url")])
        let tenant = try arguments.required("tenant")
        let reason = try arguments.required("reason")
        let policy = try PolicyParser.load(path: try arguments.required("policy"))
        let connection = try Commands.connectMigrated(arguments)
        do {
            let id = try HoldBook(connection: connection).add(tenant: tenant, reason: reason, rule: arguments.value("rule"),
                                                              by: person(arguments), policy: policy)
            Output.out(String(id))
            return .success
        } catch let error as HoldBook.HoldError {
            Output.error(error.description)
            return .usage
        }
    }

    private static func release(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(command: "hold release", raw, options: [.value("by"), .value("database-url")], positionals: 1)
        guard let text = arguments.positionals.first else { throw UsageError(message: "hold release needs the hold's id", command: "hold release") }
        guard let id = Int64(text), id > 0 else { throw UsageError(message: "invalid hold id \"\(text)\"", command: "hold release") }
        let connection = try Commands.connectMigrated(arguments)
        do {
            try HoldBook(connection: connection).release(id: id, by: person(arguments))
            Output.out("released legal hold \(id)")
            return .success
        } catch let error as HoldBook.HoldError {
            Output.error(error.description)
            return .usage
        }
    }

    private static func list(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(command: "hold list", raw, options: [.flag("all"), .value("format"), .value("database-url")])
        let format = try arguments.choice("format", ["text", "json"], default: "text")
        let connection = try Commands.connectMigrated(arguments)
        let holds = arguments.flag("all") ? try LegalHold.all(connection) : try LegalHold.active(connection)
        if format == "json" {
            Output.out(JSONWriter.write(.array(holds.map(\.json))), terminator: "")
            return .success
        }
        if holds.isEmpty { Output.out(arguments.flag("all") ? "no legal holds" : "no legal holds in force") }
        for hold in holds {
            var line = "\(hold.id)\ttenant \(hold.tenant)\t\(hold.rule.map { "rule \($0)" } ?? "all rules")\tplaced \(hold.placedAt) by \(hold.placedBy)"
            if let releasedAt = hold.releasedAt { line += "\treleased \(releasedAt) by \(hold.releasedBy ?? "?")" }
            line += "\t\(hold.reason)"
            Output.out(line)
        }
        return .success
    }
}
