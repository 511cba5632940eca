import Postgres

/// How a rule's batches find their rows: the one place that decides it, for `validate`, the run
/// and its report.
///
/// Where the rows live decides first (`placement`). On one server a batch takes a range of heap
/// pages. On Citus the coordinator's heap of a distributed or reference table is empty: a TID
/// range written there applies to each shard's own heap, so it is sized from the largest shard;
/// where a TID range cannot be used (the copies of a reference table or of a replicated shard have
/// pages of their own, and Citus refuses a TID range in an update that reads the session's
/// pseudonym key) batches take ranges of a column that leads an index instead, which name the same
/// rows on every shard and every copy. Then the anchor's order (`choose`): an aggregate walks its
/// anchor's index in time order where a relation has such an index, so that each batch touches few
/// roll-up rows; a delete by one anchor column walks that column's index where the heap follows it
/// (`pg_stats.correlation` of at least 0.9), and so reads no page of young rows, unless its term is
/// per tenant. Every walk re-checks every row, so the choice changes speed only.
public enum BatchPath: Sendable, Equatable, CustomStringConvertible {
    /// TID ranges of the table's heap or of each leaf partition's.
    case heapPages
    /// Windows of `column`'s index, in its order, in every relation walked but those in `pagesOf`,
    /// whose heap pages are walked (no such index, a heap that does not follow the column). A
    /// relation whose earliest due anchor is '-infinity', which has no place on the time line,
    /// walks its pages too.
    case anchorIndex(column: String, pagesOf: [Identifier])
    /// One TID range applied to every shard's heap at once by one multi-shard statement.
    case shardPages(shards: Int)
    /// Windows of the rule's only anchor, a column that leads an index and that the heaps of the
    /// shards follow, on every shard at once.
    case shardAnchorIndex(column: String, shards: Int)
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
        case let .anchorIndex(column, pagesOf):
            let pages = pagesOf.isEmpty ? "" : "; heap pages (TID ranges) of \(pagesOf.map(\.description).joined(separator: ", "))"
            return "windows of \"\(column)\" in its index's order\(pages)"
        case let .shardPages(shards): return "pages of each of the \(shards) shards at once (TID ranges pushed down)"
        case let .shardAnchorIndex(column, shards): return "windows of \"\(column)\" on each of the \(shards) shards at once (index; the shards' heaps follow it)"
        case let .keyRanges(column): return "ranges of \"\(column)\" on every shard (index)"
        case let .anchorWindows(column): return "windows of \"\(column)\" on every shard (index)"
        }
    }

    /// Whether a batch may first lock its rows with `FOR UPDATE [SKIP LOCKED]` through a `ctid`
    /// subquery (`--batch-size`, rows the application holds): Citus refuses that form.
    public var locksRowsFirst: Bool {
        switch self {
        case .heapPages, .anchorIndex: return true
        case .shardPages, .shardAnchorIndex, .keyRanges, .anchorWindows: return false
        }
    }

    /// The path of `rule` on `table`, or why there is none: its placement, then the anchor's order
    /// as the catalog and the planner's statistics have it now. `walking`: the relations the
    /// batches walk (the table's leaves less the partitions removed whole).
    public static func choose(rule: Rule, table: TableInfo, walking: [Identifier]? = nil,
                              connection: Connection) throws -> Result<BatchPath, Unsliceable> {
        let placed = placement(rule: rule, table: table)
        switch placed {
        case .success(.heapPages):
            let relations = walking ?? table.leaves
            let column = anchorOrderColumn(rule) ?? deleteAnchorColumn(rule)
            guard let column, !relations.isEmpty else { return placed }
            let needsCorrelation = anchorOrderColumn(rule) == nil
            let rows = try connection.execute(anchorOrder, [textArrayLiteral(relations.map(\.sql)), column]).rows
            guard rows.count == relations.count else {
                throw PostgresError(kind: .unexpectedResult, message: "expected \(relations.count) rows, got \(rows.count)")
            }
            var pagesOf: [Identifier] = []
            for (relation, row) in zip(relations, rows) {
                let indexed = try row.bool(0)
                let follows = row[1].flatMap(Double.init) ?? 0 >= 0.9
                if !indexed || (needsCorrelation && !follows) { pagesOf.append(relation) }
            }
            return .success(pagesOf.count == relations.count ? .heapPages : .anchorIndex(column: column, pagesOf: pagesOf))
        case let .success(.shardPages(shards)):
            // As on one server: a delete by one anchor whose shards' heaps follow it walks the anchor's index.
            guard let column = deleteAnchorColumn(rule), table.indexLeadingColumns.contains(column),
                  try connection.execute(shardCorrelation, [table.identifier.sql, column]).rows.first?[0].flatMap(Double.init) ?? 0 >= 0.9
            else { return placed }
            return .success(.shardAnchorIndex(column: column, shards: shards))
        default:
            return placed
        }
    }

    /// Where the rows of `rule`'s table live decides the path before the anchor's order: whether
    /// the table can be sliced, and whether a batch may lock its rows first, are known from here.
    public static func placement(rule: Rule, table: TableInfo) -> Result<BatchPath, Unsliceable> {
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

    /// The column an aggregate walks its rows in order of (its only anchor), so that each batch
    /// touches few roll-up rows; nil for other actions.
    private static func anchorOrderColumn(_ rule: Rule) -> String? {
        guard case .aggregate = rule.action, case let .column(name)? = rule.due.anchors.first else { return nil }
        return name
    }

    /// The single column a delete rule's rows become due by, when there is one: on a table whose
    /// heap follows that column, walking it in anchor order reads only the due part of the heap.
    /// Not for a rule with a per-tenant term: its walk ends at the latest cutoff any tenant can
    /// have (`asOf - min`, days before `asOf`), so it would read nearly every page, and through
    /// the index, which costs a fifth more than the same pages by TID ranges.
    private static func deleteAnchorColumn(_ rule: Rule) -> String? {
        guard case .delete = rule.action, rule.due.perTenant == nil, rule.due.anchors.count == 1,
              case let .column(name)? = rule.due.anchors.first else { return nil }
        return name
    }

    /// For each relation of `$1` (names, in order): whether it has a valid, non-partial index
    /// whose first column is `$2`, and how closely its heap follows that column (0 to 1; NULL
    /// without statistics).
    private static let anchorOrder = """
        SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                 JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                 WHERE i.indrelid = r.relation AND a.attname = $2 AND i.indisvalid AND i.indpred IS NULL),
               (SELECT abs(st.correlation) FROM pg_catalog.pg_class c
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 JOIN pg_catalog.pg_stats st ON st.schemaname = n.nspname AND st.tablename = c.relname AND st.attname = $2
                 WHERE c.oid = r.relation)
        FROM unnest($1::text[]::regclass[]) WITH ORDINALITY AS r(relation, position) ORDER BY r.position
        """

    /// How closely the heaps of the shards of Citus table `$1` follow column `$2`: the least over
    /// the shards with statistics, asked of each worker (0 to 1; NULL when no shard has any).
    private static let shardCorrelation = """
        SELECT min(nullif(result, '')::float8) FROM run_command_on_workers(format($cmd$
          SELECT min(abs(st.correlation)) FROM pg_catalog.pg_dist_shard s
          JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(shard_name(s.logicalrelid, s.shardid))
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_catalog.pg_stats st ON st.schemaname = n.nspname AND st.tablename = c.relname AND st.attname = %L
          WHERE s.logicalrelid = %L::regclass$cmd$, $2::text, $1::regclass::text))
        """
}
