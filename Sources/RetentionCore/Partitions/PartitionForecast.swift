import Postgres

/// For `validate`: the partitions each rule with `partitions: drop|detach` would remove if it
/// ran now, read (only reads; the counts in READ ONLY transactions) in the policy's time zone,
/// which the session is set to; and pg_partman
/// retention configured for the same tables (two owners of one retention).
public enum PartitionForecast {
    public struct RuleForecast: Sendable {
        public var rule: String
        public var partitions: [PartitionOutcome]
        /// Why wholly due partitions stay (held rows, references, another owner).
        public var notes: [String]
    }

    public static func today(_ policy: Policy, schema: Schema, connection: Connection) throws -> [RuleForecast] {
        let rules = policy.rules.filter(\.partitions.removesPartitions)
        guard !rules.isEmpty else { return [] }
        try PolicyTime.enterSession(policy.timeZone, connection)
        let covered = schema.tablesEmptied(by: policy.rules)
        let reading = try PersonHolds.Reading.session(key: nil, policy: policy, connection)
        return try rules.compactMap { rule -> RuleForecast? in
            guard let table = schema.table(of: rule) else { return nil }
            let plan = RulePlan(rule: rule, table: table, schema: schema, coveredTables: covered,
                                personHolds: PersonHolds.of(table, policy: policy, schema: schema, reading: reading))
            let bounds = try RuleStart.bounds(for: rule, policy: policy, asOf: nil, replay: [], onlyTenant: nil, connection: connection)
            let (partitions, notes) = try PartitionProof.forecast(plan, bounds, connection: connection)
            return RuleForecast(rule: rule.name, partitions: partitions, notes: notes)
        }
    }

    /// Rules whose table pg_partman also expires (`part_config.retention` set): a warning each.
    static func partmanWarnings(_ policy: Policy, schema: Schema, connection: Connection) throws -> [PolicyProblem] {
        guard let extensionSchema = try connection.execute(PartitionStatements.partmanSchema).rows.first?[0] else { return [] }
        var warnings: [PolicyProblem] = []
        for rule in policy.rules {
            guard let table = schema.table(of: rule), table.kind == .partitioned else { continue }
            let parent = "\(table.identifier.schema ?? "public").\(table.identifier.name)"
            guard let retention = try connection.execute(PartitionStatements.partmanRetention(schema: extensionSchema), [parent]).rows.first?[0] else { continue }
            warnings.append(PolicyProblem(rule: rule.name, key: "table", message: "pg_partman also expires partitions of \(table.identifier) (part_config.retention = \(retention)): two owners of one retention; set its retention to NULL and let this rule decide, or drop the rule"))
        }
        return warnings
    }
}
