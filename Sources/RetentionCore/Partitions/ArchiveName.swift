/// Where a `"partitions": "detach"` rule moves a detached partition: schema `retention_archive`,
/// under its original schema and name joined by a dot (`"eu.events_2024_01"`), so that leaves of
/// the same name in two schemas (per-region schemas) cannot collide. The indexes and sequences
/// that move with the table are named the same way. A name longer than PostgreSQL's 63 bytes is
/// cut and ends with a hash of the whole.
enum ArchiveName {
    static let schema = "retention_archive"
    /// PostgreSQL's `NAMEDATALEN - 1`: a longer name would be cut silently.
    static let maximumBytes = 63

    /// The archive's name for relation `name` of schema `original`.
    static func of(schema original: String, name: String) -> String {
        let full = original + "." + name
        guard full.utf8.count > maximumBytes else { return full }
        let suffix = "~" + String(SHA256.hexDigest(full).prefix(12))
        var cut = ""
        for character in full {
            guard cut.utf8.count + String(character).utf8.count + suffix.utf8.count <= maximumBytes else { break }
            cut.append(character)
        }
        return cut + suffix
    }
}
