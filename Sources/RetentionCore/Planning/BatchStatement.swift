import Postgres

/// One batch: a single statement that acts on the actionable rows of one heap slice and, in the
/// same statement (so in the same transaction), records its per-tenant counts in
/// `retention.batch_results`. It returns `(tenant, affected)` rows.
public struct BatchStatement: Sendable {
    public let sql: String
    public let parameters: [String?]

    /// How the batch finds its rows.
    public enum Mode: Sendable, Equatable {
        /// A TID range scan over the slice; waits (up to `lock_timeout`) for rows the application holds.
        case range
        /// The slice's rows locked first with `FOR UPDATE SKIP LOCKED`, at most `limit` of them:
        /// for `--batch-size` and for slices that met a row the application holds.
        case lockedRows(limit: Int?, skipLocked: Bool)
    }

    /// The batch for `plan` over `slice`.
    public static func make(_ plan: RulePlan, slice: PageSlice, bounds: RuleBounds, runID: String, mode: Mode) -> BatchStatement {
        var builder = SQLBuilder()
        let target = "ONLY \(slice.relation.sql) r"
        let range = slice.predicate("r", &builder)
        let actionable = plan.actionablePredicate("r", bounds, &builder)
        let whereClause: String
        switch mode {
        case .range:
            whereClause = "\(range) AND \(actionable)"
        case let .lockedRows(limit, skipLocked):
            var builderForInner = "SELECT r.ctid FROM \(target) WHERE \(range) AND \(actionable)"
            if let limit { builderForInner += " LIMIT \(builder.bind(String(limit)))::bigint" }
            builderForInner += skipLocked ? " FOR UPDATE SKIP LOCKED" : " FOR UPDATE"
            whereClause = "r.ctid = ANY(ARRAY(\(builderForInner))) AND \(actionable)"
        }
        let run = builder.bind(runID)
        let ruleName = builder.bind(plan.rule.name)
        let change = ActionStatement.change(plan, target: target, whereClause: whereClause, &builder)
        let sql = """
            WITH changed AS (\(change.sql)), \
            counted AS (SELECT tenant, count(*) AS affected FROM changed GROUP BY tenant),\(change.extraCTEs) \
            recorded AS (INSERT INTO retention.batch_results (run_id, rule, tenant, affected) \
            SELECT \(run)::uuid, \(ruleName), tenant, affected FROM counted) \
            SELECT tenant, affected FROM counted
            """
        return BatchStatement(sql: sql, parameters: builder.parameters)
    }
}
