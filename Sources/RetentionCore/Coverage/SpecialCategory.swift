/// The special categories of personal data of GDPR Article 9, which need a legal ground of their own.
public enum SpecialCategory: String, Sendable, CaseIterable {
    case ethnicOrigin = "racial or ethnic origin"
    case politicalOpinions = "political opinions"
    case religiousBeliefs = "religious or philosophical beliefs"
    case tradeUnion = "trade union membership"
    case genetic = "genetic data"
    case biometric = "biometric data"
    case health = "health"
    case sexLife = "sex life or sexual orientation"
}
