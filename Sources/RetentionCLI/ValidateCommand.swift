import Postgres
import RetentionCore

/// `retention validate`: the policy file alone, and the live schema when a connection is configured.
enum ValidateCommand {
    static let spec = CommandSpec(
        name: "validate",
        summary: """
            retention validate checks a policy file: its format, and, when a connection is
            configured, every rule against the live schema. Nothing is changed.
            """,
        usage: ["retention validate --policy=FILE [OPTION]..."],
        options: [CommonOptions.policy, CommonOptions.maxReplicaLag, CommonOptions.maxSlotLag, CommonOptions.databaseURL],
        page: .policy,
        notes: "With --max-replica-lag or --max-slot-lag, also checks that the role can read the lag views the run will wait on.")

    static func run(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(spec, raw)
        let path = try arguments.required("policy")
        let throttle = try CommonOptions.throttle(arguments)
        let policy = try PolicyParser.load(path: path)
        guard ConnectionSource.isConfigured(databaseURL: arguments.value("database-url")) else {
            if !throttle.isEmpty {
                throw UsageError(message: "--max-replica-lag and --max-slot-lag check the lag views of a database: configure a connection (--database-url)", command: "validate")
            }
            Output.out("policy \"\(policy.name)\": \(counted(policy)) valid (file only: no database connection configured, live schema not checked)")
            return .success
        }
        let connection = try Commands.connect(arguments)
        let result = try PolicyValidation.validate(policy, connection: connection)
        for warning in result.warnings { Output.warning(warning.description) }
        guard result.problems.isEmpty else { throw PolicyError(problems: result.problems) }
        for forecast in try PartitionForecast.today(policy, schema: result.schema, connection: connection) {
            let rows = forecast.partitions.reduce(0) { $0 + $1.rows }
            let names = forecast.partitions.map { "\($0.name) (\($0.rows) rows)" }.joined(separator: ", ")
            Output.out("rule \"\(forecast.rule)\": would remove \(forecast.partitions.count) partitions whole today (\(rows) rows)\(names.isEmpty ? "" : ": " + names)")
            for note in forecast.notes { Output.out("rule \"\(forecast.rule)\": \(note)") }
        }
        let backups = try BackupForecast.today(policy, connection: connection)
        let unreadable = backups.compactMap { forecast in forecast.problem.map { PolicyProblem(rule: forecast.rule, key: "pgbackrest", message: $0) } }
        guard unreadable.isEmpty else { throw PolicyError(problems: unreadable) }
        for forecast in backups {
            let expired = forecast.sets.filter { $0.state == .due }
            let names = expired.map { "\($0.label) (\($0.kind.rawValue), started \($0.startISO))" }.joined(separator: ", ")
            Output.out("rule \"\(forecast.rule)\": would expire \(expired.count) backups today\(names.isEmpty ? "" : ": " + names)")
            for warning in forecast.warnings { Output.out("rule \"\(forecast.rule)\": \(warning)") }
        }

        for rule in policy.rules {
            guard let table = result.schema.table(of: rule),
                  case let .success(path) = try BatchPath.choose(rule: rule, table: table, connection: connection) else { continue }
            Output.out("rule \"\(rule.name)\": \(table.identifier) is a \(table.distribution.description); batches by \(path)")
            if let term = rule.due.perTenant {
                Output.out("rule \"\(rule.name)\": kept \(rule.due.periodDescription), each tenant's term read from \(term.tenants.table).\(term.column)")
            }
        }
        let access = try ThrottleAccess.problems(throttle, connection: connection)
        guard access.isEmpty else { throw RunError.usage(access.joined(separator: "\n")) }
        Output.out("policy \"\(policy.name)\": \(counted(policy)) valid against \(connection.target)")
        return .success
    }

    /// `5 rules`, and `and 7 subjects targets` when the policy has subjects.
    private static func counted(_ policy: Policy) -> String {
        "\(policy.rules.count) rules" + (policy.subjects.map { " and \($0.targets.count) subjects targets" } ?? "")
    }
}
