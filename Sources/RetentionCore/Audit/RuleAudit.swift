import Postgres

/// A rule's promise at the audit's instant: its rows that were already due then, split into
/// held, blocked and pending, and since when the earliest of them is due. Counted by the
/// statement a dry run counts with (`RuleCounts`), with the rule's own due, hold and reference
/// predicates (`RulePlan`); only the instant differs.
enum RuleAudit {
    /// `bounds`: the rule's bounds at asOf minus the grace. `referencing`: the rules that remove
    /// rows from the tables referencing this one, with their bounds: a row referenced only by
    /// rows that are themselves overdue is pending, not blocked (both should be gone).
    static func promise(_ plan: RulePlan, bounds: RuleBounds, referencing: [Identifier: [CountStatement.ReferencingRule]],
                        policy: Policy, schema: Schema, asOf: String, connection: Connection) throws -> Promise {
        let rule = plan.rule
        let earliest = YearAlignmentSQL.anchor(rule, financialYearStartMonth: policy.financialYearStartMonth,
                                               column: { "\(plan.column($0, "r"))::timestamptz" }, terminatedAt: nil)
        let counts = try RuleCounts.read(plan, bounds: bounds, referencingRules: referencing, earliest: earliest, connection: connection)
        var overdue = Promise.Overdue()
        for row in counts.rows {
            overdue.held += row.held
            overdue.blocked += row.blocked
            overdue.pending += row.matched - row.held - row.blocked
        }
        var promise = Promise(kind: .rule, name: rule.name, overdue: overdue, blockedBy: counts.blockedByKey.map(\.constraint))
        guard overdue.total > 0 else { return promise }
        if let term = rule.due.perTenant, let termBounds = bounds.perTenant, let source = policy.tenants {
            (promise.overdueSince, promise.overdueDays) = try overdueSince(plan, term, termBounds, counts: counts, key: TenantKey(source: source, schema: schema),
                                                                           policy: policy, asOf: asOf, connection: connection)
            return promise
        }
        var builder = SQLBuilder()
        let column = builder.bind(counts.earliestByTenant.map(\.earliest).min())
        var anchor = "\(column)::timestamptz"
        if let termination = try earliestTermination(plan, counts: counts, bounds: bounds, policy: policy, schema: schema, connection: connection) {
            var terminated = "\(builder.bind(termination))::timestamptz"
            if let align = rule.due.align {
                terminated = YearAlignmentSQL.yearEnd(of: terminated, shift: YearAlignmentSQL.shift(align, financialYearStartMonth: policy.financialYearStartMonth))
            }
            anchor = "least(\(anchor), \(terminated))"
        }
        let sql = AuditStatements.dueSince(anchor: anchor, after: rule.due.after, asOf: asOf, &builder)
        if let row = try connection.execute(sql, builder.parameters).rows.first {
            promise.overdueSince = try row.text(0)
            promise.overdueDays = try row.int64(1)
        }
        return promise
    }

    /// Since when the earliest overdue row of a rule with per-tenant terms is due: each tenant's
    /// least anchor plus its own term; whole days from then to `asOf`.
    private static func overdueSince(_ plan: RulePlan, _ term: TenantTerm, _ termBounds: TenantTermBounds, counts: RuleCounts, key: TenantKey,
                                     policy: Policy, asOf: String, connection: Connection) throws -> (String?, Int64?) {
        let earliest = Dictionary(counts.earliestByTenant.map { ($0.tenant ?? "", $0.earliest) }, uniquingKeysWith: min)
        let tenants = counts.rows.map(\.tenant)
        var builder = SQLBuilder()
        let sql = TenantTermSQL(term, due: plan.rule.due, bounds: termBounds, &builder)
        let align = plan.rule.due.align.map { YearAlignmentSQL.shift($0, financialYearStartMonth: policy.financialYearStartMonth) }
        let query = sql.overdueSince(tenants: builder.bind(textArrayLiteral(tenants)), earliest: builder.bind(textArrayLiteral(tenants.map { earliest[$0 ?? ""] })),
                                     key: key, withTermination: plan.rule.due.anchors.contains(.tenantTerminatedAt), daysTo: builder.bind(asOf),
                                     alignTermination: { instant in align.map { YearAlignmentSQL.yearEnd(of: instant, shift: $0) } ?? instant }, &builder)
        guard let row = try connection.execute(query, builder.parameters).rows.first else { return (nil, nil) }
        return (try row.text(0), try row.int64(1))
    }

    /// The earliest termination among the terminated tenants with overdue rows, for a rule
    /// anchored on `tenant.terminatedAt`; nil otherwise.
    private static func earliestTermination(_ plan: RulePlan, counts: RuleCounts, bounds: RuleBounds, policy: Policy, schema: Schema,
                                            connection: Connection) throws -> String? {
        guard let source = policy.tenants, let terminated = bounds.terminatedTenants, !terminated.isEmpty else { return nil }
        let tenants = counts.rows.compactMap(\.tenant)
        guard !tenants.isEmpty else { return nil }
        let query = RuleStartStatements.terminationTimes(source, key: TenantKey(source: source, schema: schema))
        return try connection.execute(query, [textArrayLiteral(tenants), bounds.anchorCutoff]).rows.compactMap { $0[1] }.min()
    }
}
