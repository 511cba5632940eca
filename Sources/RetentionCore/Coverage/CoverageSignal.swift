/// One reason a column looks personal. A sample signal carries counts only, never values.
public enum CoverageSignal: Sendable, Equatable {
    /// A dictionary word of the column's name.
    case name(String)
    /// A type that holds addresses of devices (`inet`, `cidr`, `macaddr`).
    case type(String)
    /// A word of the column comment (`personal`, `pii`, `gdpr`).
    case comment(String)
    /// `hits` of the `sampled` non-null values of a bounded sample are of `kind`.
    case sample(ValueKind, hits: Int, sampled: Int)

    public var description: String {
        switch self {
        case let .name(word): return "name \"\(word)\""
        case let .type(type): return "type \(type)"
        case let .comment(word): return "comment \"\(word)\""
        case let .sample(kind, hits, sampled): return "sample \(kind.rawValue) \(hits)/\(sampled) (\(hits * 100 / max(sampled, 1))%)"
        }
    }
}
