/// How one `retention run` is carried out (the command line's options, parsed).
public struct RunOptions: Sendable {
    public var dryRun = false
    /// `--as-of`: ISO 8601 text; nil for the database's `now()`.
    public var asOf: String?
    /// `--rule`: only these rules (empty: all).
    public var ruleNames: [String] = []
    /// `--tenant`: only this tenant's rows.
    public var tenant: String?
    /// `--batch-size`: at most this many rows in one batch.
    public var batchSize: Int?
    /// `--concurrency`: connections working at once.
    public var concurrency = 4
    /// `--max-runtime` in seconds: no batch starts after this.
    public var maxRuntime: Double?
    /// `--pause` in milliseconds between batches.
    public var pauseMilliseconds = 0
    /// `--request`: process only this erasure request, and no rules.
    public var requestID: Int64?
    /// `--no-requests`: process no erasure requests.
    public var skipRequests = false
    /// `--max-replica-lag`, `--max-slot-lag`: how far behind standbys and slots may fall before batches wait.
    public var throttle = ThrottleLimits()
    /// `--analyze` or `--vacuum`: run after each rule that changed rows (never in a dry run).
    public var tableHygiene: TableHygiene?
    /// `--refresh-views`: refresh the materialized views that read a table a rule changed, after
    /// the rule (never in a dry run).
    public var refreshViews = false
    /// The secret key for `hmac` pseudonyms.
    public var pseudonymKey: PseudonymKey?
    /// The time one batch transaction aims at; the engine sizes slices to it.
    public var targetBatchSeconds = 0.08
    /// `lock_timeout` of every batch: how long a batch waits for a row the application holds.
    public var lockTimeoutMilliseconds = 100
    /// How long a batch keeps retrying while the application holds a lock on the whole table
    /// (bounded by `--max-runtime`): 10 minutes.
    public var lockWaitLimitSeconds = 600.0
    /// `statement_timeout` of every batch; a batch that hits it is split and retried.
    public var statementTimeoutMilliseconds = 10_000

    /// For `replay`: the ledger entries being re-applied. Their tenants count as terminated for
    /// termination-anchored rules, whatever the restored rows say.
    public var replay: [ErasureEntry] = []
    /// For `replay`: the erasure requests' ledger entries re-applied after the rules.
    public var replaySubjects: [SubjectErasureEntry] = []
    /// Run no rules (`--request`, or a replay of erasure requests alone).
    public var skipRules = false

    public init() {}
}
