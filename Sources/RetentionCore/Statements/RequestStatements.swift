/// The SQL of erasure requests: reading, filing, extending, cancelling and completing them.
/// The person's value is only ever read by statements from the request's own row (or bound
/// once, when the request is filed); it is never selected back to the engine, except on Citus,
/// where the people's values are read first and passed to the statements as arrays
/// (`PersonValues`).
enum RequestStatements {
    /// The columns `ErasureRequest(row:)` reads, from `retention.erasure_requests q`.
    static let select = """
        SELECT q.request_id, q.policy, q.reference, q.subject_column, to_json(q.categories)::text,
               \(SQLTime.isoUTC("q.received_at")), \(SQLTime.isoUTC("q.deadline")), q.status, q.open_reason, q.extended,
               \(SQLTime.isoUTC("q.completed_at")), q.resolved_at IS NOT NULL,
               floor(extract(epoch FROM q.deadline - now()) / 86400)::bigint, q.status = 'open' AND q.deadline < now(),
               q.verified_by, q.evidence
        FROM retention.erasure_requests q
        """

    /// Files a request: `$1` policy, `$2` reference, `$3` subject column, `$4` categories (a
    /// text[] literal), `$5` received at (or NULL for now), `$6` the deadline interval, `$7` who,
    /// `$8` the policy's time zone, `$9` how the person was verified, `$10` the evidence's
    /// reference; the value is read from the session's `GivenValue.table`. Returns the id; the
    /// `added` event is recorded in the same statement.
    static let add = """
        WITH added AS (
            INSERT INTO retention.erasure_requests (policy, reference, subject_column, subject_value, categories, received_at, deadline, time_zone,
                                                    verified_by, evidence)
            SELECT $1, $2, $3, g.value, $4::text[], r.at, r.at + $6::interval, $8, $9, $10
            FROM (SELECT coalesce($5::timestamptz, now()) AS at) r CROSS JOIN \(GivenValue.table) g
            RETURNING request_id),
        event AS (INSERT INTO retention.erasure_request_events (request_id, event, acted_by) SELECT request_id, 'added', $7 FROM added)
        SELECT request_id FROM added
        """

    /// Serialises the filing of references (`request add` and `import`) to the end of the
    /// transaction, so that a reference is filed once in the database, whatever the policy's name
    /// (requests belong to the database: a policy re-issued under a new name keeps them).
    static let lockReferences = "SELECT pg_advisory_xact_lock(hashtext('retention:request-references'))"

    /// `(reference, request_id)` of the references `$1` (a text[] literal) filed already.
    static let filedReferences = """
        SELECT q.reference, min(q.request_id) FROM retention.erasure_requests q
        WHERE q.reference IS NOT NULL AND md5(q.reference) = ANY(SELECT md5(x) FROM unnest($1::text[]) x)
          AND q.reference = ANY($1::text[])
        GROUP BY q.reference
        """

    /// The session's temporary table of an import's people: line, subject column, value (by
    /// `COPY`, like `GivenValue`).
    static let importTable = "pg_temp.retention_import"

    /// Files the import's records: `$1` a JSON array of `{line, reference, receivedAt,
    /// categories, verifiedBy, evidence}`, `$2` policy, `$3` the deadline interval, `$4` the
    /// policy's time zone, `$5` who; the values are read from `importTable` by line. Ids are taken
    /// in the order of the lines; returns `(line, request_id)`.
    static let fileImport = """
        WITH meta AS (
            SELECT m.* FROM jsonb_to_recordset($1::jsonb) AS m(line int, reference text, "receivedAt" timestamptz, categories text[],
                                                              "verifiedBy" text, evidence text)),
        ids AS MATERIALIZED (
            SELECT m.line, nextval(pg_get_serial_sequence('retention.erasure_requests', 'request_id')) AS id FROM meta m ORDER BY m.line),
        added AS (
            INSERT INTO retention.erasure_requests (request_id, policy, reference, subject_column, subject_value, categories, received_at,
                                                    deadline, time_zone, verified_by, evidence)
            OVERRIDING SYSTEM VALUE
            SELECT ids.id, $2, m.reference, i.subject_column, i.value, coalesce(m.categories, '{}'), r.at, r.at + $3::interval, $4,
                   m."verifiedBy", m.evidence
            FROM meta m JOIN ids ON ids.line = m.line JOIN \(importTable) i ON i.line = m.line
            CROSS JOIN LATERAL (SELECT coalesce(m."receivedAt", now()) AS at) r
            RETURNING request_id),
        event AS (INSERT INTO retention.erasure_request_events (request_id, event, acted_by) SELECT request_id, 'added', $5 FROM added)
        SELECT ids.line, ids.id FROM ids JOIN added ON added.request_id = ids.id ORDER BY ids.line
        """

    /// The lines `(line, at)` of `$1` (int[]) and `$2` (timestamptz[]) that are later than now
    /// (a minute's leeway for clocks).
    static let linesInFuture = """
        SELECT u.line FROM unnest($1::int[], $2::timestamptz[]) AS u(line, at) WHERE u.at > now() + interval '1 minute' ORDER BY 1
        """

    /// Whether request `$1`'s deadline, extended by two months, stays within three months of its
    /// receipt (GDPR Art. 12(3): one month, extended once by two), in the transaction's zone.
    static let mayExtend = """
        SELECT q.deadline + interval '2 months' <= q.received_at + interval '3 months' FROM retention.erasure_requests q WHERE q.request_id = $1::bigint
        """

    /// Whether instant `$1` is later than now (a minute's leeway for clocks).
    static let inFuture = "SELECT $1::timestamptz > now() + interval '1 minute'"

    /// Puts the transaction in the time zone of request `$1`'s policy when it was filed.
    static let enterTimeZone = "SELECT set_config('TimeZone', q.time_zone, true) FROM retention.erasure_requests q WHERE q.request_id = $1::bigint"

    /// The targets in which request `$1`'s batches changed rows, in any run.
    static let erasedTargets = """
        SELECT b.target FROM retention.request_batch_results b WHERE b.request_id = $1::bigint GROUP BY b.target HAVING sum(b.affected) > 0 ORDER BY 1
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

    /// Requests still open, and how many are past their deadline: every open request of the
    /// database, whatever policy filed it.
    static let openCounts = """
        SELECT count(*), count(*) FILTER (WHERE deadline < now()) FROM retention.erasure_requests WHERE status = 'open'
        """
}
