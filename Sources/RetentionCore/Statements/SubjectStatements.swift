import Postgres

/// The SQL an erasure request sends for one target: its batches, its counts, and the date a
/// kept target's rule removes the person's rows. Built from a `SubjectTargetPlan`; pure.
enum SubjectStatements {
    /// One batch: at most `limit` actionable rows, picked by primary key, deleted or
    /// pseudonymised, and the count recorded in `retention.request_batch_results` by the same
    /// statement (so in the same transaction). Returns the count. The rows are not picked `FOR
    /// UPDATE` (that needs UPDATE privilege, which a delete target's grants lack): the change
    /// itself locks them and re-checks the actionable conditions on the row it locked.
    static func batch(_ plan: SubjectTargetPlan, values: SubjectValues, runID: String, requestID: Int64, limit: Int) -> (sql: String, parameters: [String?]) {
        var builder = SQLBuilder()
        let table = plan.table.identifier.sql
        let inner = "SELECT \(plan.primaryKey("r")) FROM \(table) r WHERE \(plan.actionablePredicate("r", values, &builder)) LIMIT \(builder.bind(String(limit)))::bigint"
        let whereClause = "\(plan.primaryKey("r")) IN (\(inner)) AND \(plan.actionablePredicate("r", values, &builder))"
        let change: String
        switch plan.target.action {
        case .delete, .keep:
            change = DeleteStatement.sql(target: "\(table) r", whereClause: whereClause)
        case let .pseudonymise(spec):
            change = PseudonymiseStatement.sql(spec, table: plan.table, target: "\(table) r", whereClause: whereClause)
        }
        let sql = """
            WITH changed AS (\(change) RETURNING 1), \
            recorded AS (INSERT INTO retention.request_batch_results (run_id, request_id, target, affected) \
            SELECT \(builder.bind(runID))::uuid, \(builder.bind(String(requestID)))::bigint, \(builder.bind(plan.target.name)), count(*) \
            FROM changed HAVING count(*) > 0) \
            SELECT count(*) FROM changed
            """
        return (sql, builder.parameters)
    }

    /// What the batches of this run changed in the target (`inRun`: run id and request), or 0;
    /// then the person's pending rows of the target: all, held, kept because kept rows
    /// reference them, blocked by other references; then the rows each blocking key references.
    static func counts(_ plan: SubjectTargetPlan, values: SubjectValues, inRun: (runID: String, requestID: Int64)?) -> (sql: String, parameters: [String?]) {
        var builder = SQLBuilder()
        let affected = inRun.map { run in
            """
            (SELECT coalesce(sum(b.affected), 0)::bigint FROM retention.request_batch_results b WHERE b.run_id = \(builder.bind(run.runID))::uuid \
            AND b.request_id = \(builder.bind(String(run.requestID)))::bigint AND b.target = \(builder.bind(plan.target.name)))
            """
        } ?? "0::bigint"
        let held = plan.heldPredicate("r") ?? "false"
        func any(_ keys: [ForeignKey]) -> String {
            keys.isEmpty ? "false" : "(" + keys.map { plan.referencedPredicate($0, "r") }.joined(separator: " OR ") + ")"
        }
        let kept = any(plan.keepingKeys)
        let blocked = any(plan.otherBlockingKeys)
        var columns = [affected, "count(*)", "count(*) FILTER (WHERE \(held))", "count(*) FILTER (WHERE NOT \(held) AND \(kept))",
                       "count(*) FILTER (WHERE NOT \(held) AND NOT \(kept) AND \(blocked))"]
        columns += plan.blockingKeys.map { "count(*) FILTER (WHERE NOT \(held) AND \(plan.referencedPredicate($0, "r")))" }
        let sql = "SELECT \(columns.joined(separator: ", ")) FROM \(plan.table.identifier.sql) r WHERE \(plan.pendingPredicate("r", values, &builder))"
        return (sql, builder.parameters)
    }

