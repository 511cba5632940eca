/// The text and JSON forms of a coverage scan. Neither ever holds a sampled value.
extension CoverageScan {
    /// One line per uncovered column, `schema.table.column: evidence; confidence; home`, one per
    /// table not sampled, `schema.table: not sampled: reason`, then a summary. Names are printed
    /// as `quote_ident` would; the command line escapes control characters in each line.
    public var lines: [String] {
        var lines = findings.map { finding in
            var line = "\(finding.qualifiedName): \(finding.signals.map(\.description).joined(separator: ", ")); confidence \(finding.confidence.rawValue)"
            if let home = finding.home { line += "; home: " + home.description }
            if finding.inMaterializedView { line += "; materialized view: deleted rows stay in it until it is refreshed (run --refresh-views)" }
            return line
        }
        lines += unsampled.map { "\($0.table): not sampled: \($0.reason); \($0.columns.count) columns judged without their values" }
        lines.append("coverage: \(findings.count) uncovered of \(personalColumns) personal-looking columns in \(tablesScanned) tables"
                     + (unsampled.isEmpty ? "" : "; \(unsampled.count) tables not sampled"))
        return lines
    }

    /// Names as stored, unquoted (JSON escapes every character that could break a line).
    public var json: String {
        JSONWriter.write(.object([
            ("uncovered", .array(findings.map { finding in
                .object([
                    ("table", .string(finding.table.parts.joined(separator: "."))),
                    ("column", .string(finding.column)),
                    ("materializedView", .bool(finding.inMaterializedView)),
                    ("evidence", .array(finding.signals.map { .string($0.description) })),
                    ("confidence", .string(finding.confidence.rawValue)),
                    ("home", finding.home.map { .string($0.description) } ?? .null),
                ])
            })),
            ("notSampled", .array(unsampled.map { table in
                .object([("table", .string(table.table.parts.joined(separator: "."))), ("reason", .string(table.reason.description)),
                         ("columns", .array(table.columns.map { .string($0) }))])
            })),
            ("personalColumns", .number(String(personalColumns))),
            ("tablesScanned", .number(String(tablesScanned))),
            ("samplesFailed", .number(String(unsampled.count))),
        ])) + "\n"
    }
}
