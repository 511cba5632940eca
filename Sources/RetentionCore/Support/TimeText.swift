import Foundation

/// Reads the times and durations of the command line (docs/commands.md, "Conventions").
public enum TimeText {
    /// Parses an ISO 8601 time with an offset or `Z`, such as `2026-03-15T00:00:00Z` or
    /// `2026-03-15T01:00:00.5+01:00`. Returns it normalised to `YYYY-MM-DDTHH:MM:SS[.f](Z|±HH:MM)`,
    /// which PostgreSQL and `Timestamps.date` both read, or nil. Strict: a real date of the
    /// Gregorian calendar from year 1 on, hours 00-23, and an offset within ±15:59, the range
    /// PostgreSQL accepts; nothing is rolled over into the next day or month.
    public static func instant(_ text: String) -> String? {
        let pattern = #"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(:(\d{2})(\.\d{1,6})?)?(Z|([+-])(\d{2})(:?(\d{2}))?)$"#
        guard let match = try? NSRegularExpression(pattern: pattern).firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        func group(_ index: Int) -> String? { Range(match.range(at: index), in: text).map { String(text[$0]) } }
        func number(_ index: Int) -> Int { group(index).flatMap { Int($0) } ?? 0 }
        let (year, month, day) = (number(1), number(2), number(3))
        guard year >= 1, (1...12).contains(month), (1...Timestamps.daysIn(month: month, year: year)).contains(day),
              number(4) < 24, number(5) < 60, number(7) < 60, number(11) < 16, number(13) < 60 else { return nil }
        let zone = group(9) == "Z" ? "Z" : "\(group(10)!)\(group(11)!):\(group(13) ?? "00")"
        let normalised = "\(group(1)!)-\(group(2)!)-\(group(3)!)T\(group(4)!):\(group(5)!)\(group(6) ?? ":00")\(zone)"
        guard Timestamps.date(normalised) != nil else { return nil }
        return normalised
    }

    /// Parses `90s`, `30m`, `2h`, `1d`, or ISO 8601 `PT2H`, `PT30M`, `P1DT2H`, into seconds.
    public static func duration(_ text: String) -> Double? {
        if let unit = text.last, "smhd".contains(unit), let value = Double(text.dropLast()), value > 0,
           text.dropLast().allSatisfy({ $0.isASCIIDigit || $0 == "." }) {
            switch unit {
            case "s": return value
            case "m": return value * 60
            case "h": return value * 3600
            default: return value * 86400
            }
        }
        guard text.hasPrefix("P") else { return nil }
        var seconds = 0.0
        var digits = ""
        var inTime = false
        var any = false
        for character in text.dropFirst() {
            if character == "T" { guard !inTime, digits.isEmpty else { return nil }; inTime = true; continue }
            if character.isASCIIDigit || character == "." { digits.append(character); continue }
            guard let value = Double(digits) else { return nil }
            switch (character, inTime) {
            case ("D", false): seconds += value * 86400
            case ("H", true): seconds += value * 3600
            case ("M", true): seconds += value * 60
            case ("S", true): seconds += value
            default: return nil
            }
            digits = ""
            any = true
        }
        guard any, digits.isEmpty, seconds > 0 else { return nil }
        return seconds
    }
}
