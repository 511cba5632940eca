import Postgres

/// A range of heap pages of one relation: `[firstPage, endPage)`.
///
/// Batches work on slices of the heap with a TID range scan (`ctid >= '(p,0)' AND ctid < '(q,0)'`):
/// no index probe and no sort, two workers split a table by pages, and every row is re-checked
/// against the rule's predicate, so a row that is not due is never touched.
public struct PageSlice: Sendable, Equatable, CustomStringConvertible {
    public var relation: Identifier
    public var firstPage: Int
    public var endPage: Int

    public init(relation: Identifier, firstPage: Int, endPage: Int) {
        self.relation = relation
        self.firstPage = firstPage
        self.endPage = endPage
    }

    public var pageCount: Int { endPage - firstPage }

    /// The slice's TID-range condition over `alias`, with its bounds bound as parameters.
    func predicate(_ alias: String, _ builder: inout SQLBuilder) -> String {
        "\(alias).ctid >= \(builder.bind("(\(firstPage),0)"))::tid AND \(alias).ctid < \(builder.bind("(\(endPage),0)"))::tid"
    }

    /// The two halves of the slice, for retrying a batch that took too long.
    public func halves() -> (PageSlice, PageSlice)? {
        guard pageCount > 1 else { return nil }
        let middle = firstPage + pageCount / 2
        return (PageSlice(relation: relation, firstPage: firstPage, endPage: middle),
                PageSlice(relation: relation, firstPage: middle, endPage: endPage))
    }

    public var description: String { "\(relation) pages \(firstPage)..<\(endPage)" }
}
