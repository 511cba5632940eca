import Postgres

/// The guard against a walk that missed rows, whatever the table's kind (children that inherit,
/// foreign partitions, a heap rewritten during the run): after a rule that removes rows ran to its
/// end, the rows of the table (as a plain query reads it) that are still due, unheld and
/// unreferenced although they were committed before the rule started. Rows the application wrote
/// or changed meanwhile are younger than that and not counted. Any such row fails the rule. On
/// one server only: a Citus shard's transaction ids are its worker's.
enum MissedRows {
    /// The oldest transaction still running when the rule starts (`pg_snapshot_xmin`), modulo 2^32
    /// as a row's `xmin` is: every transaction before it had ended.
    static let startMarker = "SELECT (pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text::bigint % 4294967296)::text"

    /// Whether the guard applies to `plan`.
    static func applies(to plan: RulePlan) -> Bool {
        plan.rule.removesRows && plan.table.distribution == .local
    }

    /// The rows still actionable whose `xmin` precedes `startMarker` (in the circular order of
    /// transaction ids; a frozen row's is 2).
    static func count(_ plan: RulePlan, bounds: RuleBounds, startMarker: String, connection: Connection) throws -> Int64 {
        guard plan.canHaveDueRows(bounds) else { return 0 }
        var builder = SQLBuilder()
        let actionable = plan.actionablePredicate("r", bounds, &builder)
        let start = builder.bind(startMarker)
        let xmin = "r.xmin::text::bigint"
        let sql = """
            SELECT count(*) FROM \(plan.table.identifier.sql) r
            WHERE \(actionable) AND (\(xmin) < 3 OR ((\(start)::bigint - \(xmin) + 4294967296) % 4294967296) BETWEEN 1 AND 2147483647)
            """
        return try connection.longRead(sql, builder.parameters).int64()
    }
}
