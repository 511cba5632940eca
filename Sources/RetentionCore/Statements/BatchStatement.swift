import Postgres

/// One batch: a single statement that acts on the actionable rows of one heap slice.
///
/// A rule with a tenant column counts what it changed per tenant in the same statement and
/// records it in `retention.batch_results` there (it returns `(tenant, affected)` rows). A rule
/// without one runs the bare statement, which is about twice as fast as one with `RETURNING`,
/// and the worker records its row count in the same transaction (`recordSQL`). On Citus, where
/// that common table expression is planned in steps through the coordinator (3.5 times the bare
/// statement) and returning every changed row's tenant costs 3 times, a count per tenant of the
/// same rows runs first on the shards, in the same REPEATABLE READ transaction, and the worker
/// records it (`recordTenantsSQL`) when the bare statement changed exactly as many rows.
public struct BatchStatement: Sendable {
    public let sql: String
    public let parameters: [String?]
    public let reply: Reply

    /// What the statement returns, and so who records its counts.
    public enum Reply: Sendable, Equatable {
        /// `(tenant, affected)` rows, recorded by the statement itself.
        case countedByTenant
        /// Nothing; `countSQL` (same parameters) counts the same rows per tenant first, as
        /// `(tenant, affected)`, for the worker to check and record.
        case countedFirst(countSQL: String)
        /// Nothing: the worker records the row count.
        case rowCount
    }

    /// Records a bare statement's row count: `$1` run id, `$2` rule, `$3` affected rows.
    public static let recordSQL = "INSERT INTO retention.batch_results (run_id, rule, tenant, affected) VALUES ($1::uuid, $2, NULL, $3::bigint)"

    /// Records counts per tenant: `$1` run id, `$2` rule, `$3` tenants (`text[]`), `$4` their counts (`bigint[]`).
    public static let recordTenantsSQL = """
        INSERT INTO retention.batch_results (run_id, rule, tenant, affected)
        SELECT $1::uuid, $2, u.tenant, u.affected FROM unnest($3::text[], $4::bigint[]) AS u(tenant, affected)
        """

    /// How the batch finds its rows.
    public enum Mode: Sendable, Equatable {
        /// A TID range scan over the slice; waits (up to `lock_timeout`) for rows the application holds.
        case range
        /// The slice's rows locked first with `FOR UPDATE [SKIP LOCKED]`, at most `limit` of them:
        /// for `--batch-size` and for slices that met a row the application holds.
        case lockedRows(limit: Int?, skipLocked: Bool)
    }

    /// The batch for `plan` over `slice`; `prior`: what the batch read first (`PriorReads`).
    public static func make(_ plan: RulePlan, slice: BatchSlice, bounds: RuleBounds, runID: String, mode: Mode,
                            prior: PriorReads? = nil) -> BatchStatement {
        var builder = SQLBuilder()
        let target = "ONLY \(slice.relation.sql) r"
        let range = slice.predicate("r", &builder)
        let actionable = plan.actionablePredicate("r", bounds, &builder, prior: prior)
        let whereClause: String
        switch mode {
        case .range:
            whereClause = "\(range) AND \(actionable)"
        case let .lockedRows(limit, skipLocked):
            var inner = "SELECT r.ctid FROM \(target) WHERE \(range) AND \(actionable)"
            if let limit { inner += " LIMIT \(builder.bind(String(limit)))::bigint" }
            inner += skipLocked ? " FOR UPDATE SKIP LOCKED" : " FOR UPDATE"
            whereClause = "r.ctid = ANY(ARRAY(\(inner))) AND \(actionable)"
        }
        let countsFirst = plan.rule.tenantColumn != nil && plan.table.distribution.isCitus && !plan.needsReturning
        if countsFirst || (plan.rule.tenantColumn == nil && !plan.needsReturning) {
            let change = ActionStatement.change(plan, target: target, whereClause: whereClause, returning: false)
            let reply: Reply = countsFirst ? .countedFirst(countSQL: "SELECT \(plan.tenantText("r")), count(*) FROM \(target) WHERE \(whereClause) GROUP BY 1") : .rowCount
            return BatchStatement(sql: change.sql, parameters: builder.parameters, reply: reply)
        }
        let change = ActionStatement.change(plan, target: target, whereClause: whereClause, returning: true)
        let run = builder.bind(runID)
        let ruleName = builder.bind(plan.rule.name)
        let sql = """
            WITH changed AS (\(change.sql)), \
            counted AS (SELECT tenant, count(*) AS affected FROM changed GROUP BY tenant),\(change.extraCTEs) \
            recorded AS (INSERT INTO retention.batch_results (run_id, rule, tenant, affected) \
            SELECT \(run)::uuid, \(ruleName), tenant, affected FROM counted) \
            SELECT tenant, affected FROM counted
            """
        return BatchStatement(sql: sql, parameters: builder.parameters, reply: .countedByTenant)
    }
}