    /// The last day on which `rule` makes one of the person's rows of the target due (its latest
    /// anchor plus the period, at the end of its year when aligned); NULL without such rows.
    static func keptUntil(_ plan: SubjectTargetPlan, rule: Rule, policy: Policy, values: SubjectValues) -> (sql: String, parameters: [String?])? {
        var builder = SQLBuilder()
        let shift = rule.due.align == .financialYearEnd ? policy.financialYearStartMonth - 1 : 0
        let anchors = rule.due.anchors.compactMap { anchor -> String? in
            guard case let .column(name) = anchor else { return nil }
            let value = "\(plan.column(name, "r"))::timestamptz"
            guard rule.due.align != nil else { return value }
            return "(date_trunc('year', \(value) - interval '\(shift) months') + interval '\(shift) months' + interval '1 year')"
        }
        guard !anchors.isEmpty else { return nil }
        let anchor = anchors.count == 1 ? anchors[0] : "least(\(anchors.joined(separator: ", ")))"
        let after = "\(builder.bind(rule.due.after.intervalText))::interval"
        let sql = "SELECT to_char(max(\(anchor)) + \(after), 'YYYY-MM-DD') FROM \(plan.table.identifier.sql) r WHERE \(plan.matchPredicate("r", values, &builder))"
        return (sql, builder.parameters)
    }

    /// Stores the person's values of request `$1` (resolved by `resolution`) and marks it resolved.
    static func resolve(_ resolution: SubjectResolution, requestID: Int64) -> (sql: String, parameters: [String?]) {
        var builder = SQLBuilder()
        let id = builder.bind(String(requestID))
        let sql = """
            WITH stored AS (INSERT INTO retention.erasure_request_values (request_id, subject_column, value) \
            SELECT \(id)::bigint, p.subject_column, p.value FROM (\(resolution.sql(&builder))) p ON CONFLICT DO NOTHING) \
            UPDATE retention.erasure_requests SET resolved_at = clock_timestamp() WHERE request_id = \(id)::bigint AND resolved_at IS NULL
            """
        return (sql, builder.parameters)
    }

    /// The HMAC of each stored value of request `$1`, per subject column (for the erasure ledger).
    static let valueHMACs = """
        SELECT v.subject_column, \(HMACPads.sql(message: "convert_to(v.value, 'UTF8')")) FROM retention.erasure_request_values v
        WHERE v.request_id = $1::bigint ORDER BY 1, 2
        """

    /// What the batches of request `$1` changed in target `$2`, over every run.
    static let recordedAffected = """
        SELECT coalesce(sum(affected), 0)::bigint FROM retention.request_batch_results WHERE request_id = $1::bigint AND target = $2
        """

    /// Records the outcome of every target of a request in a run, one statement for all; each
    /// row's 13 parameters as `TargetOutcome.recordParameters` gives them.
    static func recordTargets(rows: Int) -> String {
        let values = (0..<rows).map { row in
            let first = row * 13
            let placeholders = (1...13).map { column -> String in
                let cast = [1: "::uuid", 2: "::bigint", 7: "::bigint", 8: "::bigint", 9: "::bigint", 10: "::bigint", 11: "::bigint", 13: "::jsonb"][column] ?? ""
                return "$\(first + column)\(cast)"
            }
            return "(" + placeholders.joined(separator: ", ") + ")"
        }
        return """
        INSERT INTO retention.request_target_results (run_id, request_id, target, category, basis, action, matched, affected, kept,
                                                      held_back, blocked, kept_until, details)
        VALUES \(values.joined(separator: ", "))
        ON CONFLICT (run_id, request_id, target) DO UPDATE SET matched = EXCLUDED.matched, affected = EXCLUDED.affected,
            kept = EXCLUDED.kept, held_back = EXCLUDED.held_back, blocked = EXCLUDED.blocked, kept_until = EXCLUDED.kept_until,
            details = EXCLUDED.details, recorded_at = clock_timestamp()
        """
    }
}
