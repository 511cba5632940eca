import Postgres

/// The SQL of follow-ups: rows a done request could not erase because rows of a kept target
/// referenced them, recorded by primary key and erased by a later run once nothing keeps them.
extension SubjectStatements {
    /// The foreign keys through which kept rows keep the target's rows.
    private static func keepingKeys(_ plan: SubjectTargetPlan) -> [ForeignKey] { plan.blockingKeys.filter(plan.keeps) }

    /// Records the people's rows of the target that kept rows keep (never ambiguous or held
    /// ones), by primary key; nil when no kept target references the target.
    static func recordFollowUps(_ plan: SubjectTargetPlan, values: SubjectValues) -> (sql: String, parameters: [String?])? {
        let keeping = keepingKeys(plan)
        guard plan.target.erases, !keeping.isEmpty else { return nil }
        var builder = SQLBuilder()
        let rows = plan.personRows(values, &builder, in: plan.table.identifier.sql)
        let conditions = ["NOT m.ambiguous", plan.toDoPredicate, plan.heldPredicate("r").map { "NOT \($0)" },
                          "(" + keeping.map { plan.referencedPredicate($0, "r") }.joined(separator: " OR ") + ")"].compactMap { $0 }
        let key = "ARRAY[" + plan.table.primaryKey.map { "\(plan.column($0, "r"))::text" }.joined(separator: ", ") + "]"
        let sql = """
            INSERT INTO retention.erasure_followups (request_id, target, row_key) \
            SELECT DISTINCT m.request_id, \(builder.bind(plan.target.name)), \(key) FROM \(rows) WHERE \(conditions.joined(separator: " AND ")) \
            ON CONFLICT DO NOTHING
            """
        return (sql, builder.parameters)
    }

    /// `r`'s primary key equals the follow-up `f`'s recorded key, read as the key's types.
    private static func followUpRow(_ plan: SubjectTargetPlan) -> String {
        let typed = plan.table.primaryKey.enumerated().map { index, name in
            "f.row_key[\(index + 1)]::\(plan.table.column(name)?.unmodifiedType ?? "text")"
        }
        return "\(plan.primaryKey("r")) = (\(typed.joined(separator: ", ")))"
    }

    /// Erases the target's followed-up rows that nothing keeps or blocks any more (nor a hold),
    /// each counted for its request in `retention.request_batch_results` by the same statement.
    static func followUpBatch(_ plan: SubjectTargetPlan, runID: String) -> (sql: String, parameters: [String?]) {
        var builder = SQLBuilder()
        let target = builder.bind(plan.target.name)
        let actionable = [plan.toDoPredicate, plan.heldPredicate("r").map { "NOT \($0)" }].compactMap { $0 }
            + plan.blockingKeys.map { "NOT " + plan.referencedPredicate($0, "r") }
        let keys = zip(plan.table.primaryKey, plan.keyNames).map { "\(plan.column($0, "r")) AS \($1)" }.joined(separator: ", ")
        let picked = """
            SELECT \(keys), min(f.request_id) AS request_id FROM retention.erasure_followups f JOIN \(plan.table.identifier.sql) r ON \(followUpRow(plan)) \
            WHERE f.target = \(target)\(actionable.isEmpty ? "" : " AND " + actionable.joined(separator: " AND ")) GROUP BY \(plan.keyNames.joined(separator: ", "))
            """
        let recheck = (zip(plan.table.primaryKey, plan.keyNames).map { "\(plan.column($0, "r")) = p.\($1)" } + actionable).joined(separator: " AND ")
        let table = "\(plan.table.identifier.sql) r"
        let change: String
        switch plan.target.action {
        case .delete, .keep:
            change = DeleteStatement.sql(target: table, using: "picked p", whereClause: recheck)
        case let .pseudonymise(spec):
            change = PseudonymiseStatement.sql(spec, table: plan.table, target: table, from: "picked p", whereClause: recheck,
                                               completingMarked: plan.completesMarkedRows)
        }
        let sql = """
            WITH picked AS MATERIALIZED (\(picked)), changed AS (\(change) RETURNING p.request_id) \
            INSERT INTO retention.request_batch_results (run_id, request_id, target, affected) \
            SELECT \(builder.bind(runID))::uuid, c.request_id, \(target), count(*) FROM changed c GROUP BY c.request_id
            """
        return (sql, builder.parameters)
    }

    /// Removes the target's follow-ups whose row is gone or done.
    static func settleFollowUps(_ plan: SubjectTargetPlan) -> (sql: String, parameters: [String?]) {
        var builder = SQLBuilder()
        let toDo = plan.toDoPredicate.map { " AND \($0)" } ?? ""
        let sql = """
            DELETE FROM retention.erasure_followups f WHERE f.target = \(builder.bind(plan.target.name)) \
            AND NOT EXISTS (SELECT 1 FROM \(plan.table.identifier.sql) r WHERE \(followUpRow(plan))\(toDo))
            """
        return (sql, builder.parameters)
    }

    /// The targets follow-ups are recorded for, and how many each.
    static let followUpTargets = "SELECT target, count(*) FROM retention.erasure_followups GROUP BY target ORDER BY target"
}
