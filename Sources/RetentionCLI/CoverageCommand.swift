import RetentionCore

/// `retention coverage`: personal-looking columns that no rule, subject target or `notPersonal` names.
enum CoverageCommand {
    static let spec = CommandSpec(
        name: "coverage",
        summary: """
            retention coverage lists the columns of the database that look personal (by name,
            type or comment) and that no rule, subject target or notPersonal entry covers.
            Nothing is changed.
            """,
        usage: ["retention coverage --policy=FILE [--format=text|json] [--fail-on=uncovered] [OPTION]..."],
        options: [
            CommonOptions.policy,
            .value("format", "FORMAT", "text (default) or json"),
            .value("fail-on", "WHAT", "uncovered: exit 1 when a column is left uncovered"),
            CommonOptions.databaseURL,
        ],
        page: .coverage,
        notes: "A column is declared reviewed and not personal by a comment containing retention:not-personal, or in the policy's notPersonal.")

    static func run(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(spec, raw)
        let path = try arguments.required("policy")
        let format = try arguments.choice("format", ["text", "json"], default: "text")
        let failOn = try arguments.choice("fail-on", ["uncovered"])
        let policy = try PolicyParser.load(path: path)
        let scan = try CoverageScan.scan(policy, connection: try Commands.connect(arguments))
        Output.out(format == "json" ? scan.json : scan.text, terminator: "")
        return failOn != nil && !scan.findings.isEmpty ? .failure : .success
    }
}
