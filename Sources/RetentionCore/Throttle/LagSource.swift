/// What a run waits for: a standby that replays behind, or a replication slot that retains WAL.
public enum LagSource: Sendable, Hashable {
    /// A standby of `pg_stat_replication`, named by its `application_name` and address.
    case replica(String)
    /// A slot of `pg_replication_slots`.
    case slot(String)

    public var description: String {
        switch self {
        case let .replica(name): return "replica \"\(name)\""
        case let .slot(name): return "slot \"\(name)\""
        }
    }
}
