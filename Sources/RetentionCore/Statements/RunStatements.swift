import Postgres

/// The SQL a run sends besides its batches and counts: session settings, the run lock, and what
/// a rule reads when it finishes.
enum RunStatements {
    /// The run's own session: `$1` the policy's time zone, `$2` `on` for a dry run's READ ONLY transactions.
    static let sessionSettings = "SELECT set_config('TimeZone', $1, false), set_config('default_transaction_read_only', $2, false)"

    /// A worker's session: `$1` time zone, `$2` lock_timeout, `$3` statement_timeout, `$4` read only; no JIT.
    static let workerSettings = """
        SELECT set_config('TimeZone', $1, false), set_config('lock_timeout', $2, false),
               set_config('statement_timeout', $3, false),
               set_config('idle_in_transaction_session_timeout', '60s', false),
               set_config('default_transaction_read_only', $4, false),
               set_config('jit', 'off', false)
        """

    /// A worker's session on a Citus coordinator: one connection per worker node for each batch,
    /// kept open from batch to batch (more would be opened and closed each time: measured twice
    /// as slow, and 0.30–0.37 of one DELETE with 16 kept open). So a batch works on one shard per
    /// node at a time; a rule has at most two batches in flight (`RuleExecution.inFlightLimit`).
    static let citusWorkerSettings = "SELECT set_config('citus.max_adaptive_executor_pool_size', '1', false)"

    /// Takes the run lock of policy `$1` if no other session holds it: `t` or `f`.
    static let tryLock = "SELECT pg_try_advisory_lock(hashtextextended('retention run ' || $1, 0))"

    /// Whether a session still answers.
    static let ping = "SELECT 1"

    /// The run's `asOf` (`$1`, or now()) and the time it starts, in ISO 8601.
    static let runTimes = "SELECT \(SQLTime.isoUTC("coalesce($1::timestamptz, now())")), \(SQLTime.isoUTC("clock_timestamp()"))"

    /// The time now, in ISO 8601.
    static let now = "SELECT \(SQLTime.isoUTC("clock_timestamp()"))"

    /// The transaction's `now()`, in ISO 8601: the `asOf` of a command that takes none.
    static func nowText(_ connection: Connection) throws -> String {
        try connection.execute("SELECT \(SQLTime.isoUTC("now()"))").requiredScalar()
    }

    /// A backup rule's cutoff `$1 - $2`, in ISO 8601 and as epoch seconds, and `$1` as epoch seconds.
    static let backupCutoff = """
        SELECT \(SQLTime.isoUTC("q.cutoff")), extract(epoch FROM q.cutoff)::float8, extract(epoch FROM $1::timestamptz)::float8
        FROM (\(CutoffQuery.sql(align: nil, financialYearStartMonth: 1))) AS q(cutoff, anchor_cutoff)
        """

    /// What the batches of run `$1`, rule `$2` changed per tenant, as recorded with them.
    static let recordedByTenant = """
        SELECT tenant, sum(affected)::bigint FROM retention.batch_results WHERE run_id = $1::uuid AND rule = $2 GROUP BY tenant
        """

    /// Whether any legal hold is in force.
    static let holdsInForce = "SELECT EXISTS (SELECT 1 FROM retention.legal_holds WHERE released_at IS NULL)"

    /// The newest run of policy `$1` that finished with a report.
    static let lastReportedRun = """
        SELECT run_id::text FROM retention.runs WHERE policy = $1 AND report_sha256 IS NOT NULL ORDER BY finished_at DESC LIMIT 1
        """
}
