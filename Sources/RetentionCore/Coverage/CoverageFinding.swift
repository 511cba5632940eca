import Postgres

/// A column that looks personal and that nothing in the policy covers.
public struct CoverageFinding: Sendable, Equatable {
    public var table: Identifier
    public var column: String
    /// The column belongs to a materialized view: rows deleted from its tables stay in it until
    /// it is refreshed.
    public var inMaterializedView: Bool
    public var signals: [CoverageSignal]
    public var confidence: Confidence
    public var home: NaturalHome?

    /// `schema.table.column` as `quote_ident` prints each part (`public.customers."Telefon"`).
    public var qualifiedName: String { table.description + "." + Identifier(column).description }
}

/// A table whose sampled columns could not be read: a finding of its own, since its columns were
/// judged by name, type and comment alone.
public struct UnsampledTable: Sendable, Equatable {
    public var table: Identifier
    public var reason: SampleFailure
    /// The uncovered columns whose values were to be sampled.
    public var columns: [String]
}
