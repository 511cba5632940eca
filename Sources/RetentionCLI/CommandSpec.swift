import RetentionCore

/// One option of a command: what the parser accepts and what `--help` shows, from one entry.
struct OptionSpec: Sendable {
    enum Group: Sendable { case command, connection }

    let name: String
    /// The value's placeholder in help (`FILE`, `N`); nil for a flag.
    let valueName: String?
    let help: String
    var group = Group.command
    var repeatable = false

    var takesValue: Bool { valueName != nil }

    static func value(_ name: String, _ valueName: String, _ help: String, repeatable: Bool = false) -> OptionSpec {
        OptionSpec(name: name, valueName: valueName, help: help, repeatable: repeatable)
    }

    static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, valueName: nil, help: help)
    }

    /// `--name=VALUE` or `--name`, as help shows it.
    var synopsis: String { "--\(name)" + (valueName.map { "=\($0)" } ?? "") }
}

/// A command's table: its purpose, usage lines and options. `Arguments` parses by it and
/// `help` is rendered from it, so the two cannot drift apart.
struct CommandSpec: Sendable {
    /// As typed: `run`, `hold add`.
    let name: String
    let summary: String
    let usage: [String]
    let options: [OptionSpec]
    /// The page of docs/ that explains the command; its help ends by naming it.
    let page: DocsPage
    /// Arguments that are not options (`hold release ID`).
    var positionals = 0
    var notes: String?

    /// The `--help` text in the style of PostgreSQL's tools: purpose, usage, options, exit codes,
    /// then the page to read.
    var help: String {
        var lines = [summary, "", "Usage:"] + usage.map { "  " + $0 } + ["", "Options:"]
        lines += options.filter { $0.group == .command }.sorted { $0.name < $1.name }.map(Self.line)
        lines.append(Self.line(synopsis: "-?, --help", help: "show this help, then exit"))
        if let notes { lines += ["", notes] }
        let connection = options.filter { $0.group == .connection }
        if !connection.isEmpty {
            lines += ["", "Connection options:"] + connection.map(Self.line) + ["", CommonOptions.passwordWarning]
        }
        lines += ["", Help.exitCodes, "", "See \(page.rawValue)."]
        return lines.joined(separator: "\n")
    }

    private static func line(_ option: OptionSpec) -> String { line(synopsis: option.synopsis, help: option.help) }

    /// `  --synopsis` padded to a column of 27, or followed by two spaces when longer.
    private static func line(synopsis: String, help: String) -> String {
        let start = "  " + synopsis
        let padded = start.count < 27 ? start + String(repeating: " ", count: 27 - start.count) : start + "  "
        return padded + help
    }

    /// One help for several subcommands (`hold add|release|list`): every usage line, and each
    /// option once.
    static func merged(name: String, summary: String, page: DocsPage, notes: String?, _ specs: [CommandSpec]) -> CommandSpec {
        var options: [OptionSpec] = []
        for option in specs.flatMap(\.options) where !options.contains(where: { $0.name == option.name }) {
            options.append(option)
        }
        return CommandSpec(name: name, summary: summary, usage: specs.flatMap(\.usage), options: options, page: page, notes: notes)
    }
}

/// The pages of docs/ that commands' help points to, by their path in the repository.
enum DocsPage: String, Sendable {
    case policy = "docs/policy.md"
    case commands = "docs/commands.md"
    case operations = "docs/operations.md"
    case subjects = "docs/subjects.md"
    case coverage = "docs/coverage.md"
    case audit = "docs/audit.md"
}

/// Options that several commands share, written once.
enum CommonOptions {
    static let databaseURL = OptionSpec(name: "database-url", valueName: "URL",
                                        help: "connection URL (default: $DATABASE_URL, else libpq's PG* variables)", group: .connection)
    static let policy = OptionSpec.value("policy", "FILE", "the policy file (JSON)")
    static let migrationsDir = OptionSpec.value("migrations-dir", "DIR", "the numbered SQL files (default: found beside the binary)")
    static let stateDir = OptionSpec.value("state-dir", "DIR", "reports and erasure ledger (default: $STATE_DIRECTORY, else /var/lib/retention)")
    static let pseudonymKeyFile = OptionSpec.value("pseudonym-key-file", "FILE", "the secret key for hmac pseudonyms (default: $RETENTION_PSEUDONYM_KEY_FILE)")
    static let concurrency = OptionSpec.value("concurrency", "N", "connections working at once (default: 4)")
    static let tenant = OptionSpec.value("tenant", "ID", "the tenant")
    static let out = OptionSpec.value("out", "FILE", "write to FILE instead of stdout")
    static let maxReplicaLag = OptionSpec.value("max-replica-lag", "DURATION", "before each batch, wait while a standby replays more than DURATION behind (2s, 1m)")
    static let maxSlotLag = OptionSpec.value("max-slot-lag", "SIZE", "before each batch, wait while a replication slot retains more than SIZE of WAL (64MB, 1GB)")

    /// The lag limits given with `--max-replica-lag` and `--max-slot-lag`.
    static func throttle(_ arguments: Arguments) throws -> ThrottleLimits {
        ThrottleLimits(replicaLagSeconds: try arguments.duration("max-replica-lag"), slotLagBytes: try arguments.byteSize("max-slot-lag"))
    }

    static let passwordWarning = """
        A password written in --database-url can be read by other users of the machine in
        /proc/PID/cmdline for as long as the command runs. Keep it out of the command line:
        use a password file (PGPASSFILE, ~/.pgpass), a service file (PGSERVICE), or systemd's
        LoadCredential= as the shipped unit in Deploy/systemd does.
        """
}
