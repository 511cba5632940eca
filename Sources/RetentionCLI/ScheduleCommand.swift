import RetentionCore

/// `retention schedule`: the public retention schedule and the record of processing, from the
/// policy alone.
enum ScheduleCommand {
    static let spec = CommandSpec(
        name: "schedule",
        summary: """
            retention schedule writes the retention schedule a privacy policy publishes, generated
            from the policy the engine enforces: per category what happens (deleted, pseudonymised,
            aggregated), when, the basis and the exceptions; how erasure requests are answered; how
            long backups hold deleted data; then the record of processing (GDPR Art. 30(1)). It
            reads the policy only, no database.
            """,
        usage: ["retention schedule --policy=FILE [--format=md|html|json] [--out=FILE]"],
        options: [
            .value("format", "FORMAT", "md, html or json (default: md)"),
            CommonOptions.out, CommonOptions.policy,
        ],
        page: .audit)

    static func run(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(spec, raw)
        let out = try arguments.outputFile("out")
        let policyPath = try arguments.required("policy")
        let format = DocumentFormat(rawValue: try arguments.choice("format", ["md", "html", "json"], default: "md")) ?? .md
        let policy = try PolicyParser.load(path: policyPath)
        try Output.write(format.render(RetentionSchedule(policy: policy)), to: out)
        return .success
    }
}
