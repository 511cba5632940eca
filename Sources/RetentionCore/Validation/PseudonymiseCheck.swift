/// The checks of a `pseudonymise` action against its live table, shared by rules and the
/// targets of `subjects`: columns exist, fit their strategy, and the marker is a nullable timestamptz.
enum PseudonymiseCheck {
    static func problems(_ spec: PseudonymiseSpec, _ table: TableInfo) -> [(key: String, message: String)] {
        var found: [(key: String, message: String)] = []
        func problem(_ key: String, _ message: String) { found.append((key, message)) }
        for entry in spec.columns {
            let key = "pseudonymise.columns.\(entry.column)"
            guard let column = table.column(entry.column) else {
                problem(key, "table \(table.identifier) has no column \"\(entry.column)\"")
                continue
            }
            if table.primaryKey.contains(entry.column) {
                problem(key, "column \"\(entry.column)\" is part of the primary key; it cannot be pseudonymised in place")
            }
            switch entry.strategy {
            case .hmac, .redact:
                if !column.isText {
                    problem(key, "strategy \"\(entry.strategy.rawValue)\" needs a text column, but \"\(entry.column)\" is \(column.typeName)")
                } else if let length = column.maximumLength, length < (entry.strategy == .hmac ? 64 : 10) {
                    problem(key, "column \"\(entry.column)\" is \(column.typeName), too short for the \(entry.strategy == .hmac ? "64-character hex pseudonym" : "text [redacted]"); widen it")
                }
            case .truncateIP:
                if !(column.baseType == "inet" || column.isText) { problem(key, "strategy \"truncate-ip\" needs an inet or text column, but \"\(entry.column)\" is \(column.typeName)") }
            case .null:
                if column.notNull { problem(key, "column \"\(entry.column)\" is NOT NULL, so strategy \"null\" cannot apply; use \"redact\" or \"hmac\"") }
            }
        }
        if let marker = table.column(spec.marker) {
            if marker.baseType != "timestamptz" { problem("pseudonymise.marker", "column \"\(spec.marker)\" is \(marker.typeName); the marker must be timestamptz") }
            if marker.notNull { problem("pseudonymise.marker", "column \"\(spec.marker)\" is NOT NULL; the marker must be nullable (NULL means not yet pseudonymised)") }
        } else {
            problem("pseudonymise.marker", "table \(table.identifier) has no column \"\(spec.marker)\"; add a nullable timestamptz column")
        }
        return found
    }
}
