/// The inner and outer padded keys of HMAC-SHA256 (RFC 2104), computed once in Swift so that
/// PostgreSQL's built-in `sha256(bytea)` can compute the HMAC without an extension and without
/// the personal data ever leaving the server.
///
/// `HMAC(K, m) = SHA256((K' ^ opad) || SHA256((K' ^ ipad) || m))`, where `K'` is the key, or its
/// SHA-256 when it is longer than the 64-byte block, padded with zeros to 64 bytes.
///
/// Either pad gives the key away (`K' = pad ^ 0x36…`), so they never appear in a statement or
/// a parameter, which the server may log or show in `pg_stat_activity`: each session receives
/// them once through `COPY` into a temporary table (`SessionPads`), and statements read them there.
public struct HMACPads: Sendable {
    /// `K' ^ 0x36…`, lower-case hex.
    public let inner: String
    /// `K' ^ 0x5c…`, lower-case hex.
    public let outer: String

    public init(key: [UInt8]) {
        let block = Self.block(key)
        inner = block.map { $0 ^ 0x36 }.hexString
        outer = block.map { $0 ^ 0x5c }.hexString
    }

    /// `K'`: the key, or its SHA-256 when longer than the block, padded with zeros to 64 bytes.
    private static func block(_ key: [UInt8]) -> [UInt8] {
        let block = key.count > 64 ? SHA256.hash(key) : key
        return block + [UInt8](repeating: 0, count: 64 - block.count)
    }

    /// HMAC-SHA256 of `message` under `key`, computed here (for what never needs the server).
    public static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        let block = Self.block(key)
        return SHA256.hash(block.map { $0 ^ 0x5c } + SHA256.hash(block.map { $0 ^ 0x36 } + message))
    }

    /// The session's temporary table of the pads: one row, `inner_pad` and `outer_pad`.
    static let table = "pg_temp.retention_pseudonym_pads"

    /// The SQL of the HMAC of `message` (a bytea expression) as lower-case hex, with the pads read
    /// from the session's table.
    public static func sql(message: String) -> String {
        "encode(sha256((SELECT outer_pad FROM \(table)) || sha256((SELECT inner_pad FROM \(table)) || \(message))), 'hex')"
    }
}
