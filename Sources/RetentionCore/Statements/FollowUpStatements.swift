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
        let conditions = ["NOT m.ambiguous", plan.toDoPredicate, plan.heldPredicate("r", held: values.heldTenants, &builder).map { "NOT \($0)" },
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

    /// On Citus (`SubjectTargets.readsValuesFirst`): `(request_id, row_key as text, row_key as
    /// a JSON array)` of the target's follow-ups, read first; `$1` the target.
    static let followUpsOfTarget = "SELECT f.request_id, f.row_key::text, to_json(f.row_key)::text FROM retention.erasure_followups f WHERE f.target = $1 ORDER BY 1"

    /// On Citus: the keys (`row_key`'s text) among `followed` (read first) whose row is still
    /// there and to do.
    static func followedRowsLeft(_ plan: SubjectTargetPlan, followed: [[String]]) -> (sql: String, parameters: [String?]) {
        var builder = SQLBuilder()
        let keys = "ARRAY[" + plan.table.primaryKey.map { "\(plan.column($0, "r"))::text" }.joined(separator: ", ") + "]::text"
        let sql = "SELECT \(keys) FROM \(plan.table.identifier.sql) r, \(keyArrays(plan, followed.map { (0, $0) }, &builder)) WHERE \(keyMatch(plan))\(plan.toDoPredicate.map { " AND \($0)" } ?? "")"
        return (sql, builder.parameters)
    }

    /// On Citus: removes the target's follow-ups `$2` (their `row_key`s' texts) of target `$1`.
    static let forgetFollowUps = "DELETE FROM retention.erasure_followups f WHERE f.target = $1 AND f.row_key::text = ANY($2::text[])"

    /// On Citus: the followed-up rows `picked` (each the key and the request it counts for, read
    /// first) that nothing keeps or blocks any more (nor a hold), erased by one multi-shard
    /// statement; returns the request of each row changed (`recordBatch` records them).
    /// `held`: the tenants held, read first.
    static func followUpBatch(_ plan: SubjectTargetPlan, picked: [(requestID: Int64, keys: [String])], held: [String]) -> (sql: String, parameters: [String?]) {
        var builder = SQLBuilder()
        let using = keyArrays(plan, picked.map { ($0.requestID, $0.keys) }, &builder)
        let change = change(plan, in: plan.table.identifier, picked: using, recheck: [keyMatch(plan)], held: held, &builder)
        return (change + " RETURNING p.request_id", builder.parameters)
    }

    /// `unnest(…) AS p(k1, …, request_id)`: rows by their keys (texts, read as the key's types)
    /// and the request each counts for, as arrays; with `texts`, also each row's `match`
    /// columns (`t1`, …, read as the columns' types).
    static func keyArrays(_ plan: SubjectTargetPlan, _ rows: [(Int64, [String])], texts: [[String?]]? = nil, _ builder: inout SQLBuilder) -> String {
        func typed(_ values: [String?], _ column: String) -> String {
            "\(builder.bind(textArrayLiteral(values)))::text[]::\(plan.table.column(column)?.unmodifiedType ?? "text")[]"
        }
        var arrays = plan.table.primaryKey.enumerated().map { index, name in typed(rows.map { $0.1[index] }, name) }
        arrays.append("\(builder.bind(bigintArrayLiteral(rows.map(\.0))))::bigint[]")
        var names = plan.keyNames + ["request_id"]
        if let texts {
            arrays += plan.target.match.enumerated().map { index, match in typed(texts.map { $0[index] }, match.column) }
            names += plan.target.match.indices.map { "t\($0 + 1)" }
        }
        return "unnest(\(arrays.joined(separator: ", "))) AS p(\(names.joined(separator: ", ")))"
    }

    /// Row `r` is the one `p` names by its key.
    static func keyMatch(_ plan: SubjectTargetPlan) -> String {
        zip(plan.table.primaryKey, plan.keyNames).map { "\(plan.column($0, "r")) = p.\($1)" }.joined(separator: " AND ")
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
