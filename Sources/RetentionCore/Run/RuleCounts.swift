import Postgres

/// A rule's due rows counted by tenant: matched, held back, blocked (in all and per key).
struct RuleCounts {
    struct Row {
        var tenant: String?
        var matched: Int64
        var held: Int64
        var blocked: Int64
    }

    var rows: [Row] = []
    var blockedByKey: [(constraint: String, rows: Int64)] = []
    /// The least value of `earliest` over the due rows of each tenant (ISO 8601 UTC), when asked.
    var earliestByTenant: [(tenant: String?, earliest: String)] = []

    /// `earliest`: an expression over `r` whose least value per tenant is read too (`CountStatement`).
    static func read(_ plan: RulePlan, bounds: RuleBounds, referencingRules: [Identifier: [CountStatement.ReferencingRule]],
                     earliest: String? = nil, connection: Connection) throws -> RuleCounts {
        // Nothing to count (and Citus on PostgreSQL 15 refuses an outer join beside a constant `false`).
        guard plan.canHaveDueRows(bounds) else { return RuleCounts() }
        let statement = CountStatement.make(plan, bounds: bounds, referencingRules: referencingRules, holds: try HoldsInForce.read(for: plan, connection),
                                            earliest: earliest)
        let result = try connection.longRead(statement.sql, statement.parameters)
        var counts = RuleCounts()
        var perKey = [Int64](repeating: 0, count: plan.blockingKeys.count)
        for row in result.rows {
            counts.rows.append(Row(tenant: row[0], matched: try row.int64(1), held: try row.int64(2), blocked: try row.int64(3)))
            for index in perKey.indices { perKey[index] += try row.int64(4 + index) }
            if earliest != nil, let value = row[4 + perKey.count] { counts.earliestByTenant.append((row[0], value)) }
        }
        counts.blockedByKey = zip(plan.blockingKeys, perKey).filter { $0.1 > 0 }.map { ($0.0.name, $0.1) }
        return counts
    }

    /// Fills the result's counts: rows still due after the batches (`rows`) plus what the batches
    /// changed (`affected`, by tenant). What is still due and neither held nor blocked was skipped.
    func apply(to result: inout RuleResult, affected: [String?: Int64], dryRun: Bool) {
        var tenants: [String: TenantResult] = [:]
        result.affected = affected.values.reduce(0, +)
        result.matched = result.affected
        for (tenant, count) in affected {
            guard let tenant else { continue }
            tenants[tenant, default: TenantResult(tenant: tenant)].affected += count
            tenants[tenant, default: TenantResult(tenant: tenant)].matched += count
        }
        for row in rows {
            result.matched += row.matched
            result.heldBack += row.held
            result.blocked += row.blocked
            if !dryRun { result.skipped += row.matched - row.held - row.blocked }
            guard let tenant = row.tenant else { continue }
            tenants[tenant, default: TenantResult(tenant: tenant)].matched += row.matched
            tenants[tenant, default: TenantResult(tenant: tenant)].heldBack += row.held
            tenants[tenant, default: TenantResult(tenant: tenant)].blocked += row.blocked
        }
        result.blockedBy = blockedByKey
        result.tenants = tenants.values.sorted { TenantOrder.precedes($0.tenant, $1.tenant) }
    }
}

/// Orders tenant keys numerically when both are integers, else as text.
enum TenantOrder {
    static func precedes(_ left: String, _ right: String) -> Bool {
        if let l = Int64(left), let r = Int64(right) { return l < r }
        return left < right
    }
}
