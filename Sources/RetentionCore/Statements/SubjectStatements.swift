import Postgres

/// The SQL erasure requests send for one target and a group of requests at a time: its batches
/// and its counts, per request. Built from a `SubjectTargetPlan`; pure.
enum SubjectStatements {
    /// What a target's counts take as changed already.
    enum Affected {
        /// Nothing (a dry run).
        case nothing
        /// What the batches recorded for each request: in run `runID`, or in every run (nil).
        case recorded(runID: String?)
    }

    /// The counts of each of `requests`, one row each, in the order of `TargetOutcome.read`: the
    /// request, the rows already changed (`affected`), then the person's pending rows of the
    /// target: all, held, kept because kept rows reference them, blocked by other references,
    /// the rows each blocking key references, and the last day a kept target's rule makes one
    /// of them due. One sum over the requests, their recorded batches and their rows: no join
    /// that a wrong row estimate could make quadratic.
    static func counts(_ plan: SubjectTargetPlan, values: SubjectValues, requests: [Int64], affected: Affected,
                       policy: Policy) -> (sql: String, parameters: [String?]) {
        var builder = SQLBuilder()
        let ids = builder.bind(bigintArrayLiteral(requests))
        let flags = plan.blockingKeys.indices.map { "b\($0 + 1)" }
        let keptUntil = keptUntilAnchor(plan, policy: policy)
        let names = ["affected", "pending", "held", "kept", "blocked"] + flags
        func branch(_ request: String, _ values: [String: String], anchor: String = "NULL::timestamptz", from: String) -> String {
            let columns = [request] + names.map { values[$0] ?? "0" } + (keptUntil == nil ? [] : [anchor])
            return "SELECT \(columns.joined(separator: ", ")) FROM \(from)"
        }
        var branches = [branch("q.request_id", [:], from: "unnest(\(ids)::bigint[]) AS q(request_id)")]
        if case let .recorded(runID) = affected {
            let run = runID.map { "b.run_id = \(builder.bind($0))::uuid AND " } ?? ""
            branches.append(branch("b.request_id", ["affected": "b.affected"], from: """
                retention.request_batch_results b WHERE \(run)b.request_id = ANY(\(ids)::bigint[]) AND b.target = \(builder.bind(plan.target.name))
                """))
        }
        func referenced(keeping: Bool) -> String {
            let keys = plan.blockingKeys.indices.filter { plan.keeps(plan.blockingKeys[$0]) == keeping }
            return keys.isEmpty ? "false" : "(" + keys.map { "f.\(flags[$0])" }.joined(separator: " OR ") + ")"
        }
        let kept = referenced(keeping: true)
        let blocked = referenced(keeping: false)
        var counted = ["pending": "1", "held": "f.held::int", "kept": "(NOT f.held AND \(kept))::int",
                       "blocked": "(NOT f.held AND NOT \(kept) AND \(blocked))::int"]
        for flag in flags { counted[flag] = "(NOT f.held AND f.\(flag))::int" }
        branches.append(branch("f.request_id", counted, anchor: "f.anchor", from: "found f"))
        var columns = ["s.request_id"] + names.map { "sum(s.\($0))::bigint" }
        columns.append(keptUntil.map { "to_char(max(s.anchor) + \(builder.bind($0.after))::interval, 'YYYY-MM-DD')" } ?? "NULL::text")
        let aliases = (["request_id"] + names + (keptUntil == nil ? [] : ["anchor"])).joined(separator: ", ")
        let sql = """
            WITH found AS MATERIALIZED (\(found(plan, values, keptUntil: keptUntil?.sql, &builder))) \
            SELECT \(columns.joined(separator: ", ")) FROM (\(branches.joined(separator: " UNION ALL "))) s(\(aliases)) \
            GROUP BY s.request_id ORDER BY s.request_id
            """
        return (sql, builder.parameters)
    }

    /// The people's pending rows of the target, once per request and row: the request, whether
    /// the row is held, whether each blocking key references it (`b1`, …), and for a kept
    /// target with a rule, its anchor.
    private static func found(_ plan: SubjectTargetPlan, _ values: SubjectValues, keptUntil anchor: String?, _ builder: inout SQLBuilder) -> String {
        var columns = ["m.request_id", "\(plan.heldPredicate("r") ?? "false") AS held"]
        columns += plan.blockingKeys.enumerated().map { "\(plan.referencedPredicate($1, "r")) AS b\($0 + 1)" }
        if let anchor { columns.append("\(anchor) AS anchor") }
        let unmarked = plan.unmarkedPredicate("r").map { " WHERE \($0)" } ?? ""
        return "SELECT \(columns.joined(separator: ", ")) FROM \(plan.personRows(values, &builder))\(unmarked)"
    }

