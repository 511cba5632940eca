import Foundation

/// Validators for personal values, with their check digits where they have one.
enum ValuePatterns {
    /// The Luhn check over decimal `digits` (the last one is the check digit).
    static func luhn(_ digits: [Int]) -> Bool {
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            let value = offset % 2 == 1 ? digit * 2 : digit
            sum += value > 9 ? value - 9 : value
        }
        return !digits.isEmpty && sum % 10 == 0
    }

    static func digits(_ text: Substring) -> [Int]? {
        let values = text.compactMap(\.wholeNumberValue)
        return values.count == text.count && text.allSatisfy(\.isASCII) ? values : nil
    }

    /// A Swedish personnummer or samordningsnummer: `YYMMDD-NNNC`, `YYMMDD+NNNC`, `YYMMDDNNNC`,
    /// `YYYYMMDDNNNC` or `YYYYMMDD-NNNC`, with a valid date part and Luhn check digit.
    static func isPersonnummer(_ text: String) -> Bool {
        var body = Substring(text)
        if body.count == 11 || body.count == 13 {
            let separator = body.index(body.endIndex, offsetBy: -5)
            guard body[separator] == "-" || body[separator] == "+" else { return false }
            body.remove(at: separator)
        }
        guard var numbers = digits(body), numbers.count == 10 || numbers.count == 12 else { return false }
        if numbers.count == 12 { numbers.removeFirst(2) }
        let month = numbers[2] * 10 + numbers[3]
        let day = numbers[4] * 10 + numbers[5]
        return (1...12).contains(month) && ((1...31).contains(day) || (61...91).contains(day)) && luhn(numbers)
    }

    /// 13 to 19 digits, optionally grouped by spaces or dashes, passing the Luhn check.
    static func isCardNumber(_ text: String) -> Bool {
        guard let numbers = digits(Substring(text.filter { $0 != " " && $0 != "-" })) else { return false }
        return (13...19).contains(numbers.count) && luhn(numbers)
    }

    /// An IBAN: country letters, check digits and 11 to 30 letters or digits, mod 97 equal to 1.
    static func isIBAN(_ text: String) -> Bool {
        let compact = Array(text.filter { $0 != " " }.uppercased())
        guard (15...34).contains(compact.count), compact[0...1].allSatisfy({ $0.isASCII && $0.isLetter }),
              compact[2...3].allSatisfy({ $0.isASCII && $0.isNumber }),
              compact.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return false }
        var remainder = 0
        for character in compact[4...] + compact[0..<4] {
            let value = character.wholeNumberValue ?? Int(character.asciiValue! - 55)
            remainder = (remainder * (value > 9 ? 100 : 10) + value) % 97
        }
        return remainder == 1
    }

    /// `local@domain.tld` without spaces.
    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, text.count <= 254, !text.contains(where: \.isWhitespace) else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty } && labels.last!.allSatisfy(\.isLetter)
    }

    /// A dotted IPv4 address, or an IPv6 address of eight hex groups or fewer around one `::`.
    static func isIPAddress(_ text: String) -> Bool {
        let quad = text.split(separator: ".", omittingEmptySubsequences: false)
        if quad.count == 4 {
            return quad.allSatisfy { part in
                guard let numbers = digits(part), (1...3).contains(numbers.count), let value = Int(part) else { return false }
                return value <= 255
            }
        }
        let groups = text.split(separator: ":", omittingEmptySubsequences: false)
        let compressed = text.components(separatedBy: "::").count
        guard compressed <= 2, groups.count == 8 || (compressed == 2 && (3...8).contains(groups.count)) else { return false }
        return groups.allSatisfy { $0.count <= 4 && $0.allSatisfy(\.isHexDigit) } && groups.contains { !$0.isEmpty }
    }

    /// 8 to 15 digits written as a phone number: starting with `+`, `0` or `(`, grouped by
    /// spaces, dashes, dots or parentheses.
    static func isPhone(_ text: String) -> Bool {
        guard let first = text.first, first == "+" || first == "0" || first == "(" else { return false }
        let rest = text.dropFirst(first == "+" ? 1 : 0)
        guard rest.allSatisfy({ $0.isASCII && ($0.isNumber || " -.()".contains($0)) }) else { return false }
        return (8...15).contains(rest.filter(\.isNumber).count)
    }

    /// A dotted quad whose parts are all below 100 (`10.2.3.0`): as likely a version as an address.
    static func isVersionLike(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { Int($0).map { $0 < 100 } ?? false }
    }

    /// Bytes of an address's local part and of its domain (ASCII).
    private static let localBytes = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-".utf8)
    private static let domainBytes = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-".utf8)
    /// Bytes that group the digits of a number (`+`, space, dash, parentheses).
    private static let groupingBytes = Set("+ -()".utf8)

    /// Whether an e-mail address stands somewhere in `text`: around each `@`, the longest run of
    /// address characters, without leading or trailing dots and dashes, checked by `isEmail`.
    /// Works on UTF-8 bytes: addresses are matched in ASCII.
    static func containsEmail(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        for index in bytes.indices where bytes[index] == UInt8(ascii: "@") {
            var start = index
            while start > 0, localBytes.contains(bytes[start - 1]) { start -= 1 }
            var end = index + 1
            while end < bytes.count, domainBytes.contains(bytes[end]) { end += 1 }
            while end > index + 1, bytes[end - 1] == UInt8(ascii: ".") || bytes[end - 1] == UInt8(ascii: "-") { end -= 1 }
            while start < index, bytes[start] == UInt8(ascii: ".") { start += 1 }
            if isEmail(String(decoding: bytes[start..<end], as: UTF8.self)) { return true }
        }
        return false
    }

    /// The runs of `text` made of digits and the characters that group them (`+`, spaces,
    /// dashes, parentheses), trimmed of spaces and dashes at either end, that hold at least 8 digits.
    static func numberRuns(_ text: String) -> [String] {
        var runs: [String] = []
        var start = 0
        var digits = 0
        let bytes = Array(text.utf8)
        func close(at end: Int) {
            if digits >= 8 {
                var slice = bytes[start..<end]
                while let first = slice.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "-") { slice = slice.dropFirst() }
                while let last = slice.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "-") { slice = slice.dropLast() }
                runs.append(String(decoding: slice, as: UTF8.self))
            }
            digits = 0
        }
        for (index, byte) in bytes.enumerated() {
            if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                digits += 1
            } else if !groupingBytes.contains(byte) {
                close(at: index)
                start = index + 1
            }
        }
        close(at: bytes.count)
        return runs
    }
}
