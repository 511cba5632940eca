import Foundation

/// Reads a `request import` file (docs/subjects.md, "Importing requests"): JSON lines, one
/// object per line, or CSV with a header row; the fields `subject` (`NAME=VALUE`, required),
/// `reference`, `receivedAt`, `categories` (a JSON array, or in CSV names separated by `;`),
/// `verifiedBy` and `evidence`. Checks what the file alone can tell: unknown fields, the
/// subject's form and column, the categories, the time, a reference given twice. Pure.
public enum ImportFile {
    public enum Format: String, Sendable, CaseIterable {
        case jsonl, csv
    }

    static let fields = ["subject", "reference", "receivedAt", "categories", "verifiedBy", "evidence"]

    /// Every record of `text`, and the bad ones (a bad record is not among the records).
    public static func read(_ text: String, format: Format, subjects: SubjectMap) -> (records: [ImportRecord], bad: [BadRecord]) {
        var records: [ImportRecord] = []
        var bad: [BadRecord] = []
        var references: [String: Int] = [:]
        for raw in format == .jsonl ? jsonLines(text) : csvRecords(text) {
            switch raw {
            case let .failure(problem):
                bad.append(problem)
            case let .success((line, fields)):
                switch record(line: line, fields, subjects: subjects) {
                case let .failure(problem):
                    bad.append(problem)
                case let .success(record):
                    if let reference = record.reference {
                        if let first = references[reference] {
                            bad.append(BadRecord(line: line, field: "reference", reason: "repeats the reference of line \(first)"))
                            continue
                        }
                        references[reference] = line
                    }
                    records.append(record)
                }
            }
        }
        return (records, bad)
    }

    /// A record's fields as read: text, or a list (categories).
    enum Field: Equatable {
        case text(String)
        case list([String])
    }

    /// Checks one record's fields.
    private static func record(line: Int, _ fields: [String: Field], subjects: SubjectMap) -> Result<ImportRecord, BadRecord> {
        func bad(_ field: String, _ reason: String) -> Result<ImportRecord, BadRecord> { .failure(BadRecord(line: line, field: field, reason: reason)) }
        if let unknown = fields.keys.sorted().first(where: { !Self.fields.contains($0) }) {
            return bad(unknown, "is not a field of a request; use \(Self.fields.joined(separator: ", "))")
        }
        func text(_ name: String) -> Result<String?, BadRecord> {
            switch fields[name] {
            case nil: return .success(nil)
            case let .text(value)? where value.unicodeScalars.allSatisfy(\.properties.isWhitespace):
                return .failure(BadRecord(line: line, field: name, reason: "is empty; leave the field out instead"))
            case let .text(value)? where value.unicodeScalars.contains("\u{0}"):
                return .failure(BadRecord(line: line, field: name, reason: "contains a NUL character, which no column can hold"))
            case let .text(value)?: return .success(value)
            case .list?: return .failure(BadRecord(line: line, field: name, reason: "must be text, not a list"))
            }
        }
        guard case let .success(subjectText) = text("subject"), let subjectText else {
            if case let .failure(problem) = text("subject") { return .failure(problem) }
            return bad("subject", "is missing; give the person as NAME=VALUE, such as email=anna@example.com")
        }
        let subject: GivenValue
        do {
            subject = try GivenValue(parsing: subjectText)
        } catch {
            return bad("subject", "\(error)".replacingOccurrences(of: "--subject ", with: ""))
        }
        guard subjects.columns.contains(subject.column) else {
            return bad("subject", "names column \"\(subject.column)\", which is neither the subjects' key nor an identifier; use one of \(subjects.columns.joined(separator: ", "))")
        }
        let reference: String?, received: String?, method: String?, evidence: String?
        switch (text("reference"), text("receivedAt"), text("verifiedBy"), text("evidence")) {
        case let (.success(a), .success(b), .success(c), .success(d)): (reference, received, method, evidence) = (a, b, c, d)
        case let (.failure(problem), _, _, _), let (_, .failure(problem), _, _), let (_, _, .failure(problem), _), let (_, _, _, .failure(problem)):
            return .failure(problem)
        }
        var receivedAt: String?
        if let received {
            guard let instant = TimeText.instant(received) else {
                return bad("receivedAt", "\"\(received)\" is not a time; write ISO 8601 with an offset, such as 2026-03-15T09:30:00Z")
            }
            receivedAt = instant
        }
        var categories: [String] = []
        switch fields["categories"] {
        case nil: break
        case let .list(names)?: categories = names
        case let .text(joined)?: categories = joined.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let unknown = categories.first(where: { !subjects.categories.contains($0) }) {
            return bad("categories", "\"\(unknown)\" is not a category of the subjects' targets; use \(subjects.categories.map { "\"\($0)\"" }.joined(separator: ", "))")
        }
        return .success(ImportRecord(line: line, subject: subject, reference: reference, receivedAt: receivedAt, categories: categories,
                                     verification: Verification(method: method, evidence: evidence)))
    }

