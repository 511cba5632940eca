/// What one rule did in a run: the counts of the run report (docs/commands.md), per rule and per tenant.
public struct RuleResult: Sendable {
    public enum Status: String, Sendable {
        case ok, failed, skipped, interrupted
    }

    public var name: String
    public var category: String?
    public var basis: String?
    public var table: String?
    public var action: ActionKind
    /// `asOf - after`, as PostgreSQL prints a timestamptz; nil when the rule never started.
    public var cutoff: String?
    /// Due rows found when the rule ran: affected + held back + blocked + skipped.
    public var matched: Int64 = 0
    public var affected: Int64 = 0
    public var heldBack: Int64 = 0
    public var blocked: Int64 = 0
    /// Due rows left for the next run because the application held a lock on them.
    public var skipped: Int64 = 0
    public var batches = 0
    public var durationMs: Int64 = 0
    /// How the batches found their rows; nil when the rule never started.
    public var batchPath: BatchPath?
    /// Of `durationMs`, the time batches waited for locks the application held.
    public var lockWaitMs: Int64 = 0
    /// Of `durationMs`, the time batches waited for standbys or replication slots to catch up,
    /// and the worst lag seen per source.
    public var throttledMs: Int64 = 0
    public var throttledBy: [LagExcess] = []
    /// `--analyze` / `--vacuum`, when it ran after the rule, and its time (not in `durationMs`).
    public var tableHygiene: TableHygiene?
    public var tableHygieneMs: Int64 = 0
    /// `--refresh-views`: the materialized views refreshed after the rule, and the time it took
    /// (not in `durationMs`).
    public var viewsRefreshed: [String] = []
    public var viewsRefreshMs: Int64 = 0
    public var status: Status
    public var error: String?
    public var tenants: [TenantResult] = []
    /// Blocked rows per foreign-key constraint name.
    public var blockedBy: [(constraint: String, rows: Int64)] = []
    /// For `purge-files`: each file due, with its size and age (names only, never content).
    public var files: [FilePurge.FileOutcome] = []
    public var bytesFreed: Int64 = 0
    /// For `expire-backups`: each backup set that was due, or went or stayed with one that was.
    public var backups: [BackupExpiry.SetOutcome] = []
    /// For `expire-backups`: the age at the run's as-of of the oldest backup left, nil when none is.
    public var oldestBackupAgeSeconds: Int64?
    /// Partitions removed whole (`partitions: drop|detach`); their rows are part of `affected`.
    public var partitions: [PartitionOutcome] = []
    /// Things the operator must hear of although the rule succeeded.
    public var warnings: [String] = []
    /// The longest and median batch transaction, in milliseconds.
    public var longestBatchMs: Double = 0
    public var medianBatchMs: Double = 0

    public init(rule: Rule, status: Status) {
        name = rule.name
        category = rule.category
        basis = rule.basis
        table = rule.table?.description
        action = rule.action.kind
        self.status = status
    }
}

/// One tenant's share of a rule's counts.
public struct TenantResult: Sendable, Equatable {
    public var tenant: String
    public var matched: Int64 = 0
    public var affected: Int64 = 0
    public var heldBack: Int64 = 0
    public var blocked: Int64 = 0

    public init(tenant: String) { self.tenant = tenant }
}
