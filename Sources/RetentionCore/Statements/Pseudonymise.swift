import Postgres

/// The SQL of a `pseudonymise` rule's batch: one `UPDATE` that replaces each column by its
/// strategy's value and sets the marker, so a row is done exactly once. `from` joins other tables.
enum PseudonymiseStatement {
    /// `completingMarked`: the row may carry the marker already, set by another rule or target
    /// that shares it but not all of these columns (a request's target): a column that already
    /// holds what its strategy writes is left as it is (an HMAC is never taken of an HMAC), the
    /// others are written, and the marker keeps its first time.
    static func sql(_ spec: PseudonymiseSpec, table: TableInfo, target: String, from: String? = nil, whereClause: String,
                    completingMarked: Bool = false) -> String {
        let marker = "r.\(Identifier.quote(spec.marker))"
        let assignments = spec.columns.map { entry in
            let value = completingMarked
                ? "CASE WHEN \(marker) IS NOT NULL AND \(done(entry, table: table)) THEN r.\(Identifier.quote(entry.column)) ELSE \(pseudonym(entry, table: table)) END"
                : pseudonym(entry, table: table)
            return "\(Identifier.quote(entry.column)) = \(value)"
        } + ["\(Identifier.quote(spec.marker)) = \(completingMarked ? "coalesce(\(marker), now())" : "now()")"]
        return "UPDATE \(target) SET \(assignments.joined(separator: ", "))\(from.map { " FROM \($0)" } ?? "") WHERE \(whereClause)"
    }

    /// Whether a row's column (alias `r`) already holds what its strategy writes: NULL, the
    /// redaction, an HMAC (64 lower-case hex digits), an address that truncating leaves as it is.
    static func done(_ entry: ColumnStrategy, table: TableInfo) -> String {
        let value = "r.\(Identifier.quote(entry.column))"
        switch entry.strategy {
        case .null: return "\(value) IS NULL"
        case .redact: return "(\(value) IS NULL OR \(value)::text = '[redacted]')"
        case .hmac: return "(\(value) IS NULL OR \(value)::text ~ '^[0-9a-f]{64}$')"
        case .truncateIP: return "(\(value) IS NULL OR \(value)::text = (\(pseudonym(entry, table: table)))::text)"
        }
    }

    /// The new value of one pseudonymised column; NULL stays NULL under every strategy.
    static func pseudonym(_ entry: ColumnStrategy, table: TableInfo) -> String {
        let value = "r.\(Identifier.quote(entry.column))"
        switch entry.strategy {
        case .null:
            return "NULL"
        case .redact:
            return "CASE WHEN \(value) IS NULL THEN NULL ELSE '[redacted]' END"
        case .hmac:
            return HMACPads.sql(message: utf8Bytes("\(value)::text", table: table))
        case .truncateIP:
            if table.column(entry.column)?.baseType == "inet" {
                return "host(network(set_masklen(\(value), CASE WHEN family(\(value)) = 4 THEN 24 ELSE 48 END)))::inet"
            }
            // A text column keeps its text form; text that is not an address is redacted.
            let address = "\(value)::inet"
            return """
                CASE WHEN \(value) IS NULL THEN NULL \
                WHEN \(value) ~ '\(addressPattern)' \
                THEN host(network(set_masklen(\(address), CASE WHEN family(\(address)) = 4 THEN 24 ELSE 48 END))) \
                ELSE '[redacted]' END
                """
        }
    }

    /// The UTF-8 bytes of `text`. Citus refuses STABLE functions over columns in an UPDATE, and
    /// `convert_to` is STABLE: on a Citus table the bytes come from IMMUTABLE `decode(…, 'escape')`
    /// of the text with its backslashes doubled, which in a UTF8 database are the same bytes.
    static func utf8Bytes(_ text: String, table: TableInfo) -> String {
        guard table.distribution.isCitus else { return "convert_to(\(text), 'UTF8')" }
        return "decode(replace(\(text), chr(92), chr(92) || chr(92)), 'escape')"
    }

    /// Text that `::inet` reads: dotted IPv4 with octets up to 255 and a mask up to 32, or IPv6
    /// (hex groups and colons, an optional embedded IPv4, a mask up to 128). Other text is redacted.
    static let addressPattern = "^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(/(3[0-2]|[12]?[0-9]))?$"
        + "|^(([0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|([0-9A-Fa-f]{1,4}:){1,7}:|([0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}"
        + "|([0-9A-Fa-f]{1,4}:){1,5}(:[0-9A-Fa-f]{1,4}){1,2}|([0-9A-Fa-f]{1,4}:){1,4}(:[0-9A-Fa-f]{1,4}){1,3}"
        + "|([0-9A-Fa-f]{1,4}:){1,3}(:[0-9A-Fa-f]{1,4}){1,4}|([0-9A-Fa-f]{1,4}:){1,2}(:[0-9A-Fa-f]{1,4}){1,5}"
        + "|[0-9A-Fa-f]{1,4}:(:[0-9A-Fa-f]{1,4}){1,6}|:((:[0-9A-Fa-f]{1,4}){1,7}|:))(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?$"
}
