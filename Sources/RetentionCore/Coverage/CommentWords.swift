import Foundation

/// What a column comment says: `retention:not-personal` (reviewed), or a word that marks it
/// personal, unless the comment denies it ("contains no PII", "not personal", "inga personuppgifter").
enum CommentWords {
    static let reviewedMarker = "retention:not-personal"
    static let personal: Set<String> = ["personal", "pii", "gdpr", "personuppgift", "personuppgifter"]
    /// Words that deny what follows them within `negationReach` words.
    static let negations: Set<String> = ["no", "not", "non", "without", "never", "none", "inga", "ingen", "inte", "ej", "utan"]
    static let negationReach = 3

    static func isReviewed(_ comment: String?) -> Bool {
        comment?.lowercased().contains(reviewedMarker) ?? false
    }

    /// The word of `comment` that marks the column personal, or nil (also when it is denied).
    static func match(_ comment: String?) -> String? {
        guard let comment else { return nil }
        let words = comment.lowercased().split { !$0.isLetter }.map(String.init)
        for (index, word) in words.enumerated() where personal.contains(word) {
            let before = words[max(0, index - negationReach)..<index]
            let after = words[(index + 1)...].prefix(1)
            if before.contains(where: negations.contains) || after.contains("free") { continue }
            return word
        }
        return nil
    }
}
