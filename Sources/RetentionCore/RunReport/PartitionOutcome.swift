/// What happened to a wholly due partition: dropped, or detached into `retention_archive`.
public enum PartitionRemovalKind: String, Sendable {
    case dropped
    case detached

    init(_ mode: PartitionMode) {
        switch mode {
        case .drop, .rows: self = .dropped
        case .detach: self = .detached
        }
    }
}

/// One partition a rule removed whole (or, in a dry run, would remove), for the report.
public struct PartitionOutcome: Sendable, Equatable {
    /// The partition's schema-qualified name, as it was attached.
    public var name: String
    /// Its rows, counted exactly under the lock that detaching takes.
    public var rows: Int64
    public var removal: PartitionRemovalKind
    /// How long the transaction held the parent's ACCESS EXCLUSIVE lock: from the `DETACH` to
    /// the commit, in milliseconds (0 in a dry run).
    public var parentLockMs: Double = 0
    /// Set when the partition was detached by an earlier, interrupted run and only finished by
    /// this one: that run's id. Its rows were counted by that run, not in this run's `affected`.
    public var detachedByRun: String?
    /// For `detach`: its schema-qualified name in `retention_archive`.
    public var archivedAs: String?

    public init(name: String, rows: Int64, removal: PartitionRemovalKind) {
        self.name = name
        self.rows = rows
        self.removal = removal
    }

    var json: JSONValue {
        .members([("name", .string(name)), ("rows", .int(rows)), ("action", .string(removal.rawValue)),
                  ("parentLockMs", .number(String(format: "%.1f", parentLockMs))), ("detachedByRun", .optionalString(detachedByRun)),
                  ("archivedAs", .optionalString(archivedAs))])
    }
}
