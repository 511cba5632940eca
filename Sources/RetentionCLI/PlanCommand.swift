import Postgres
import RetentionCore

/// `retention plan`: what a termination will do to one tenant's data. Read-only.
enum PlanCommand {
    static let spec = CommandSpec(
        name: "plan",
        summary: """
            retention plan shows what a contract termination will do to one tenant's data: for each
            rule, how many rows are deleted, pseudonymised or aggregated and on which date, what is
            kept and why, and the legal holds in force. It only reads.
            """,
        usage: ["retention plan --policy=FILE --tenant=ID [OPTION]..."],
        options: [
            .value("format", "FORMAT", "text or json (default: text)"),
            CommonOptions.out, CommonOptions.policy, CommonOptions.tenant,
            .value("terminate-at", "TIME", "plan as if terminated at TIME (default: now; a recorded termination always wins)"),
            CommonOptions.migrationsDir, CommonOptions.databaseURL,
        ],
        page: .operations)

    static func run(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(spec, raw)
        let out = try arguments.outputFile("out")
        let policyPath = try arguments.required("policy")
        let tenant = try arguments.required("tenant")
        let terminateAt = try arguments.instant("terminate-at")
        let format = try arguments.choice("format", ["text", "json"], default: "text")
        let policy = try PolicyParser.load(path: policyPath)
        let connection = try Commands.connectMigrated(arguments)
        let plan = try TerminationPlan.make(policy: policy, tenant: tenant, terminateAt: terminateAt, connection: connection)
        let text = format == "json" ? JSONWriter.write(plan.json) : plan.text()
        try Output.write(text, to: out)
        return .success
    }
}
