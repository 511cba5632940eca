/// The register extract as JSON (for machines, Art. 20) and as a page the person reads (Art. 15):
/// per target its category, basis and action, and its rows as a table, every column.
extension RegisterExtract: Document {
    public var json: JSONValue {
        .members([
            ("schema", .string("retention-register-extract/1")), ("policy", .string(policy)), ("generatedAt", .string(generatedAt)),
            ("subjectColumn", .string(subjectColumn)),
            ("targets", .array(sections.map { section in
                .members([("name", .string(section.target.name)), ("category", .string(section.target.category)),
                          ("basis", .optionalString(section.target.basis)), ("action", .string(section.target.action.kind.rawValue)),
                          ("table", .string(section.table)), ("rows", .array(section.rows)), ("withheld", .int(Int64(section.withheld)))])
            })),
        ])
    }

    private var title: String { "The data we hold about you" }

    private var introduction: String {
        "Every record that names you, as held on \(String(generatedAt.prefix(10))), by category; each table lists all of a record's fields."
    }

    /// A field's value as a person reads it: text as it is, a missing value as a dash, a nested
    /// value as JSON.
    private static func text(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return "—"
        case let .string(text)?: return text
        case let .number(text)?: return text
        case let .bool(flag)?: return flag ? "yes" : "no"
        case let value?: return JSONWriter.write(value, pretty: false)
        }
    }

    /// The columns of a section's rows, in the order of their first appearance.
    private static func columns(_ rows: [JSONValue]) -> [String] {
        var names: [String] = []
        for case let .object(members) in rows {
            for member in members where !names.contains(member.key) { names.append(member.key) }
        }
        return names
    }

    /// Why the section's records are held, and what happens to them.
    private static func purpose(_ section: Section) -> String {
        var parts = ["\(section.rows.count) record\(section.rows.count == 1 ? "" : "s")"]
        if let basis = section.target.basis { parts.append("kept because: \(basis)") }
        if section.withheld > 0 {
            parts.append("\(section.withheld) more match a value that another person also holds and are not shown")
        }
        return parts.joined(separator: "; ") + "."
    }

    public func markdown() -> String {
        let md = TextEscaping.markdown
        var lines = ["# \(md(title))", "", md(introduction)]
        for section in sections {
            lines += ["", "## \(md(section.target.category)): \(md(section.target.name))", "", md(Self.purpose(section))]
            let columns = Self.columns(section.rows)
            guard !columns.isEmpty else { continue }
            lines += ["", "| " + columns.map(md).joined(separator: " | ") + " |", "|" + String(repeating: " --- |", count: columns.count)]
            for row in section.rows {
                lines.append("| " + columns.map { md(Self.text(row[$0])).replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func html() -> String {
        let escape = TextEscaping.html
        var body = "<h1>\(escape(title))</h1>\n<p class=\"meta\">\(escape(introduction))</p>\n"
        for section in sections {
            body += "<section class=\"target\"><h2>\(escape(section.target.category))</h2>\n"
            body += "<p class=\"meta\">\(escape(section.target.name)): \(escape(Self.purpose(section)))</p>\n"
            let columns = Self.columns(section.rows)
            if !columns.isEmpty {
                body += "<table><thead><tr>" + columns.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
                for row in section.rows {
                    body += "<tr>" + columns.map { "<td>\(escape(Self.text(row[$0])))</td>" }.joined() + "</tr>\n"
                }
                body += "</tbody></table>\n"
            }
            body += "</section>\n"
        }
        return TextEscaping.htmlPage(title: title, style: Self.style, body: body)
    }

    private static let style = DocumentStyle.page(width: "60em") + "\n" + DocumentStyle.tables
}
