import Foundation

/// What a column comment says: `retention:not-personal` (reviewed), or a word that marks it personal.
enum CommentWords {
    static let reviewedMarker = "retention:not-personal"
    static let personal: Set<String> = ["personal", "pii", "gdpr"]

    static func isReviewed(_ comment: String?) -> Bool {
        comment?.lowercased().contains(reviewedMarker) ?? false
    }

    /// The word of `comment` that marks the column personal, or nil.
    static func match(_ comment: String?) -> String? {
        guard let comment else { return nil }
        return comment.lowercased().split { !$0.isLetter }.map(String.init).first { personal.contains($0) }
    }
}
