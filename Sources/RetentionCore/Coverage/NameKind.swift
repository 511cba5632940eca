/// What a word of a column's name says the column holds, and so which types can hold it.
enum NameKind: Equatable {
    case email, phone, ipAddress, personName, photo, address, birth, nationalID, payment, gender
    case special(SpecialCategory)

    /// The special category, for a word that names one.
    var special: SpecialCategory? {
        if case let .special(category) = self { return category }
        return nil
    }

    /// Whether a column of `type` can hold this: an e-mail is not a number, a timestamp or a
    /// boolean (`email_verified_at`, `email_opt_in`); a phone number may be a number. A special
    /// category fits any type (`has_diabetes boolean` is health data).
    func fits(_ type: ColumnType) -> Bool {
        switch self {
        case .special: return true
        case .email, .personName, .photo, .address: return ![.number, .time, .boolean].contains(type)
        case .phone, .ipAddress, .nationalID, .payment: return ![.time, .boolean].contains(type)
        case .birth: return type != .boolean
        case .gender: return type != .time
        }
    }
}
