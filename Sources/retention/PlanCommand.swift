import Postgres
import RetentionCore

/// `retention plan`: what a termination will do to one tenant's data. Read-only.
enum PlanCommand {
    static func run(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(command: "plan", raw, options: [.value("policy"), .value("tenant"), .value("terminate-at"),
                                                                      .value("format"), .value("out"), .value("database-url")])
        let policyPath = try arguments.required("policy")
        let tenant = try arguments.required("tenant")
        let terminateAt = try arguments.instant("terminate-at")
        let format = try arguments.choice("format", ["text", "json"], default: "text")
        let policy = try PolicyParser.load(path: policyPath)
        let connection = try Commands.connectMigrated(arguments)
        let plan = try TerminationPlan.make(policy: policy, tenant: tenant, terminateAt: terminateAt, connection: connection)
        let text = format == "json" ? JSONWriter.write(plan.json) : plan.text()
        try Output.write(text, to: arguments.value("out"))
        return .success
    }
}
