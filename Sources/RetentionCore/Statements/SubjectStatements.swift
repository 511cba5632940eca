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
    /// then the rows found only through ambiguous values (not the person's: counted apart), the
    /// rows each blocking key references, and the last day a kept target's rule makes one of
    /// them due. One sum over the requests, their recorded batches and their rows: no join
    /// that a wrong row estimate could make quadratic.
    static func counts(_ plan: SubjectTargetPlan, values: SubjectValues, requests: [Int64], affected: Affected,
                       policy: Policy) -> (sql: String, parameters: [String?]) {
        var builder = SQLBuilder()
        let ids = builder.bind(bigintArrayLiteral(requests))
        let flags = plan.blockingKeys.indices.map { "b\($0 + 1)" }
        let keptUntil = keptUntilAnchor(plan, policy: policy)
        let names = ["affected", "pending", "held", "kept", "blocked", "ambiguous"] + flags
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
        var counted = ["pending": "(NOT f.ambiguous)::int", "held": "(NOT f.ambiguous AND f.held)::int",
                       "kept": "(NOT f.ambiguous AND NOT f.held AND \(kept))::int",
                       "blocked": "(NOT f.ambiguous AND NOT f.held AND NOT \(kept) AND \(blocked))::int", "ambiguous": "f.ambiguous::int"]
        for flag in flags { counted[flag] = "(NOT f.ambiguous AND NOT f.held AND f.\(flag))::int" }
        branches.append(branch("f.request_id", counted, anchor: "CASE WHEN NOT f.ambiguous THEN f.anchor END", from: "found f"))
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
    /// the row was found only through ambiguous values, whether it is held, whether each
    /// blocking key references it (`b1`, …), and for a kept target with a rule, its anchor.
    private static func found(_ plan: SubjectTargetPlan, _ values: SubjectValues, keptUntil anchor: String?, _ builder: inout SQLBuilder) -> String {
        var columns = ["m.request_id", "m.ambiguous", "\(plan.heldPredicate("r", held: values.heldTenants, &builder) ?? "false") AS held"]
        columns += plan.blockingKeys.enumerated().map { "\(plan.referencedPredicate($1, "r")) AS b\($0 + 1)" }
        if let anchor { columns.append("\(anchor) AS anchor") }
        let toDo = plan.toDoPredicate.map { " WHERE \($0)" } ?? ""
        return "SELECT \(columns.joined(separator: ", ")) FROM \(plan.personRows(values, &builder))\(toDo)"
    }

    /// One batch for the requests of `values`: the first `limit` (request, row) pairs of their
    /// people's actionable rows in request order (never a row found only through ambiguous values), those rows deleted or pseudonymised, and each
    /// request's count recorded in `retention.request_batch_results` by the same statement (so
    /// in the same transaction). A row of several of the requests counts for the first. Returns
    /// the pairs taken (`limit`: there may be more). The rows are not picked `FOR UPDATE` (that
    /// needs UPDATE privilege, which a delete target's grants lack): the change itself locks
    /// them and re-checks, on the row it locked, that its `match` columns and the actionable
    /// conditions still hold.
    /// `relation`: the table or one of its archived leaves.
    static func batch(_ plan: SubjectTargetPlan, in relation: Identifier, values: SubjectValues, runID: String, limit: Int) -> (sql: String, parameters: [String?]) {
        var builder = SQLBuilder()
        let keys = plan.keyNames.joined(separator: ", ")
        let pairs = pairs(plan, in: relation, values: values, limit: limit, held: values.heldTenants, &builder)
        let recheck = zip(plan.table.primaryKey, plan.keyNames).map { "\(plan.column($0, "r")) = p.\($1)" } + ["\(plan.matchedText("r")) = p.matched"]
        let sql = """
            WITH pairs AS MATERIALIZED (\(pairs)), \
            picked AS MATERIALIZED (SELECT \(keys), matched, min(request_id) AS request_id FROM pairs GROUP BY \(keys), matched), \
            changed AS (\(change(plan, in: relation, picked: "picked p", recheck: recheck, held: nil, &builder)) RETURNING p.request_id), \
            recorded AS (INSERT INTO retention.request_batch_results (run_id, request_id, target, affected) \
            SELECT \(builder.bind(runID))::uuid, c.request_id, \(builder.bind(plan.target.name)), count(*) FROM changed c GROUP BY c.request_id) \
            SELECT count(*) FROM pairs
            """
        return (sql, builder.parameters)
    }

    /// A batch's pairs: `(request_id, k1, …, matched)` of the first `limit` (request, row) pairs
    /// of the people's actionable rows in `relation`, in request order (never a row found only
    /// through ambiguous values). `matched`: the text of the row's `match` columns; `texts`:
    /// then each of them as text (`t1`, …: on Citus, where a replay's change re-checks them).
    /// `held`: the tenants held, read first (on Citus), else read by the statement.
    static func pairs(_ plan: SubjectTargetPlan, in relation: Identifier, values: SubjectValues, limit: Int, held: [String]?, texts: Bool = false,
                      _ builder: inout SQLBuilder) -> String {
        var columns = zip(plan.table.primaryKey, plan.keyNames).map { "\(plan.column($0, "r")) AS \($1)" } + ["\(plan.matchedText("r")) AS matched"]
        if texts { columns += plan.target.match.enumerated().map { "\(plan.column($1.column, "r"))::text AS t\($0 + 1)" } }
        let condition = " WHERE " + (["NOT m.ambiguous"] + actionable(plan, held: held, &builder)).joined(separator: " AND ")
        return """
            SELECT m.request_id, \(columns.joined(separator: ", ")) FROM \(plan.personRows(values, &builder, in: relation.sql))\(condition) \
            ORDER BY m.request_id LIMIT \(builder.bind(String(limit)))::bigint
            """
    }

    /// A row a batch on Citus read first (`pairs`): its key's texts, the request it counts for,
    /// and its `match` columns' texts.
    struct PickedRow: Sendable, Equatable {
        var requestID: Int64
        var keys: [String]
        var texts: [String?]
    }

    /// On Citus (`SubjectTargets.readsValuesFirst`), a batch is the pairs, read first
    /// (`pairs`), then this one multi-shard statement, which Citus runs on the shards: the rows
    /// `picked` names (their keys and the request each counts for, as arrays) deleted or
    /// pseudonymised where a `match` column still holds one of that request's values (the
    /// arrays of `values`, judged before the batch) that is not ambiguous and the actionable
    /// conditions still hold (`held`: the tenants held, read first), on the row it locked. For
    /// a replay, whose values are HMACs that Citus cannot compute beside the arrays in a change,
    /// the `match` columns still hold the texts the pairs read. Returns the request of each row
    /// changed; `recordBatch` records the counts in the same transaction.
    static func batch(_ plan: SubjectTargetPlan, in relation: Identifier, values: SubjectValues, picked: [PickedRow], held: [String])
        -> (sql: String, parameters: [String?]) {
        var builder = SQLBuilder()
        var recheck = [keyMatch(plan)]
        let using: String
        if case .hashed = values {
            using = keyArrays(plan, picked.map { ($0.requestID, $0.keys) }, texts: picked.map(\.texts), &builder)
            recheck += plan.target.match.enumerated().map { "\(plan.column($1.column, "r")) IS NOT DISTINCT FROM p.t\($0 + 1)" }
        } else {
            using = keyArrays(plan, picked.map { ($0.requestID, $0.keys) }, &builder)
            let matches = plan.target.match.compactMap { match -> String? in
                guard let column = plan.table.column(match.column) else { return nil }
                let typed = values.typed(match, target: plan.target.name, as: column, from: plan.subjectColumns[match.subjectColumn], &builder)
                return "EXISTS (SELECT 1 FROM (\(typed)) m WHERE m.request_id = p.request_id AND NOT m.ambiguous AND \(values.matches(plan.column(match.column, "r"))))"
            }
            recheck.append("(" + matches.joined(separator: " OR ") + ")")
        }
        return (change(plan, in: relation, picked: using, recheck: recheck, held: held, &builder) + " RETURNING p.request_id", builder.parameters)
    }

    /// Records a Citus batch's counts in run `$1`, target `$2`: each request of `$3` (a bigint[]
    /// literal) with the rows at its place in `$4`.
    static let recordBatch = """
        INSERT INTO retention.request_batch_results (run_id, request_id, target, affected)
        SELECT $1::uuid, u.request_id, $2, u.affected FROM unnest($3::bigint[], $4::bigint[]) AS u(request_id, affected)
        """

    /// The conditions on a person's row `r` that the target may change it: to do, not held, not
    /// referenced through a blocking key. `held`: the tenants held, read first (on Citus).
    private static func actionable(_ plan: SubjectTargetPlan, held: [String]?, _ builder: inout SQLBuilder) -> [String] {
        [plan.toDoPredicate, plan.heldPredicate("r", held: held, &builder).map { "NOT \($0)" }].compactMap { $0 }
            + plan.blockingKeys.map { "NOT " + plan.referencedPredicate($0, "r") }
    }

    /// The change of a batch: the rows of `relation` (as `r`) that `picked` (as `p`) names and
    /// `recheck` confirms, if still actionable, deleted or pseudonymised.
    static func change(_ plan: SubjectTargetPlan, in relation: Identifier, picked: String, recheck: [String], held: [String]?,
                       _ builder: inout SQLBuilder) -> String {
        let table = "\(relation.sql) r"
        let whereClause = (recheck + actionable(plan, held: held, &builder)).joined(separator: " AND ")
        switch plan.target.action {
        case .delete, .keep:
            return DeleteStatement.sql(target: table, using: picked, whereClause: whereClause)
        case let .pseudonymise(spec):
            return PseudonymiseStatement.sql(spec, table: plan.table, target: table, from: picked, whereClause: whereClause,
                                             completingMarked: plan.completesMarkedRows)
        }
    }

    /// For a kept target with `keptUntilRule`: a row's anchor as that rule reads it (the earliest,
    /// at the end of its year when aligned) and the rule's period; the latest anchor plus the
    /// period is the last day the rows are kept.
    private static func keptUntilAnchor(_ plan: SubjectTargetPlan, policy: Policy) -> (sql: String, after: String)? {
        guard case let .keep(untilRule?) = plan.target.action, let rule = policy.rule(named: untilRule),
              let anchor = YearAlignmentSQL.anchor(rule, financialYearStartMonth: policy.financialYearStartMonth,
                                                   column: { "\(plan.column($0, "r"))::timestamptz" }, terminatedAt: nil) else { return nil }
        return (anchor, rule.due.after.intervalText)
    }

    /// For requests resolved before an identifier was added to the subjects map: the values of
    /// the person's subject rows (found by the keys stored) in the subject columns the request
    /// has no value of yet. Columns it has values of are left: the person's own row may have been
    /// pseudonymised since, and its pseudonyms are not values to find anybody by.
    /// `stored`: the requests' stored values read first (on Citus, `PersonValues.stored`): the
    /// statement then only reads the new values (`storeNewColumns` stores them), else it
    /// stores them itself.
    static func addNewColumns(_ people: SubjectPeople, requests: [Int64], stored: PersonValues? = nil) -> (sql: String, parameters: [String?])? {
        guard let key = people.table.column(people.subjects.key), !people.subjects.identifiers.isEmpty else { return nil }
        var builder = SQLBuilder()
        let values = people.subjects.identifiers.map { "(\(builder.bind($0)), s.\(Identifier.quote($0))::text)" }.joined(separator: ", ")
        let keys = stored.map { "(\($0.sql(&builder))) k" } ?? "retention.erasure_request_values k"
        let found = """
            SELECT DISTINCT k.request_id, x.subject_column, x.value FROM \(keys) \
            JOIN \(people.table.identifier.sql) s ON s.\(Identifier.quote(key.name)) = k.value::\(key.typeName) \
            CROSS JOIN LATERAL (VALUES \(values)) x(subject_column, value) \
            WHERE k.request_id = ANY(\(builder.bind(bigintArrayLiteral(requests)))::bigint[]) AND k.subject_column = \(builder.bind(key.name)) \
            AND x.value IS NOT NULL AND x.value !~ '\(SubjectResolution.blank)'
            """
        guard stored == nil else { return (found, builder.parameters) }
        return ("INSERT INTO retention.erasure_request_values (request_id, subject_column, value) \(found) AND \(newColumnOnly("k", "x")) ON CONFLICT DO NOTHING",
                builder.parameters)
    }

    /// Value `value` (a row of `subject_column` and `value`) of `request`'s request (a row of
    /// `request_id`) is in a column the request has no values of.
    private static func newColumnOnly(_ request: String, _ value: String) -> String {
        "NOT EXISTS (SELECT 1 FROM retention.erasure_request_values h WHERE h.request_id = \(request).request_id AND h.subject_column = \(value).subject_column)"
    }

    /// Stores the new columns' values `addNewColumns` read: `$1` requests, `$2` subject columns,
    /// `$3` values (arrays, by place).
    static let storeNewColumns = """
        INSERT INTO retention.erasure_request_values (request_id, subject_column, value)
        SELECT x.request_id, x.subject_column, x.value FROM unnest($1::bigint[], $2::text[], $3::text[]) AS x(request_id, subject_column, value)
        WHERE \(newColumnOnly("x", "x")) ON CONFLICT DO NOTHING
        """

    /// Stores the values of the people of `resolution`'s requests and marks them resolved.
    /// `readFirst`: the values the resolution found, read first (`PersonValues.resolved`).
    static func resolve(_ resolution: SubjectResolution, readFirst: PersonValues? = nil, requests: [Int64]) -> (sql: String, parameters: [String?]) {
        var builder = SQLBuilder()
        let rows = readFirst.map { $0.sql(&builder) } ?? resolution.sql(&builder)
        let sql = """
            WITH stored AS (INSERT INTO retention.erasure_request_values (request_id, subject_column, value, ambiguous) \
            SELECT p.request_id, p.subject_column, p.value, p.ambiguous FROM (\(rows)) p(request_id, subject_column, value, ambiguous) \
            ON CONFLICT DO NOTHING) \
            UPDATE retention.erasure_requests SET resolved_at = clock_timestamp() \
            WHERE request_id = ANY(\(builder.bind(bigintArrayLiteral(requests)))::bigint[]) AND resolved_at IS NULL
            """
        return (sql, builder.parameters)
    }

    /// The HMAC of each stored value of the requests `$1` (a bigint[] literal) that is not
    /// ambiguous, per request and subject column (for the erasure ledger).
    static let valueHMACs = """
        SELECT v.request_id, v.subject_column, \(HMACPads.sql(message: "convert_to(v.value, 'UTF8')")) FROM retention.erasure_request_values v
        WHERE v.request_id = ANY($1::bigint[]) AND NOT v.ambiguous ORDER BY 1, 2, 3
        """

    /// `(request_id, column, hmac)`: the HMAC of each distinct text of the target's match columns
    /// in the people's rows (for the erasure ledger: the run compares in the column's type, so a
    /// `citext` row may hold another text than the value it matched).
    static func matchedHMACs(_ plan: SubjectTargetPlan, values: SubjectValues) -> (sql: String, parameters: [String?]) {
        var builder = SQLBuilder()
        let rows = plan.personRows(values, &builder)
        let parts = plan.target.match.map { match in
            let column = plan.column(match.column, "r")
            return "SELECT m.request_id, \(builder.bind(match.column))::text, \(HMACPads.sql(message: "convert_to(\(column)::text, 'UTF8')")) FROM \(rows) WHERE NOT m.ambiguous AND \(column) IS NOT NULL"
        }
        return ("SELECT DISTINCT * FROM (\(parts.joined(separator: " UNION ALL "))) h ORDER BY 1, 2, 3", builder.parameters)
    }

    /// Records the outcome of every target of a group of requests in run `$1`, one statement for
    /// all; `$2` is a JSON array of `TargetOutcome.record` objects.
    static let recordTargets = """
        INSERT INTO retention.request_target_results (run_id, request_id, target, category, basis, action, matched, affected, kept,
                                                      held_back, blocked, ambiguous, kept_until, details)
        SELECT $1::uuid, u.request_id, u.target, u.category, u.basis, u.action, u.matched, u.affected, u.kept, u.held_back, u.blocked,
               u.ambiguous, u.kept_until, u.details
        FROM jsonb_to_recordset($2::jsonb) AS u(request_id bigint, target text, category text, basis text, action text, matched bigint,
                                                affected bigint, kept bigint, held_back bigint, blocked bigint, ambiguous bigint,
                                                kept_until text, details jsonb)
        ON CONFLICT (run_id, request_id, target) DO UPDATE SET matched = EXCLUDED.matched, affected = EXCLUDED.affected,
            kept = EXCLUDED.kept, held_back = EXCLUDED.held_back, blocked = EXCLUDED.blocked, ambiguous = EXCLUDED.ambiguous,
            kept_until = EXCLUDED.kept_until,
            details = EXCLUDED.details, recorded_at = clock_timestamp()
        """
}
