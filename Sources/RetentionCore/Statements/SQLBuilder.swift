/// Collects the values of a statement as `$n` parameters while its text is being built.
///
/// Values never enter the SQL text; only identifiers (quoted) and the engine's own fixed
/// fragments do.
public struct SQLBuilder {
    public private(set) var parameters: [String?] = []

    public init() {}

    /// Adds a value and returns its placeholder, such as `$3`.
    public mutating func bind(_ value: String?) -> String {
        parameters.append(value)
        return "$\(parameters.count)"
    }
}
