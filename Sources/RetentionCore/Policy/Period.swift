/// A retention period such as `30 days`, `12 months` or `P7Y`, kept as PostgreSQL keeps an
/// interval: whole months (years are 12 months) and whole days, never converted into each other.
///
/// `asOf - period` is computed by PostgreSQL's interval arithmetic, so 31 March minus one month
/// is the last day of February.
public struct Period: Hashable, Sendable, CustomStringConvertible {
    public let months: Int
    public let days: Int

    public init(months: Int, days: Int) {
        self.months = months
        self.days = days
    }

    /// The longest period accepted: 200 years.
    public static let maximumMonths = 200 * 12

    /// Parses `N day(s)|week(s)|month(s)|year(s)` or ISO 8601 `PnYnMnWnD` (date part only).
    public init?(parsing text: String) {
        let trimmed = String(text.trimmingWhitespace)
        if trimmed.hasPrefix("P") {
            guard let period = Period.parseISO(trimmed) else { return nil }
            self = period
        } else {
            let words = trimmed.split(separator: " ", omittingEmptySubsequences: true)
            guard words.count == 2, words[0].allSatisfy(\.isASCIIDigit), words[0].count <= 6,
                  let count = Int(words[0]) else { return nil }
            switch words[1].lowercased() {
            case "day", "days": self.init(months: 0, days: count)
            case "week", "weeks": self.init(months: 0, days: count * 7)
            case "month", "months": self.init(months: count, days: 0)
            case "year", "years": self.init(months: count * 12, days: 0)
            default: return nil
            }
        }
        guard months <= Period.maximumMonths, days <= Period.maximumMonths * 31 else { return nil }
    }

    private static func parseISO(_ text: String) -> Period? {
        var months = 0
        var days = 0
        var digits = ""
        var sawDesignator = false
        var order = 0
        for character in text.dropFirst() {
            if character.isASCIIDigit {
                digits.append(character)
                continue
            }
            guard !digits.isEmpty, digits.count <= 6, let value = Int(digits) else { return nil }
            let rank: Int
            switch character {
            case "Y": rank = 1; months += value * 12
            case "M": rank = 2; months += value
            case "W": rank = 3; days += value * 7
            case "D": rank = 4; days += value
            default: return nil
            }
            guard rank > order else { return nil }
            order = rank
            digits = ""
            sawDesignator = true
        }
        guard sawDesignator, digits.isEmpty else { return nil }
        return Period(months: months, days: days)
    }

    /// PostgreSQL interval input text, such as `84 mons 0 days`.
    public var intervalText: String { "\(months) mons \(days) days" }

    /// The longest the period can last, in days (a month counted as 31): to compare periods.
    public var approximateDays: Int { months * 31 + days }

    /// The period as a person writes it: `7 years`, `30 days`, `1 year 6 months`.
    public var description: String {
        var parts: [String] = []
        let years = months / 12
        let remainingMonths = months % 12
        if years > 0 { parts.append(years == 1 ? "1 year" : "\(years) years") }
        if remainingMonths > 0 { parts.append(remainingMonths == 1 ? "1 month" : "\(remainingMonths) months") }
        if days > 0 || parts.isEmpty { parts.append(days == 1 ? "1 day" : "\(days) days") }
        return parts.joined(separator: " ")
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
