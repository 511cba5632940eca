import Postgres

/// What every worker of one run shares: the policy, the options and the values fixed at start.
struct RunContext: Sendable {
    let policy: Policy
    let options: RunOptions
    let source: ConnectionSource
    let ledger: ErasureLedger
    let runID: String
    /// The run's `asOf`, ISO 8601 in UTC.
    let asOf: String
    let schema: Schema
    let stop: StopSignal

    /// Opens a worker connection with the run's session settings: the policy's time zone,
    /// short lock and statement timeouts, READ ONLY transactions for a dry run, and the pseudonym
    /// pads when the run changes data with a key. A reconnect comes here too, so a new session
    /// always has its pads.
    func connect() throws -> Connection {
        let connection = try source.connect(applicationName: "retention worker")
        if !options.dryRun, let key = options.pseudonymKey {
            try HMACPads(key: key.bytes).load(into: connection)
        }
        try connection.execute("""
            SELECT set_config('TimeZone', $1, false), set_config('lock_timeout', $2, false),
                   set_config('statement_timeout', $3, false),
                   set_config('idle_in_transaction_session_timeout', '60s', false),
                   set_config('default_transaction_read_only', $4, false)
            """, [policy.timeZone, "\(options.lockTimeoutMilliseconds)ms", "\(options.statementTimeoutMilliseconds)ms",
                  options.dryRun ? "on" : "off"])
        return connection
    }
}
