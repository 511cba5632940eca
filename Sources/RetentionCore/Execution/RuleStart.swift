import Postgres

/// What a rule fixes when it starts: its cutoff, the tenants terminated before it, and the
/// heap pages its batches will walk.
enum RuleStart {
    /// ISO 8601 in UTC with microseconds: the form every instant travels in.
    static func isoUTC(_ expression: String) -> String {
        "to_char((\(expression)) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    }

    static func bounds(for plan: RulePlan, context: RunContext, connection: Connection) throws -> RuleBounds {
        let rule = plan.rule
        let query = CutoffQuery.sql(align: rule.due.align, financialYearStartMonth: context.policy.financialYearStartMonth)
        let row = try connection.execute("SELECT \(isoUTC("q.cutoff")), \(isoUTC("q.anchor_cutoff")) FROM (\(query)) AS q(cutoff, anchor_cutoff)",
                                         [context.asOf, rule.due.after.intervalText]).rows[0]
        let cutoff = try row.text(0)
        let anchorCutoff = try row.text(1)
        var terminated: [String]?
        if rule.due.anchors.contains(.tenantTerminatedAt), let tenants = context.policy.tenants {
            terminated = try connection.execute("""
                SELECT t.\(Identifier.quote(tenants.key))::text FROM \(tenants.table.sql) t
                WHERE t.\(Identifier.quote(tenants.terminatedAt)) < $1::timestamptz ORDER BY 1
                """, [anchorCutoff]).rows.map { try $0.text(0) }
        }
        return RuleBounds(cutoff: cutoff, anchorCutoff: anchorCutoff, terminatedTenants: terminated,
                          heldTenants: context.heldTenants(for: rule), onlyTenant: context.options.tenant)
    }

    /// One cursor per heap relation (the table, or each leaf partition), up to its size now.
    /// Rows appended after this point are younger than the run and so not due.
    static func cursors(for plan: RulePlan, connection: Connection) throws -> [RuleExecution.Cursor] {
        try plan.table.leaves.map { relation in
            let pages = try connection.execute("SELECT pg_relation_size($1::regclass) / current_setting('block_size')::bigint",
                                               [relation.sql]).int64()
            return RuleExecution.Cursor(relation: relation, nextPage: 0, endPage: Int(pages))
        }
    }
}
