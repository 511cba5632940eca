/// `--max-replica-lag` and `--max-slot-lag`: how far behind standbys and replication slots may
/// fall before the workers wait (docs/operations.md, "Throttling and table hygiene").
public struct ThrottleLimits: Sendable, Equatable {
    /// Seconds a standby may replay behind the primary.
    public var replicaLagSeconds: Double?
    /// Bytes of WAL a replication slot may retain.
    public var slotLagBytes: Int64?

    public init(replicaLagSeconds: Double? = nil, slotLagBytes: Int64? = nil) {
        self.replicaLagSeconds = replicaLagSeconds
        self.slotLagBytes = slotLagBytes
    }

    /// No limit is set: nothing is measured and nothing waits.
    public var isEmpty: Bool { replicaLagSeconds == nil && slotLagBytes == nil }
}
