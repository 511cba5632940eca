import Postgres

/// Counts a rule's due rows by tenant: how many are due, held back, and blocked by each
/// foreign key. Used by `--dry-run` (before anything changes) and after a rule ran (to count
/// what was left and why).
public struct CountStatement: Sendable {
    public let sql: String
    public let parameters: [String?]

    /// The due rows of one referencing rule, for a dry run: a row referenced only by rows that
    /// this run will remove first does not count as blocked.
    public struct ReferencingRule: Sendable {
        public let plan: RulePlan
        public let bounds: RuleBounds
        public init(plan: RulePlan, bounds: RuleBounds) {
            self.plan = plan
            self.bounds = bounds
        }
    }

    /// Columns: tenant, matched, held, blocked (by any key), then one blocked count per key of
    /// `plan.blockingKeys`, in order. Held rows are not counted as blocked. Each key's referencing
    /// rows are read once, as a set joined to the due rows (which Citus pushes down when the
    /// tables are co-located). `holds`: the holds in force when they were read first.
    /// `earliest`: an expression over `r` whose least value over the due rows is added as a last
    /// column, in ISO 8601 UTC (the audit's earliest anchor).
    public static func make(_ plan: RulePlan, bounds: RuleBounds, referencingRules: [Identifier: [ReferencingRule]] = [:],
                            holds: HoldsInForce? = nil, earliest: String? = nil) -> CountStatement {
        var builder = SQLBuilder()
        let due = plan.duePredicate("r", bounds, &builder)
        let held = plan.heldPredicate("r", &builder, holds: holds) ?? "false"
        var perKey: [String] = []
        var joins: [String] = []
        for (index, key) in plan.blockingKeys.enumerated() {
            var exceptDue: String?
            if let rules = referencingRules[key.referencingRoot], !rules.isEmpty {
                exceptDue = rules.map { rule in
                    let due = rule.plan.duePredicate("c", rule.bounds, &builder)
                    return rule.plan.heldPredicate("c", &builder, holds: holds).map { "(\(due) AND NOT \($0))" } ?? "(\(due))"
                }.joined(separator: " OR ")
            }
            let join = plan.referencingJoin(key, "r", as: "k\(index)", exceptDue: exceptDue)
            joins.append(join.clause)
            perKey.append(join.present)
        }
        let anyKey = perKey.isEmpty ? "false" : perKey.joined(separator: " OR ")
        var columns = [
            "\(plan.tenantText("r")) AS tenant",
            "count(*) AS matched",
            "count(*) FILTER (WHERE \(held)) AS held",
            "count(*) FILTER (WHERE NOT \(held) AND (\(anyKey))) AS blocked",
        ]
        columns += perKey.map { "count(*) FILTER (WHERE NOT \(held) AND \($0))" }
        if let earliest { columns.append(SQLTime.isoUTC("min(\(earliest))")) }
        let from = ([plan.table.identifier.sql + " r"] + joins).joined(separator: " ")
        let sql = "SELECT \(columns.joined(separator: ", ")) FROM \(from) WHERE \(due) GROUP BY 1 ORDER BY 1"
        return CountStatement(sql: sql, parameters: builder.parameters)
    }
}
