/// The SQL of erasure requests: reading, filing, extending, cancelling and completing them.
/// The person's value is only ever read by statements from the request's own row (or bound
/// once, when the request is filed); it is never selected back to the engine.
enum RequestStatements {
    /// The columns `ErasureRequest(row:)` reads, from `retention.erasure_requests q`.
    static let select = """
        SELECT q.request_id, q.policy, q.reference, q.subject_column, to_json(q.categories)::text,
               \(SQLTime.isoUTC("q.received_at")), \(SQLTime.isoUTC("q.deadline")), q.status, q.open_reason, q.extended,
               \(SQLTime.isoUTC("q.completed_at")), q.resolved_at IS NOT NULL,
               floor(extract(epoch FROM q.deadline - now()) / 86400)::bigint, q.status = 'open' AND q.deadline < now()
        FROM retention.erasure_requests q
        """

    /// Files a request: `$1` policy, `$2` reference, `$3` subject column, `$4` value, `$5` categories
    /// (a text[] literal), `$6` received at (or NULL for now), `$7` the deadline interval, `$8` who.
    /// Returns the id; the `added` event is recorded in the same statement.
    static let add = """
        WITH added AS (
            INSERT INTO retention.erasure_requests (policy, reference, subject_column, subject_value, categories, received_at, deadline)
            SELECT $1, $2, $3, $4, $5::text[], r.at, r.at + $7::interval
            FROM (SELECT coalesce($6::timestamptz, now()) AS at) r
            RETURNING request_id),
        event AS (INSERT INTO retention.erasure_request_events (request_id, event, acted_by) SELECT request_id, 'added', $8 FROM added)
        SELECT request_id FROM added
        """

    /// Extends open request `$1` by two months, once: `$2` reason, `$3` who. Returns the new deadline.
    static let extend = """
        WITH extended AS (
            UPDATE retention.erasure_requests SET deadline = deadline + interval '2 months', extended = true
            WHERE request_id = $1::bigint AND status = 'open' AND NOT extended
            RETURNING request_id, deadline),
        event AS (INSERT INTO retention.erasure_request_events (request_id, event, reason, acted_by)
                  SELECT request_id, 'extended', $2, $3 FROM extended)
        SELECT \(SQLTime.isoUTC("deadline")) FROM extended
        """

    /// Closes the open requests of `$1` (a bigint[] literal) with status `$2` (`done` or
    /// `cancelled`): each value is replaced by its HMAC under the session's pseudonym pads and the
    /// resolved values are deleted; `$3` reason, `$4` who. Returns the ids of those that were open.
    static let close = """
        WITH closed AS (
            UPDATE retention.erasure_requests
            SET status = $2, subject_hmac = \(HMACPads.sql(message: "convert_to(subject_value, 'UTF8')")), subject_value = NULL,
                completed_at = clock_timestamp(), open_reason = NULL
            WHERE request_id = ANY($1::bigint[]) AND status = 'open'
            RETURNING request_id),
        cleared AS (DELETE FROM retention.erasure_request_values v USING closed WHERE v.request_id = closed.request_id),
        event AS (INSERT INTO retention.erasure_request_events (request_id, event, reason, acted_by)
                  SELECT request_id, $2, $3, $4 FROM closed)
        SELECT request_id FROM closed
        """

    /// Records why the open requests of `$1` (a bigint[] literal) are still open: each the reason
    /// at its place in `$2` (a text[] literal).
    static let keepOpen = """
        UPDATE retention.erasure_requests q SET open_reason = u.reason FROM unnest($1::bigint[], $2::text[]) AS u(request_id, reason)
        WHERE q.request_id = u.request_id AND q.status = 'open'
        """

    /// Whether value `$1` can be read as the subject column's type (SQL `$1::text::TYPE`).
    static func readsAs(_ typeName: String) -> String { "SELECT $1::text::\(typeName) IS NOT NULL" }

    /// Requests of policy `$1` still open, and how many are past their deadline.
    static let openCounts = """
        SELECT count(*), count(*) FILTER (WHERE deadline < now()) FROM retention.erasure_requests WHERE policy = $1 AND status = 'open'
        """
}