    /// One batch for the requests of `values`: the first `limit` (request, row) pairs of their
    /// people's actionable rows in request order, those rows deleted or pseudonymised, and each
    /// request's count recorded in `retention.request_batch_results` by the same statement (so
    /// in the same transaction). A row of several of the requests counts for the first. Returns
    /// the pairs taken (`limit`: there may be more). The rows are not picked `FOR UPDATE` (that
    /// needs UPDATE privilege, which a delete target's grants lack): the change itself locks
    /// them and re-checks, on the row it locked, that its `match` columns and the actionable
    /// conditions still hold.
    static func batch(_ plan: SubjectTargetPlan, values: SubjectValues, runID: String, limit: Int) -> (sql: String, parameters: [String?]) {
        var builder = SQLBuilder()
        let keys = plan.keyNames.joined(separator: ", ")
        let actionable = [plan.unmarkedPredicate("r"), plan.heldPredicate("r").map { "NOT \($0)" }].compactMap { $0 }
            + plan.blockingKeys.map { "NOT " + plan.referencedPredicate($0, "r") }
        let columns = zip(plan.table.primaryKey, plan.keyNames).map { "\(plan.column($0, "r")) AS \($1)" } + ["\(plan.matchedText("r")) AS matched"]
        let condition = actionable.isEmpty ? "" : " WHERE " + actionable.joined(separator: " AND ")
        let pairs = """
            SELECT m.request_id, \(columns.joined(separator: ", ")) FROM \(plan.personRows(values, &builder))\(condition) \
            ORDER BY m.request_id LIMIT \(builder.bind(String(limit)))::bigint
            """
        let recheck = zip(plan.table.primaryKey, plan.keyNames).map { "\(plan.column($0, "r")) = p.\($1)" } + ["\(plan.matchedText("r")) = p.matched"] + actionable
        let table = "\(plan.table.identifier.sql) r"
        let change: String
        switch plan.target.action {
        case .delete, .keep:
            change = DeleteStatement.sql(target: table, using: "picked p", whereClause: recheck.joined(separator: " AND "))
        case let .pseudonymise(spec):
            change = PseudonymiseStatement.sql(spec, table: plan.table, target: table, from: "picked p", whereClause: recheck.joined(separator: " AND "))
        }
        let sql = """
            WITH pairs AS MATERIALIZED (\(pairs)), \
            picked AS MATERIALIZED (SELECT \(keys), matched, min(request_id) AS request_id FROM pairs GROUP BY \(keys), matched), \
            changed AS (\(change) RETURNING p.request_id), \
            recorded AS (INSERT INTO retention.request_batch_results (run_id, request_id, target, affected) \
            SELECT \(builder.bind(runID))::uuid, c.request_id, \(builder.bind(plan.target.name)), count(*) FROM changed c GROUP BY c.request_id) \
            SELECT count(*) FROM pairs
            """
        return (sql, builder.parameters)
    }

    /// For a kept target with `keptUntilRule`: a row's anchor as that rule reads it (the earliest,
    /// at the end of its year when aligned) and the rule's period; the latest anchor plus the
    /// period is the last day the rows are kept.
    private static func keptUntilAnchor(_ plan: SubjectTargetPlan, policy: Policy) -> (sql: String, after: String)? {
        guard case let .keep(untilRule?) = plan.target.action, let rule = policy.rule(named: untilRule) else { return nil }
        let shift = rule.due.align == .financialYearEnd ? policy.financialYearStartMonth - 1 : 0
        let anchors = rule.due.anchors.compactMap { anchor -> String? in
            guard case let .column(name) = anchor else { return nil }
            let value = "\(plan.column(name, "r"))::timestamptz"
            guard rule.due.align != nil else { return value }
            return "(date_trunc('year', \(value) - interval '\(shift) months') + interval '\(shift) months' + interval '1 year')"
        }
        guard !anchors.isEmpty else { return nil }
        return (anchors.count == 1 ? anchors[0] : "least(\(anchors.joined(separator: ", ")))", rule.due.after.intervalText)
    }

    /// Stores the values of the people of `resolution`'s requests and marks them resolved.
    static func resolve(_ resolution: SubjectResolution, requests: [Int64]) -> (sql: String, parameters: [String?]) {
        var builder = SQLBuilder()
        let sql = """
            WITH stored AS (INSERT INTO retention.erasure_request_values (request_id, subject_column, value) \
            SELECT p.request_id, p.subject_column, p.value FROM (\(resolution.sql(&builder))) p ON CONFLICT DO NOTHING) \
            UPDATE retention.erasure_requests SET resolved_at = clock_timestamp() \
            WHERE request_id = ANY(\(builder.bind(bigintArrayLiteral(requests)))::bigint[]) AND resolved_at IS NULL
            """
        return (sql, builder.parameters)
    }

    /// The HMAC of each stored value of the requests `$1` (a bigint[] literal), per request and
    /// subject column (for the erasure ledger).
    static let valueHMACs = """
        SELECT v.request_id, v.subject_column, \(HMACPads.sql(message: "convert_to(v.value, 'UTF8')")) FROM retention.erasure_request_values v
        WHERE v.request_id = ANY($1::bigint[]) ORDER BY 1, 2, 3
        """

    /// Records the outcome of every target of a group of requests in run `$1`, one statement for
    /// all; `$2` is a JSON array of `TargetOutcome.record` objects.
    static let recordTargets = """
        INSERT INTO retention.request_target_results (run_id, request_id, target, category, basis, action, matched, affected, kept,
                                                      held_back, blocked, kept_until, details)
        SELECT $1::uuid, u.request_id, u.target, u.category, u.basis, u.action, u.matched, u.affected, u.kept, u.held_back, u.blocked,
               u.kept_until, u.details
        FROM jsonb_to_recordset($2::jsonb) AS u(request_id bigint, target text, category text, basis text, action text, matched bigint,
                                                affected bigint, kept bigint, held_back bigint, blocked bigint, kept_until text, details jsonb)
        ON CONFLICT (run_id, request_id, target) DO UPDATE SET matched = EXCLUDED.matched, affected = EXCLUDED.affected,
            kept = EXCLUDED.kept, held_back = EXCLUDED.held_back, blocked = EXCLUDED.blocked, kept_until = EXCLUDED.kept_until,
            details = EXCLUDED.details, recorded_at = clock_timestamp()
        """
}
