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
    /// The run's own session and its lock, which every batch checks first.
    let runLock: RunLock

    /// The lag limits, checked before every batch.
    var throttle: Throttle { Throttle(limits: options.throttle, stop: stop) }

    /// Opens a worker connection with the run's session settings: the policy's time zone,
    /// short lock and statement timeouts, READ ONLY transactions for a dry run, no JIT
    /// compilation (a batch is over before compiling it would pay: 18 % of the server's CPU went to
    /// LLVM in a run of 10,000 erasure requests, whose statements' estimated costs pass
    /// `jit_above_cost`), and the pseudonym
    /// pads when the run changes data with a key, or is a dry run with a key of a policy with
    /// subjects (its counts tell a held person's rows by their HMAC), and on Citus one node
    /// connection per batch. A reconnect comes here too, so a new session always has its pads.
    func connect() throws -> Connection {
        let connection = try source.connect(applicationName: "retention worker")
        if let key = options.pseudonymKey, !options.dryRun || policy.subjects != nil {
            try HMACPads(key: key.bytes).load(into: connection)
        }
        try connection.execute(RunStatements.workerSettings,
                               [policy.timeZone, "\(options.lockTimeoutMilliseconds)ms", "\(options.statementTimeoutMilliseconds)ms",
                                options.dryRun ? "on" : "off"])
        if schema.tables.values.contains(where: { $0.distribution.isCitus }) {
            try connection.execute(RunStatements.citusWorkerSettings)
        }
        return connection
    }

    /// `connection` while it is open, else a new one (`connect`), kept in `connection`.
    func reconnect(_ connection: inout Connection?) throws -> Connection {
        if let connection, connection.isOpen { return connection }
        let fresh = try connect()
        connection = fresh
        return fresh
    }
}
