/// How sure a finding is that the column holds personal data.
public enum Confidence: String, Sendable, Comparable {
    case low, medium, high

    private var rank: Int {
        switch self {
        case .low: return 0
        case .medium: return 1
        case .high: return 2
        }
    }

    public static func < (lhs: Confidence, rhs: Confidence) -> Bool { lhs.rank < rhs.rank }

    /// A type or comment is explicit; a name alone is medium, a bare `name` low; a sample high from
    /// 80 % of its values; two signals are high.
    static func of(_ signals: [CoverageSignal]) -> Confidence {
        if signals.count > 1 { return .high }
        guard let signal = signals.first else { return .low }
        switch signal {
        case .type, .comment: return .high
        case let .name(word, _): return NameWords.qualified[word] != nil ? .low : .medium
        case let .sample(_, hits, sampled, _): return hits * 10 >= sampled * 8 ? .high : .medium
        }
    }
}
