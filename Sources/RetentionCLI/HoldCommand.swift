import Foundation
import Postgres
import RetentionCore

/// `retention hold add|release|list`: legal holds.
enum HoldCommand {
    static let addSpec = CommandSpec(
        name: "hold add", summary: "retention hold add places a legal hold on a tenant or on one person.",
        usage: ["retention hold add --tenant=ID --reason=TEXT --policy=FILE [--rule=NAME] [--by=NAME]",
                "retention hold add --subject=NAME=VALUE --reason=TEXT --policy=FILE [--by=NAME] [--pseudonym-key-file=FILE]"],
        options: [
            .value("tenant", "ID", "the tenant to hold"),
            .value("subject", "NAME=VALUE", "the person to hold, by a column of the policy's subjects map (stored only as HMACs)"),
            .value("reason", "TEXT", "why the data is held: a case number, a decision"),
            .value("rule", "NAME", "hold only this rule (default: every rule; not with --subject)"),
            by, .value("policy", "FILE", "the policy whose tenants table the tenant, or whose subjects map the person, must exist in"),
            CommonOptions.pseudonymKeyFile, CommonOptions.migrationsDir, CommonOptions.databaseURL,
        ],
        page: .operations)
    static let releaseSpec = CommandSpec(
        name: "hold release", summary: "retention hold release releases a legal hold.",
        usage: ["retention hold release ID [--by=NAME]"],
        options: [by, CommonOptions.migrationsDir, CommonOptions.databaseURL], page: .operations, positionals: 1)
    static let listSpec = CommandSpec(
        name: "hold list", summary: "retention hold list lists the legal holds.",
        usage: ["retention hold list [--all] [--format=text|json]"],
        options: [.flag("all", "list released holds too"), .value("format", "FORMAT", "text or json (default: text)"),
                  CommonOptions.migrationsDir, CommonOptions.databaseURL],
        page: .operations)
    static let spec = CommandSpec.merged(
        name: "hold",
        summary: """
            retention hold places, releases and lists legal holds. A held tenant's rows are kept
            from every rule (or the one named) until the hold is released; a held person's rows
            from every rule and every erasure request. Holds are never deleted.
            """,
        page: .operations,
        notes: "`hold add` prints the new hold's id alone on stdout.",
        [addSpec, releaseSpec, listSpec])
    private static let by = OptionSpec.value("by", "NAME", "who places or releases the hold (default: the login name)")

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

    private static func add(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(addSpec, raw)
        let holder = try holder(arguments)
        let reason = try arguments.required("reason")
        let policy = try PolicyParser.load(path: try arguments.required("policy"))
        let connection = try Commands.connectMigrated(arguments)
        do {
            let book = HoldBook(connection: connection)
            let person = ActingPerson.name(arguments)
            let id = switch holder {
            case let .tenant(tenant): try book.add(tenant: tenant, reason: reason, rule: arguments.value("rule"), by: person, policy: policy)
            case let .person(subject, key): try book.add(subject: subject, reason: reason, by: person, policy: policy, key: key)
            }
            Output.out(String(id))
            return .success
        } catch let error as HoldBook.HoldError {
            Output.error(error.description)
            return .usage
        } catch let error as RequestBook.RequestError {
            Output.error(error.description)
            return .usage
        }
    }

    /// Whom `hold add` holds: `--tenant`, or `--subject` (which needs the pseudonym key and
    /// holds from every rule).
    private enum Holder {
        case tenant(String)
        case person(subject: String, key: PseudonymKey)
    }

    private static func holder(_ arguments: Arguments) throws -> Holder {
        switch (arguments.value("tenant"), arguments.value("subject")) {
        case let (tenant?, nil):
            return .tenant(tenant)
        case let (nil, subject?):
            guard arguments.value("rule") == nil else {
                throw UsageError(message: "options --subject and --rule cannot be used together: a hold on a person keeps their rows from every rule", command: "hold add")
            }
            guard let key = try Commands.pseudonymKey(arguments) else {
                throw UsageError(message: "option --pseudonym-key-file is required with --subject: the hold keeps only the HMACs of the person's values", command: "hold add")
            }
            return .person(subject: subject, key: key)
        default:
            throw UsageError(message: "hold add needs either --tenant or --subject", command: "hold add")
        }
    }

    private static func release(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(releaseSpec, raw)
        guard let text = arguments.positionals.first else { throw UsageError(message: "hold release needs the hold's id", command: "hold release") }
        guard let id = Int64(text), id > 0 else { throw UsageError(message: "invalid hold id \"\(text)\"", command: "hold release") }
        let connection = try Commands.connectMigrated(arguments)
        do {
            try HoldBook(connection: connection).release(id: id, by: ActingPerson.name(arguments))
            Output.out("released legal hold \(id)")
            return .success
        } catch let error as HoldBook.HoldError {
            Output.error(error.description)
            return .usage
        }
    }

    private static func list(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(listSpec, raw)
        let format = try arguments.choice("format", ["text", "json"], default: "text")
        let connection = try Commands.connectMigrated(arguments)
        let holds = arguments.flag("all") ? try LegalHold.all(connection) : try LegalHold.active(connection)
        if format == "json" {
            Output.out(JSONWriter.write(.array(holds.map(\.json))), terminator: "")
            return .success
        }
        if holds.isEmpty { Output.out(arguments.flag("all") ? "no legal holds" : "no legal holds in force") }
        for hold in holds {
            var line = "\(hold.id)\t\(hold.holder.description)\t\(hold.rule.map { "rule \($0)" } ?? "all rules")\tplaced \(hold.placedAt) by \(hold.placedBy)"
            if let releasedAt = hold.releasedAt { line += "\treleased \(releasedAt) by \(hold.releasedBy ?? "?")" }
            line += "\t\(hold.reason)"
            // Tenants, names and reasons come from people: one hold stays one line.
            line = line.split(separator: "\t", omittingEmptySubsequences: false).map { String($0).escapingControlCharacters }.joined(separator: "\t")
            Output.out(line)
        }
        return .success
    }
}
