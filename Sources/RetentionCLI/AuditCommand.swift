import RetentionCore

/// `retention audit`: whether every promise of the policy holds; only reads.
enum AuditCommand {
    static let spec = CommandSpec(
        name: "audit",
        summary: """
            retention audit checks that every promise of the policy holds: for each rule, the rows
            kept past their period plus the grace, split into held (a legal hold), blocked (referenced
            by rows that are not due) and pending (the engine should have removed them), and since
            when; erasure requests past their deadline; backup files and sets past their age. Each
            promise is kept, held or broken; one line per broken promise on stderr. It only reads.
            """,
        usage: ["retention audit --policy=FILE [--as-of=TIME] [--grace=DURATION] [--format=text|json|md|html] [OPTION]..."],
        options: [
            .value("as-of", "TIME", "audit as of TIME (ISO 8601; default: now)"),
            .value("format", "FORMAT", "text, json, md or html (default: text)"),
            .value("grace", "DURATION", "how long past due a row may still be there: N hours or a period (default: 2 days)"),
            .value("metrics-database", "NAME", "label every metric database=\"NAME\" (one file per database of a fleet)"),
            .value("metrics-file", "FILE", "write Prometheus metrics to FILE (node exporter textfile collector)"),
            CommonOptions.out, CommonOptions.policy, CommonOptions.pseudonymKeyFile,
            CommonOptions.migrationsDir, CommonOptions.databaseURL,
        ],
        page: .audit,
        notes: "Exit status of audit: 0 when no promise is broken, 1 when one is, 2 on a usage or policy error.")

    static func run(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(spec, raw)
        let out = try arguments.outputFile("out")
        let metrics = try arguments.outputFile("metrics-file")
        let metricsDatabase = arguments.value("metrics-database")
        if metricsDatabase != nil, metrics == nil {
            throw UsageError(message: "--metrics-database labels the metrics of --metrics-file; give both", command: "audit")
        }
        let policyPath = try arguments.required("policy")
        let asOf = try arguments.instant("as-of")
        var grace = AuditGrace.standard
        if let text = arguments.value("grace") {
            guard let parsed = AuditGrace(parsing: text) else {
                throw UsageError(message: "invalid value \"\(text)\" for option --grace; write N hours, N days, N months or ISO 8601 such as P2D", command: "audit")
            }
            grace = parsed
        }
        let format = try arguments.choice("format", ["text", "json", "md", "html"], default: "text")
        let policy = try PolicyParser.load(path: policyPath)
        let key = try Commands.pseudonymKey(arguments)
        let connection = try Commands.connectMigrated(arguments)
        let report = try Audit.run(policy: policy, asOf: asOf, grace: grace, pseudonymKey: key, connection: connection)
        let text = switch format {
        case "json": JSONWriter.write(report.json)
        case "md": report.markdown()
        case "html": report.html()
        default: report.text()
        }
        try Output.write(text, to: out)
        if let metrics { try AuditMetrics.write(report, database: metricsDatabase, to: metrics) }
        for promise in report.broken { Output.error(promise.line) }
        return report.broken.isEmpty ? .success : .failure
    }
}
