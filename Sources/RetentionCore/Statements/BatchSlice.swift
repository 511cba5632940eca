import Postgres

/// The part of one relation a batch works on.
///
/// Most batches take a range of heap pages with a TID range scan (`ctid >= '(p,0)' AND
/// ctid < '(q,0)'`): no index probe and no sort, workers split a table by pages, and every row
/// is re-checked against the rule, so a row that is not due is never touched. An `aggregate`
/// whose anchor has an index walks the due rows in anchor order instead, a window of time at a
/// time, so each batch adds to few roll-up rows even when the heap is not in time order. On
/// Citus tables whose pages cannot be used (`BatchPath`), batches take ranges of a key column.
public struct BatchSlice: Sendable, Equatable, CustomStringConvertible {
    public enum Span: Sendable, Equatable {
        /// Heap pages `[first, end)`.
        case pages(first: Int64, end: Int64)
        /// Anchor instants `[from, to)`, in microseconds since 1970-01-01 UTC.
        case anchorWindow(column: String, from: Int64, to: Int64)
        /// Values `[from, to)` of an integer key column.
        case keyRange(column: String, from: Int64, to: Int64)
    }

    public var relation: Identifier
    public var span: Span
    /// The cursor of the rule this slice was cut from.
    public var cursor: Int

    public init(relation: Identifier, span: Span, cursor: Int = 0) {
        self.relation = relation
        self.span = span
        self.cursor = cursor
    }

    /// Where the slice ends: its end page, instant or key.
    public var end: Int64 {
        switch span {
        case let .pages(_, end): return end
        case let .anchorWindow(_, _, to), let .keyRange(_, _, to): return to
        }
    }

    /// Pages or microseconds covered.
    public var size: Int64 {
        switch span {
        case let .pages(first, end): return end - first
        case let .anchorWindow(_, from, to), let .keyRange(_, from, to): return to - from
        }
    }

    /// The slice's condition over `alias`, with its bounds bound as parameters.
    func predicate(_ alias: String, _ builder: inout SQLBuilder) -> String {
        switch span {
        case let .pages(first, end):
            return "\(alias).ctid >= \(builder.bind("(\(first),0)"))::tid AND \(alias).ctid < \(builder.bind("(\(end),0)"))::tid"
        case let .anchorWindow(column, from, to):
            let anchor = "\(alias).\(Identifier.quote(column))"
            let instant = { (value: Int64, builder: inout SQLBuilder) in
                "(timestamptz 'epoch' + \(builder.bind(String(value)))::bigint * interval '1 microsecond')"
            }
            return "\(anchor) >= \(instant(from, &builder)) AND \(anchor) < \(instant(to, &builder))"
        case let .keyRange(column, from, to):
            let key = "\(alias).\(Identifier.quote(column))"
            return "\(key) >= \(builder.bind(String(from)))::bigint AND \(key) < \(builder.bind(String(to)))::bigint"
        }
    }

    /// The two halves of the slice, for retrying a batch that took too long.
    public func halves() -> (BatchSlice, BatchSlice)? {
        guard size > 1 else { return nil }
        switch span {
        case let .pages(first, end):
            let middle = first + (end - first) / 2
            return (BatchSlice(relation: relation, span: .pages(first: first, end: middle), cursor: cursor),
                    BatchSlice(relation: relation, span: .pages(first: middle, end: end), cursor: cursor))
        case let .anchorWindow(column, from, to):
            let middle = from + (to - from) / 2
            return (BatchSlice(relation: relation, span: .anchorWindow(column: column, from: from, to: middle), cursor: cursor),
                    BatchSlice(relation: relation, span: .anchorWindow(column: column, from: middle, to: to), cursor: cursor))
        case let .keyRange(column, from, to):
            let middle = from + (to - from) / 2
            return (BatchSlice(relation: relation, span: .keyRange(column: column, from: from, to: middle), cursor: cursor),
                    BatchSlice(relation: relation, span: .keyRange(column: column, from: middle, to: to), cursor: cursor))
        }
    }

    public var description: String {
        switch span {
        case let .pages(first, end): return "\(relation) pages \(first)..<\(end)"
        case let .anchorWindow(column, from, to): return "\(relation) \(column) window \(from)..<\(to) µs"
        case let .keyRange(column, from, to): return "\(relation) \(column) \(from)..<\(to)"
        }
    }
}
