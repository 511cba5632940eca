import Postgres

/// The guard against a walk that misses rows, whatever the table's kind: after a rule that
/// removes rows ran to its end, the relations that hold rows of its table now (the table, its
/// partitions, tables that inherit from it, foreign partitions, at any depth) but that the rule
/// neither walked nor removed whole (a child created or a partition attached during the run, a
/// kind of table the engine does not walk) are counted for rows still due, unheld and
/// unreferenced that were committed before the rule started; rows the application wrote
/// meanwhile are younger and not counted. Any such row fails the rule. A table whose relations
/// were all walked costs one catalog read. On one server only: a Citus shard's transaction ids
/// are its worker's.
enum MissedRows {
    /// What the guard compares with when the rule ends.
    struct Baseline: Sendable {
        /// `startMarker` as the rule started.
        var marker: String
        /// The relations the rule walks or removed whole.
        var walked: Set<Identifier>
    }

    /// The oldest transaction still running when the rule starts (`pg_snapshot_xmin`), modulo 2^32
    /// as a row's `xmin` is: every transaction before it had ended.
    static let startMarker = "SELECT (pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text::bigint % 4294967296)::text"

    /// Every relation under table `$1` (oid) that holds rows itself: schema, name.
    static let relationsWithRows = """
        WITH RECURSIVE tree(oid) AS (
            SELECT $1::oid
            UNION
            SELECT i.inhrelid FROM pg_catalog.pg_inherits i JOIN tree t ON i.inhparent = t.oid)
        SELECT n.nspname, c.relname FROM tree t
        JOIN pg_catalog.pg_class c ON c.oid = t.oid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind <> 'p'
        """

    /// Whether the guard applies to `plan`.
    static func applies(to plan: RulePlan) -> Bool {
        plan.rule.removesRows && plan.table.distribution == .local
    }

    /// The relations not walked that hold rows still actionable whose `xmin` precedes the start
    /// (in the circular order of transaction ids; a frozen row's is 2), with their count.
    static func count(_ plan: RulePlan, bounds: RuleBounds, baseline: Baseline, connection: Connection) throws -> (relations: [Identifier], rows: Int64) {
        guard plan.canHaveDueRows(bounds) else { return ([], 0) }
        let unwalked = try connection.execute(relationsWithRows, [String(plan.table.oid)]).rows
            .map { Identifier(try $0.text(0), try $0.text(1)) }
            .filter { !baseline.walked.contains($0) }
        var found: [Identifier] = []
        var rows: Int64 = 0
        for relation in unwalked {
            var builder = SQLBuilder()
            let actionable = plan.actionablePredicate("r", bounds, &builder)
            let start = builder.bind(baseline.marker)
            let xmin = "r.xmin::text::bigint"
            let sql = """
                SELECT count(*) FROM ONLY \(relation.sql) r
                WHERE \(actionable) AND (\(xmin) < 3 OR ((\(start)::bigint - \(xmin) + 4294967296) % 4294967296) BETWEEN 1 AND 2147483647)
                """
            let missed = try connection.longRead(sql, builder.parameters).int64()
            if missed > 0 {
                found.append(relation)
                rows += missed
            }
        }
        return (found, rows)
    }
}
