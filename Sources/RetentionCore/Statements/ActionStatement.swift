import Postgres

/// The data-modifying part of a batch for each action: a `DELETE` or `UPDATE` with `RETURNING`,
/// plus any further common table expressions it needs (the roll-up upsert of `aggregate`).
struct ActionStatement {
    /// The statement that becomes the `changed` CTE (or runs bare); with `returning` it returns
    /// a `tenant` column.
    let sql: String
    /// Extra `name AS (...),` fragments placed after `counted`; empty or ending with a comma.
    let extraCTEs: String

    static func change(_ plan: RulePlan, target: String, whereClause: String, returning: Bool) -> ActionStatement {
        let tenant = "\(plan.tenantText("r")) AS tenant"
        switch plan.rule.action {
        case .delete, .purgeFiles:
            return ActionStatement(sql: "DELETE FROM \(target) WHERE \(whereClause)\(returning ? " RETURNING \(tenant)" : "")", extraCTEs: "")
        case let .pseudonymise(spec):
            let assignments = spec.columns.map { entry in
                "\(Identifier.quote(entry.column)) = \(pseudonym(entry, plan: plan))"
            } + ["\(Identifier.quote(spec.marker)) = now()"]
            return ActionStatement(sql: "UPDATE \(target) SET \(assignments.joined(separator: ", ")) WHERE \(whereClause)\(returning ? " RETURNING \(tenant)" : "")",
                                   extraCTEs: "")
        case let .aggregate(spec):
            return aggregate(spec, plan: plan, target: target, whereClause: whereClause, tenant: tenant)
        }
    }

    /// The new value of one pseudonymised column; NULL stays NULL under every strategy.
    private static func pseudonym(_ entry: ColumnStrategy, plan: RulePlan) -> String {
        let value = plan.column(entry.column, "r")
        switch entry.strategy {
        case .null:
            return "NULL"
        case .redact:
            return "CASE WHEN \(value) IS NULL THEN NULL ELSE '[redacted]' END"
        case .hmac:
            return HMACPads.sql(message: "convert_to(\(value)::text, 'UTF8')")
        case .truncateIP:
            if plan.table.column(entry.column)?.baseType == "inet" {
                return "host(network(set_masklen(\(value), CASE WHEN family(\(value)) = 4 THEN 24 ELSE 48 END)))::inet"
            }
            // A text column keeps its text form; text that is not an address is redacted.
            let address = "\(value)::inet"
            return """
                CASE WHEN \(value) IS NULL THEN NULL \
                WHEN \(value) ~ '\(ActionStatement.addressPattern)' \
                THEN host(network(set_masklen(\(address), CASE WHEN family(\(address)) = 4 THEN 24 ELSE 48 END))) \
                ELSE '[redacted]' END
                """
        }
    }

    /// Text that `::inet` reads: dotted IPv4 with octets up to 255 and a mask up to 32, or IPv6
    /// (hex groups and colons, an optional embedded IPv4, a mask up to 128). Other text is redacted.
    static let addressPattern = "^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(/(3[0-2]|[12]?[0-9]))?$"
        + "|^(([0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|([0-9A-Fa-f]{1,4}:){1,7}:|([0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}"
        + "|([0-9A-Fa-f]{1,4}:){1,5}(:[0-9A-Fa-f]{1,4}){1,2}|([0-9A-Fa-f]{1,4}:){1,4}(:[0-9A-Fa-f]{1,4}){1,3}"
        + "|([0-9A-Fa-f]{1,4}:){1,3}(:[0-9A-Fa-f]{1,4}){1,4}|([0-9A-Fa-f]{1,4}:){1,2}(:[0-9A-Fa-f]{1,4}){1,5}"
        + "|[0-9A-Fa-f]{1,4}:(:[0-9A-Fa-f]{1,4}){1,6}|:((:[0-9A-Fa-f]{1,4}){1,7}|:))(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?$"

    /// Deletes the due rows and adds them into the roll-up in the same statement: a crash can
    /// neither lose nor double-count a row.
    private static func aggregate(_ spec: AggregateSpec, plan: RulePlan, target: String, whereClause: String, tenant: String) -> ActionStatement {
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
        return ActionStatement(sql: "DELETE FROM \(target) WHERE \(whereClause) RETURNING \(returned.joined(separator: ", "))",
                               extraCTEs: rollup)
    }
}
