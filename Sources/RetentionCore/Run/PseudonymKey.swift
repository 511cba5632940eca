import Foundation

/// The secret key of `hmac` pseudonyms: the exact bytes of a file, at least 32 of them.
///
/// It never appears in a message, a log or a report; `description` says only its length.
public struct PseudonymKey: Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public static let minimumLength = 32

    public enum LoadError: Error, Sendable, CustomStringConvertible {
        case unreadable(path: String)
        case tooShort(path: String, length: Int)

        public var description: String {
            switch self {
            case let .unreadable(path):
                return "could not read pseudonym key file \"\(path)\"; check that it exists and is readable"
            case let .tooShort(path, length):
                return "pseudonym key file \"\(path)\" holds \(length) bytes; it needs at least \(PseudonymKey.minimumLength) (head -c 32 /dev/urandom > key)"
            }
        }
    }

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Reads the key file; nothing is trimmed.
    public static func load(path: String) throws(LoadError) -> PseudonymKey {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path: path) }
        guard data.count >= minimumLength else { throw .tooShort(path: path, length: data.count) }
        return PseudonymKey(bytes: Array(data))
    }

    public var description: String { "pseudonym key (\(bytes.count) bytes)" }

    /// Names the key without giving it away: the first 16 hex digits of its HMAC of a fixed
    /// text. The erasure ledger records it with each request's entry, so that `replay` refuses
    /// a key that did not make the entries (it would find nobody and say nothing).
    public var fingerprint: String {
        String(HMACPads.hmac(key: bytes, message: Array("retention pseudonym key fingerprint".utf8)).hexString.prefix(16))
    }
}
