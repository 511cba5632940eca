/// How a rule's batches find their rows, decided by where the table's rows live.
///
/// On one server a batch takes a range of heap pages. On Citus the coordinator's heap of a
/// distributed or reference table is empty: a TID range written there applies to each shard's
/// own heap, so it is sized from the largest shard; where a TID range cannot be used (the copies
/// of a reference table or of a replicated shard have pages of their own, and Citus refuses a TID
/// range in an update that reads the session's pseudonym key) batches take ranges of a column
/// that leads an index instead, which name the same rows on every shard and every copy.
public enum BatchPath: Sendable, Equatable, CustomStringConvertible {
    /// TID ranges of the table's heap or of each leaf partition's (or, when the heap follows the
    /// anchor or the rule aggregates, windows of the anchor's index).
    case heapPages
    /// One TID range applied to every shard's heap at once by one multi-shard statement.
    case shardPages(shards: Int)
    /// Ranges of a NOT NULL integer column that leads an index.
    case keyRanges(column: String)
    /// Windows of the rule's only anchor, a column that leads an index.
    case anchorWindows(column: String)

    /// Why the engine cannot slice a rule's table.
    public struct Unsliceable: Error, Sendable, Equatable {
        public let message: String
    }

    public var description: String {
        switch self {
        case .heapPages: return "heap pages (TID ranges)"
        case let .shardPages(shards): return "pages of each of the \(shards) shards at once (TID ranges pushed down)"
        case let .keyRanges(column): return "ranges of \"\(column)\" on every shard (index)"
        case let .anchorWindows(column): return "windows of \"\(column)\" on every shard (index)"
        }
    }

    /// Whether a batch may first lock its rows with `FOR UPDATE [SKIP LOCKED]` through a `ctid`
    /// subquery (`--batch-size`, rows the application holds): Citus refuses that form.
    public var locksRowsFirst: Bool { self == .heapPages }

    /// The path of `rule` on `table`, or why there is none.
    public static func choose(rule: Rule, table: TableInfo) -> Result<BatchPath, Unsliceable> {
        let refuse = { (message: String) in Result<BatchPath, Unsliceable>.failure(Unsliceable(message: message)) }
        let needsIndex: String
        switch table.distribution {
        case .local:
            return .success(.heapPages)
        case let .other(kind):
            return refuse("\(table.identifier) is a Citus table of a kind the engine cannot slice (\(kind)); use a hash-distributed or reference table")
        case .distributed where table.kind == .partitioned, .reference where table.kind == .partitioned:
            return refuse("\(table.identifier) is a partitioned Citus table, which this version cannot slice; run the rule on an unpartitioned table")
        case let .distributed(_, shards, replicas):
            if replicas > 1 {
                needsIndex = "its shards have \(replicas) copies whose pages differ"
            } else if case .pseudonymise = rule.action {
                needsIndex = "Citus refuses a TID range in an UPDATE that reads the pseudonym key"
            } else {
                return .success(.shardPages(shards: shards))
            }
        case .reference:
            needsIndex = "the copies of a reference table have pages of their own"
        case .citusLocal:
            needsIndex = "its rows are in a shard, not in the table the coordinator shows"
        }
        let keys = integerKeys(table)
        if let unique = keys.unique { return .success(.keyRanges(column: unique)) }
        if rule.due.anchors.count == 1, case let .column(anchor)? = rule.due.anchors.first, table.indexLeadingColumns.contains(anchor) {
            return .success(.anchorWindows(column: anchor))
        }
        if let column = keys.any { return .success(.keyRanges(column: column)) }
        return refuse("\(table.identifier) (\(table.distribution.description)) cannot be sliced by pages because \(needsIndex), and it has no NOT NULL integer column and no anchor that leads an index; add an index on its integer key")
    }

    /// The NOT NULL integer columns that lead an index: the first that alone is a primary or
    /// unique key, and the first by name (so that the choice is stable).
    private static func integerKeys(_ table: TableInfo) -> (unique: String?, any: String?) {
        let candidates = table.indexLeadingColumns.filter { name in
            guard let column = table.column(name) else { return false }
            return column.notNull && ["int2", "int4", "int8"].contains(column.baseType)
        }
        let singleKeys = ([table.primaryKey] + table.uniqueKeys.map { Array($0) }).compactMap { $0.count == 1 ? $0[0] : nil }
        return (singleKeys.first(where: candidates.contains), candidates.sorted().first)
    }
}
