/// One reason a column looks personal. A sample signal carries counts only, never values.
public enum CoverageSignal: Sendable, Equatable {
    /// A dictionary word of the column's name, with the special category (GDPR Art. 9) it names.
    case name(String, special: SpecialCategory?)
    /// A type that holds addresses of devices (`inet`, `cidr`, `macaddr`).
    case type(String)
    /// A word of the column comment (`personal`, `pii`, `gdpr`).
    case comment(String)
    /// `hits` of the `sampled` non-null values of a bounded sample are of `kind`: the whole
    /// value, or (`inside`) found inside it (free text, a document, an array).
    case sample(ValueKind, hits: Int, sampled: Int, inside: Bool)

    public var description: String {
        switch self {
        case let .name(word, special): return "name \"\(word)\"" + (special.map { " (special category: \($0.rawValue))" } ?? "")
        case let .type(type): return "type \(type)"
        case let .comment(word): return "comment \"\(word)\""
        case let .sample(kind, hits, sampled, inside):
            return "sample \(kind.rawValue)\(inside ? " inside values" : "") \(hits)/\(sampled) (\(hits * 100 / max(sampled, 1))%)"
        }
    }
}