    /// The objects of JSON lines, by line; blank lines are skipped.
    private static func jsonLines(_ text: String) -> [Result<(Int, [String: Field]), BadRecord>] {
        var result: [Result<(Int, [String: Field]), BadRecord>] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
            guard !trimmed.allSatisfy(\.isWhitespace) else { continue }
            let value: JSONValue
            do {
                value = try JSONParser.parse(String(trimmed))
            } catch {
                result.append(.failure(BadRecord(line: number, field: "(line)", reason: "is not JSON: \(error.reason)")))
                continue
            }
            guard case let .object(members) = value else {
                result.append(.failure(BadRecord(line: number, field: "(line)", reason: "must be an object, not \(value.typeName)")))
                continue
            }
            var fields: [String: Field] = [:]
            var problem: BadRecord?
            for member in members {
                switch member.value {
                case .null: continue
                case let .string(text): fields[member.key] = .text(text)
                case let .array(elements) where member.key == "categories":
                    let names = elements.compactMap { if case let .string(name) = $0 { name } else { nil } }
                    if names.count != elements.count { problem = problem ?? BadRecord(line: number, field: member.key, reason: "must be a list of category names") }
                    fields[member.key] = .list(names)
                default:
                    problem = problem ?? BadRecord(line: number, field: member.key, reason: "must be \(member.key == "categories" ? "a list of category names" : "text"), not \(member.value.typeName)")
                }
            }
            result.append(problem.map { .failure($0) } ?? .success((number, fields)))
        }
        return result
    }

    /// The records of CSV (RFC 4180: a header row, fields quoted with `"` where they hold a
    /// comma, a quote or a line break) by the line each starts on; empty fields are left out.
    private static func csvRecords(_ text: String) -> [Result<(Int, [String: Field]), BadRecord>] {
        let rows = csvRows(text)
        guard let header = rows.first else { return [] }
        if let problem = header.problem { return [.failure(problem)] }
        var result: [Result<(Int, [String: Field]), BadRecord>] = []
        for (index, name) in header.fields.enumerated() where header.fields.firstIndex(of: name) != index {
            return [.failure(BadRecord(line: header.line, field: name, reason: "is named twice in the header"))]
        }
        for row in rows.dropFirst() {
            if let problem = row.problem { result.append(.failure(problem)); continue }
            guard !(row.fields.count == 1 && row.fields[0].isEmpty) else { continue }
            guard row.fields.count == header.fields.count else {
                result.append(.failure(BadRecord(line: row.line, field: "(line)", reason: "has \(row.fields.count) fields where the header has \(header.fields.count)")))
                continue
            }
            var fields: [String: Field] = [:]
            for (name, value) in zip(header.fields, row.fields) where !value.isEmpty { fields[name] = .text(value) }
            result.append(.success((row.line, fields)))
        }
        return result
    }

    /// CSV's rows: the line each starts on, its fields, or why it cannot be read.
    private static func csvRows(_ text: String) -> [(line: Int, fields: [String], problem: BadRecord?)] {
        var rows: [(line: Int, fields: [String], problem: BadRecord?)] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var afterQuote = false
        var line = 1
        var start = 1
        var problem: BadRecord?
        var characters = Array(text.unicodeScalars)
        if characters.last != "\n" { characters.append("\n") }
        var index = 0
        while index < characters.count {
            let character = characters[index]
            index += 1
            if quoted {
                if character == "\"" {
                    if index < characters.count, characters[index] == "\"" { field.unicodeScalars.append("\""); index += 1 } else { quoted = false; afterQuote = true }
                } else {
                    if character == "\n" { line += 1 }
                    field.unicodeScalars.append(character)
                }
                continue
            }
            switch character {
            case "\"" where field.isEmpty && !afterQuote:
                quoted = true
            case ",":
                fields.append(field)
                field = ""
                afterQuote = false
            case "\r" where index < characters.count && characters[index] == "\n":
                continue
            case "\n":
                fields.append(field)
                rows.append((start, fields, problem))
                fields = []
                field = ""
                afterQuote = false
                problem = nil
                line += 1
                start = line
            default:
                if afterQuote, problem == nil {
                    problem = BadRecord(line: start, field: "(line)", reason: "has text after a closing quote; quote the whole field and double its quotes")
                }
                field.unicodeScalars.append(character)
            }
        }
        if quoted { rows.append((start, [], BadRecord(line: start, field: "(line)", reason: "has a quote that is never closed"))) }
        return rows
    }
}
