import Foundation

/// Reads the times and durations of the command line (DESIGN.md, "Command line").
public enum TimeText {
    /// Parses an ISO 8601 time with an offset or `Z`, such as `2026-03-15T00:00:00Z` or
    /// `2026-03-15T01:00:00.5+01:00`. Returns the text normalised for PostgreSQL, or nil.
    public static func instant(_ text: String) -> String? {
        let pattern = #"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)$"#
        guard text.range(of: pattern, options: .regularExpression) != nil else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var probe = text.replacingOccurrences(of: " ", with: "T")
        if probe.range(of: #"T\d{2}:\d{2}(Z|[+-])"#, options: .regularExpression) != nil {
            probe = probe.replacingOccurrences(of: #"T(\d{2}):(\d{2})"#, with: "T$1:$2:00", options: .regularExpression)
        }
        let plain = ISO8601DateFormatter()
        guard formatter.date(from: probe) != nil || plain.date(from: probe) != nil else { return nil }
        return text
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
