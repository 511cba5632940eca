import Postgres
import RetentionCore

/// `retention report`: the compliance report for one tenant's Owner.
enum ReportCommand {
    static let spec = CommandSpec(
        name: "report",
        summary: """
            retention report writes the compliance report for one tenant's Owner from the recorded
            runs: what was removed, under which rule and basis, when; the legal holds; what is kept
            because other records need it; what is scheduled next; and whether the audit trail of
            run reports is whole. It contains counts only, never personal data.
            """,
        usage: ["retention report --tenant=ID [OPTION]..."],
        options: [
            .value("format", "FORMAT", "json, md or html (default: json)"),
            .value("from", "TIME", "only batches at or after TIME (ISO 8601)"),
            CommonOptions.out,
            .value("policy", "FILE", "also show what is scheduled next for the tenant and what is kept past its period"),
            CommonOptions.pseudonymKeyFile, CommonOptions.stateDir,
            CommonOptions.tenant,
            .value("to", "TIME", "only batches before TIME (ISO 8601)"),
            CommonOptions.migrationsDir, CommonOptions.databaseURL,
        ],
        page: .operations)

    static func run(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(spec, raw)
        let out = try arguments.outputFile("out")
        let tenant = try arguments.required("tenant")
        let from = try arguments.instant("from")
        let to = try arguments.instant("to")
        if let from, let to, let start = Timestamps.date(from), let end = Timestamps.date(to), start > end {
            throw UsageError(message: "--from \(from) is later than --to \(to); the period would be empty", command: "report")
        }
        let format = try arguments.documentFormat()
        let policy = try arguments.value("policy").map { try PolicyParser.load(path: $0) }
        let pseudonymKey = try Commands.pseudonymKey(arguments)
        let connection = try Commands.connectMigrated(arguments)
        // A tenant whose own row is gone has nothing scheduled: the report leaves that section out.
        var plan: TerminationPlan?
        var key: TenantKey?
        if let policy {
            key = try policy.tenants.map { try TenantKey.load($0, connection: connection) }
            do {
                plan = try TerminationPlan.make(policy: policy, tenant: tenant, terminateAt: nil, connection: connection)
            } catch RunError.unknownTenant {
                plan = nil
            }
        }
        let store = StateDirectory.resolve(option: arguments.value("state-dir")).reports
        var report = try ComplianceReport.build(tenant: tenant, key: key, from: from, to: to, connection: connection, store: store, plan: plan)
        // What of a tenant that still exists is kept past its period, on a session of its own
        // (the audit's is READ ONLY and in the policy's time zone).
        if let policy, plan != nil {
            report.keptPastPeriod = try Audit.run(policy: policy, asOf: nil, grace: .standard, tenant: tenant, pseudonymKey: pseudonymKey,
                                                  connection: Commands.connect(arguments))
        }
        try Output.write(format.render(report), to: out)
        if !report.integrity.isIntact {
            for problem in report.integrity.problems { Output.warning(problem) }
        }
        return .success
    }
}
