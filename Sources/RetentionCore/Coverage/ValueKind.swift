import Foundation

/// A kind of personal value that a sampled text can be recognised as.
public enum ValueKind: String, Sendable, CaseIterable {
    case personnummer
    case card = "card number"
    case iban = "IBAN"
    case email = "e-mail"
    case ip = "IP address"
    case phone

    /// The longest value any kind can be as a whole (an e-mail address), in bytes.
    static let longestWhole = 254

    /// The kind `value` is as a whole, tried in this order, or nil.
    static func of(_ value: String) -> ValueKind? {
        guard value.utf8.count <= longestWhole + 16 else { return nil }
        let text = value.trimmingCharacters(in: .whitespaces)
        for kind in allCases where kind.matches(text) { return kind }
        return nil
    }

    /// The kinds found inside `text` (free text, a document's or an array's text form): e-mail
    /// addresses around an `@`, and runs of digits that are a personnummer, a card number or a
    /// phone number.
    static func inside(_ text: String) -> Set<ValueKind> {
        var found: Set<ValueKind> = []
        if ValuePatterns.containsEmail(text) { found.insert(.email) }
        for run in ValuePatterns.numberRuns(text) {
            if let kind = [ValueKind.personnummer, .card, .phone].first(where: { $0.matches(run) }) { found.insert(kind) }
        }
        return found
    }

    func matches(_ text: String) -> Bool {
        switch self {
        case .personnummer: return ValuePatterns.isPersonnummer(text)
        case .card: return ValuePatterns.isCardNumber(text)
        case .iban: return ValuePatterns.isIBAN(text)
        case .email: return ValuePatterns.isEmail(text)
        case .ip: return ValuePatterns.isIPAddress(text)
        case .phone: return ValuePatterns.isPhone(text)
        }
    }
}
