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

    /// One cursor per heap relation (the table, or each leaf partition). Pages are walked up to
    /// the relation's size now: rows appended later are younger than the run and so not due.
    /// An aggregate walks its anchor's index in time order instead, from the earliest due row to
    /// the cutoff, when the relation has such an index.
    static func cursors(for plan: RulePlan, bounds: RuleBounds, connection: Connection) throws -> [RuleExecution.Cursor] {
        var cursors: [RuleExecution.Cursor] = []
        for relation in plan.table.leaves {
            if let column = plan.anchorOrderColumn, try hasIndex(relation, leadingWith: column, connection) {
                let row = try connection.execute("""
                    SELECT (extract(epoch FROM min(\(Identifier.quote(column)))::timestamptz) * 1000000)::bigint,
                           (extract(epoch FROM $1::timestamptz) * 1000000)::bigint
                    FROM ONLY \(relation.sql) WHERE \(Identifier.quote(column)) < $1::timestamptz
                    """, [bounds.anchorCutoff]).rows[0]
                guard row[0] != nil else { continue }
                let start = try row.int64(0)
                let end = try row.int64(1)
                cursors.append(RuleExecution.Cursor(relation: relation, anchorColumn: column, next: start, end: end,
                                                    sliceSize: max(1, Double(end - start) / 256)))
                continue
            }
            let pages = try connection.execute("SELECT pg_relation_size($1::regclass) / current_setting('block_size')::bigint",
                                               [relation.sql]).int64()
            cursors.append(RuleExecution.Cursor(relation: relation, anchorColumn: nil, next: 0, end: pages, sliceSize: 512))
        }
        return cursors
    }

    /// Whether `relation` has a valid, non-partial index whose first column is `column`.
    private static func hasIndex(_ relation: Identifier, leadingWith column: String, _ connection: Connection) throws -> Bool {
        try connection.execute("""
            SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
              JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
              WHERE i.indrelid = $1::regclass AND a.attname = $2 AND i.indisvalid AND i.indpred IS NULL)
            """, [relation.sql, column]).requiredScalar() == "t"
    }
}
