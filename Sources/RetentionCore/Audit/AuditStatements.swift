/// The SQL `audit` reads besides the rules' counts: the audit's instants, the requests past
/// their deadline, and when an overdue anchor became due.
enum AuditStatements {
    /// `$1` asOf (NULL: now), `$2` the grace: asOf, and the instant the rules are judged at
    /// (asOf minus the grace), in ISO 8601 UTC.
    static let instants = """
        SELECT \(SQLTime.isoUTC("a.as_of")), \(SQLTime.isoUTC("a.as_of - $2::interval")), extract(epoch FROM a.as_of)::float8
        FROM (SELECT coalesce($1::timestamptz, now()) AS as_of) a
        """

    /// The open requests at `$1`: how many are past their deadline, the earliest such deadline and
    /// its age in whole days, how many fall due within 7 days, and the ids past it.
    static let requests = """
        SELECT count(*) FILTER (WHERE deadline < $1::timestamptz),
               \(SQLTime.isoUTC("min(deadline) FILTER (WHERE deadline < $1::timestamptz)")),
               floor(extract(epoch FROM ($1::timestamptz - min(deadline) FILTER (WHERE deadline < $1::timestamptz))) / 86400)::bigint,
               count(*) FILTER (WHERE deadline >= $1::timestamptz AND deadline < $1::timestamptz + interval '7 days'),
               coalesce(string_agg(request_id::text, ', ' ORDER BY request_id) FILTER (WHERE deadline < $1::timestamptz), '')
        FROM retention.erasure_requests WHERE status = 'open'
        """

    /// Each rule of policy `$1` in the last run that began it: rule, start of the run, the run's
    /// status, and the rule's status and error when its result was recorded (NULL when not: a rule
    /// that failed as it started, or a run that was killed).
    static let lastRuns = """
        SELECT DISTINCT ON (q.rule) q.rule, \(SQLTime.isoUTC("u.started_at")), u.status, r.status, r.error
        FROM retention.run_rules q JOIN retention.runs u USING (run_id)
        LEFT JOIN retention.rule_results r ON r.run_id = q.run_id AND r.rule = q.rule
        WHERE u.policy = $1 ORDER BY q.rule, u.started_at DESC
        """

    /// When an anchor became due: `anchor` (a timestamptz expression) plus `after`, in ISO 8601
    /// UTC, and whole days from then to `asOf`; no row when the anchor is NULL.
    static func dueSince(anchor: String, after: Period, asOf: String, _ builder: inout SQLBuilder) -> String {
        let asOfParameter = builder.bind(asOf)
        return """
            SELECT \(SQLTime.isoUTC("s.since")), floor(extract(epoch FROM (\(asOfParameter)::timestamptz - s.since)) / 86400)::bigint
            FROM (SELECT (\(anchor)) + \(builder.bind(after.intervalText))::interval AS since) s WHERE s.since IS NOT NULL
            """
    }
}
