/// Where a table's rows live when the database is a Citus coordinator (`pg_dist_partition`);
/// `.local` on a database without Citus and for tables Citus does not manage.
///
/// The coordinator's own heap of a distributed or reference table (its "shell") is empty: the
/// rows are in shards on the nodes. A batch must therefore be sized from the shards, never from
/// the shell.
public enum Distribution: Sendable, Equatable {
    case local
    /// Hash-distributed by `column` over `shards` shards, each with `replicas` placements.
    case distributed(column: String, shards: Int, replicas: Int)
    /// One shard with a copy on every node.
    case reference
    /// A coordinator table in Citus's metadata: one shard on the coordinator.
    case citusLocal
    /// A placement this version of the engine does not know (`partmethod`, `repmodel` as read).
    case other(String)

    public var isCitus: Bool { self != .local }

    public var description: String {
        switch self {
        case .local: return "local table"
        case let .distributed(column, shards, replicas):
            return "Citus distributed table (by \"\(column)\", \(shards) shards\(replicas > 1 ? ", \(replicas) copies each" : ""))"
        case .reference: return "Citus reference table"
        case .citusLocal: return "Citus local table"
        case let .other(kind): return "Citus table of kind \(kind)"
        }
    }
}
