import Postgres

/// A column that looks personal and that nothing in the policy covers.
public struct CoverageFinding: Sendable, Equatable {
    public var table: Identifier
    public var column: String
    public var signals: [CoverageSignal]
    public var confidence: Confidence
    public var home: NaturalHome?

    /// `schema.table.column`, as the text format starts its line.
    public var qualifiedName: String { table.parts.joined(separator: ".") + "." + column }
}
