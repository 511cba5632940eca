import Postgres

/// A leaf partition of a partitioned table, with what its catalog bounds say about the rows it
/// can hold: for every level above it that is range-partitioned by one column, that column and
/// the level's upper bound.
public struct PartitionLeaf: Sendable, Equatable {
    /// One level's upper bound on one column: every row of the leaf has `column < upper`.
    public struct UpperBound: Sendable, Equatable {
        public var column: String
        /// The column's declared type, as `format_type` prints it.
        public var columnType: String
        /// The bound's literal as `pg_get_expr` prints it, unquoted; nil for `MAXVALUE`.
        public var upper: String?
    }

    public var identifier: Identifier
    /// The partitioned table the leaf is attached to (the root, or a sub-partitioned partition).
    public var parent: Identifier
    /// Whether a `DETACH … CONCURRENTLY` of the leaf was interrupted and is still pending.
    public var detachPending: Bool
    /// Whether the connected role may drop the leaf and detach it from its parent (it is a member
    /// of the role that owns both).
    public var removableByCurrentRole: Bool
    public var upperBounds: [UpperBound]
}

/// The bound syntax of `pg_get_expr(relpartbound)`; a `DEFAULT` partition's is `DEFAULT`, which
/// gives no bound.
enum PartitionBoundText {
    /// The upper bound of a single-column range partition (`FOR VALUES FROM (…) TO ('…')`): the
    /// literal, unquoted; `.some(nil)` for `MAXVALUE`; nil when the text is not such a bound.
    static func upper(_ text: String) -> String?? {
        guard let range = text.range(of: ") TO (") else { return nil }
        let rest = text[range.upperBound...]
        guard rest.hasSuffix(")") else { return nil }
        let value = rest.dropLast()
        if value == "MAXVALUE" { return .some(nil) }
        guard value.hasPrefix("'"), value.hasSuffix("'"), value.count >= 2 else { return nil }
        let inner = value.dropFirst().dropLast()
        // A doubled quote is a quote; a lone one would end the literal (several columns).
        let unquoted = inner.replacingOccurrences(of: "''", with: "")
        guard !unquoted.contains("'") else { return nil }
        return .some(inner.replacingOccurrences(of: "''", with: "'"))
    }
}
