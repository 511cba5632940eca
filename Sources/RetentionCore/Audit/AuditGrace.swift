/// How long past its due instant a row may still be there before `audit` calls it overdue
/// (`--grace`, default 2 days, so that one missed night is not yet a breach): a period as in
/// rules, or `N hours`.
public struct AuditGrace: Sendable, Equatable, CustomStringConvertible {
    /// PostgreSQL interval input text.
    public let intervalText: String
    public let description: String

    public static let standard = AuditGrace(intervalText: Period(months: 0, days: 2).intervalText, description: "2 days")

    private init(intervalText: String, description: String) {
        self.intervalText = intervalText
        self.description = description
    }

    /// `N hour(s)`, or a period as rules write it (`2 days`, `P1D`); nil for anything else.
    public init?(parsing text: String) {
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        if words.count == 2, ["hour", "hours"].contains(words[1].lowercased()), words[0].count <= 6, words[0].allSatisfy(\.isASCIIDigit),
           let hours = Int(words[0]) {
            self.init(intervalText: "\(hours) hours", description: hours == 1 ? "1 hour" : "\(hours) hours")
            return
        }
        guard let period = Period(parsing: text) else { return nil }
        self.init(intervalText: period.intervalText, description: period.description)
    }
}
