import RetentionCore

/// `retention coverage`: personal-looking columns that no rule, subject target or `notPersonal` names.
enum CoverageCommand {
    static let spec = CommandSpec(
        name: "coverage",
        summary: """
            retention coverage lists the columns of the database that look personal (by name,
            type, comment or sampled values) and that no rule, subject target or notPersonal
            entry covers, and the tables it could not sample. Nothing is changed.
            """,
        usage: ["retention coverage --policy=FILE [--format=text|json] [--fail-on=uncovered|uncovered-sampled] [OPTION]..."],
        options: [
            CommonOptions.policy,
            .value("format", "FORMAT", "text (default) or json"),
            .value("fail-on", "WHAT", "uncovered: exit 1 on an uncovered column or a table not sampled; uncovered-sampled: on a column only"),
            CommonOptions.databaseURL,
        ],
        page: .coverage,
        notes: "A column is declared reviewed and not personal by a comment containing retention:not-personal, or in the policy's notPersonal.")

    static func run(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(spec, raw)
        let path = try arguments.required("policy")
        let format = try arguments.choice("format", ["text", "json"], default: "text")
        let gate = try arguments.choice("fail-on", CoverageGate.allCases.map(\.rawValue)).flatMap(CoverageGate.init(rawValue:))
        let policy = try PolicyParser.load(path: path)
        let scan = try CoverageScan.scan(policy, connection: try Commands.connect(arguments))
        if format == "json" {
            Output.out(scan.json, terminator: "")
        } else {
            for line in scan.lines { Output.out(line.escapingControlCharacters) }
        }
        return gate?.fails(scan) == true ? .failure : .success
    }
}
