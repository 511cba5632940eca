import Postgres

/// The SQL of an `aggregate` rule's batch.
enum AggregateStatement {
    /// Deletes the due rows and adds them into the roll-up in the same statement: a crash can
    /// neither lose nor double-count a row. Without `removing`, the rows are only read (a
    /// partition detached in the same transaction).
    static func make(_ spec: AggregateSpec, plan: RulePlan, target: String, whereClause: String, tenant: String,
                     removing: Bool = true) -> ActionStatement {
        guard case let .column(anchor)? = plan.rule.due.anchors.first else { fatalError("the parser requires one column anchor for aggregate") }
        var returned = ["\(tenant)", "\(plan.column(anchor, "r")) AS a0"]
        returned += spec.dimensions.enumerated().map { "\(plan.column($0.element, "r")) AS d\($0.offset)" }
        returned += spec.sums.enumerated().map { "\(plan.column($0.element.source, "r")) AS s\($0.offset)" }
        let bucketType = plan.aggregateBucketType ?? "date"
        var columns = [Identifier.quote(spec.bucketColumn)] + spec.dimensions.map(Identifier.quote)
        columns += [Identifier.quote(spec.countColumn)] + spec.sums.map { Identifier.quote($0.total) }
        var values = ["(date_trunc('\(spec.bucketUnit.rawValue)', changed.a0::timestamptz))::\(bucketType)"]
        values += spec.dimensions.indices.map { "changed.d\($0)" }
        values += ["count(*)"] + spec.sums.indices.map { "coalesce(sum(changed.s\($0)), 0)" }
        let groupBy = (1...(1 + spec.dimensions.count)).map(String.init).joined(separator: ", ")
        let conflict = ([spec.bucketColumn] + spec.dimensions).map(Identifier.quote).joined(separator: ", ")
        var updates = ["\(Identifier.quote(spec.countColumn)) = rollup.\(Identifier.quote(spec.countColumn)) + excluded.\(Identifier.quote(spec.countColumn))"]
        updates += spec.sums.map { "\(Identifier.quote($0.total)) = rollup.\(Identifier.quote($0.total)) + excluded.\(Identifier.quote($0.total))" }
        let rollup = """
             rolled AS (INSERT INTO \(spec.into.sql) AS rollup (\(columns.joined(separator: ", "))) \
            SELECT \(values.joined(separator: ", ")) FROM changed GROUP BY \(groupBy) \
            ON CONFLICT (\(conflict)) DO UPDATE SET \(updates.joined(separator: ", "))),
            """
        let rows = removing ? "DELETE FROM \(target) WHERE \(whereClause) RETURNING \(returned.joined(separator: ", "))"
            : "SELECT \(returned.joined(separator: ", ")) FROM \(target) WHERE \(whereClause)"
        return ActionStatement(sql: rows, extraCTEs: rollup)
    }
}
