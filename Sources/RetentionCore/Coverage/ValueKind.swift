import Foundation

/// A kind of personal value that a sampled text can be recognised as.
public enum ValueKind: String, Sendable, CaseIterable {
    case personnummer
    case card = "card number"
    case iban = "IBAN"
    case email = "e-mail"
    case ip = "IP address"
    case phone

    /// The kind `value` is, tried in this order, or nil.
    static func of(_ value: String) -> ValueKind? {
        let text = value.trimmingCharacters(in: .whitespaces)
        for kind in allCases where kind.matches(text) { return kind }
        return nil
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
