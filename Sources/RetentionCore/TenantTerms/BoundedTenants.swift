import Postgres

/// The tenants whose own term is outside a rule's `min` and `max` and so applied as the nearest
/// bound: named in `validate` and in a run's warnings.
enum BoundedTenants {
    /// One warning per bounded tenant of every rule with a per-tenant term, as of now, judged in
    /// the policy's time zone. Rules whose tenants table or column is missing are left to the
    /// schema check.
    static func warnings(_ policy: Policy, schema: Schema, connection: Connection) throws -> [PolicyProblem] {
        guard policy.rules.contains(where: { $0.due.perTenant != nil }) else { return [] }
        return try connection.transaction(readOnly: true) {
            try PolicyTime.enter(policy.timeZone, connection)
            return try warningsInZone(policy, schema: schema, connection: connection)
        }
    }

    /// The warnings, read in the policy's time zone.
    private static func warningsInZone(_ policy: Policy, schema: Schema, connection: Connection) throws -> [PolicyProblem] {
        var warnings: [PolicyProblem] = []
        for rule in policy.rules {
            guard let term = rule.due.perTenant, schema.tables[term.tenants.table]?.column(term.column) != nil else { continue }
            let bounds = try TenantTermBounds.read(term, due: rule.due, financialYearStartMonth: policy.financialYearStartMonth,
                                                   asOf: try RunStatements.nowText(connection), connection: connection).bounds
            var builder = SQLBuilder()
            let sql = TenantTermSQL(term, due: rule.due, bounds: bounds, &builder)
            for row in try connection.execute(sql.boundedTenants, builder.parameters).rows {
                let bound = row[2] == "max" ? "max \(term.max)" : "min \(term.min)"
                warnings.append(PolicyProblem(rule: rule.name, key: "due.perTenant",
                                              message: "tenant \(row[0] ?? "NULL") has term \(row[1] ?? "NULL") in column \"\(term.column)\", outside the rule's bounds: \(bound) applies"))
            }
        }
        return warnings
    }
}
