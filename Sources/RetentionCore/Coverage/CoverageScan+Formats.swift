/// The text and JSON forms of a coverage scan. Neither ever holds a sampled value.
extension CoverageScan {
    /// One line per uncovered column, `schema.table.column: evidence; confidence; home`, then a summary.
    public var text: String {
        var lines = findings.map { finding in
            "\(finding.qualifiedName): \(finding.signals.map(\.description).joined(separator: ", ")); confidence \(finding.confidence.rawValue)" + (finding.home.map { "; home: " + $0.description } ?? "")
        }
        lines.append("coverage: \(findings.count) uncovered of \(personalColumns) personal-looking columns in \(tablesScanned) tables"
                     + (samplesFailed > 0 ? "; \(samplesFailed) tables could not be sampled" : ""))
        return lines.joined(separator: "\n") + "\n"
    }

    public var json: String {
        JSONWriter.write(.object([
            ("uncovered", .array(findings.map { finding in
                .object([
                    ("table", .string(finding.table.parts.joined(separator: "."))),
                    ("column", .string(finding.column)),
                    ("evidence", .array(finding.signals.map { .string($0.description) })),
                    ("confidence", .string(finding.confidence.rawValue)),
                    ("home", finding.home.map { .string($0.description) } ?? .null),
                ])
            })),
            ("personalColumns", .number(String(personalColumns))),
            ("tablesScanned", .number(String(tablesScanned))),
            ("samplesFailed", .number(String(samplesFailed))),
        ])) + "\n"
    }
}
