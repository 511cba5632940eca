import Foundation
import Postgres

/// Parses a policy file and checks everything that can be checked without a database.
///
/// Every problem is collected, so one `validate` lists them all. Unknown keys are problems.
public enum PolicyParser {
    /// Reads and parses the file at `path`.
    public static func load(path: String) throws -> Policy {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolicyError(problems: [PolicyProblem(rule: nil, key: "--policy", message: "could not read file \"\(path)\"")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PolicyError(problems: [PolicyProblem(rule: nil, key: "--policy", message: "file \"\(path)\" is not UTF-8 text")])
        }
        return try parse(text)
    }

    /// Parses policy JSON text.
    public static func parse(_ text: String) throws(PolicyError) -> Policy {
        let document: JSONValue
        do {
            document = try JSONParser.parse(text)
        } catch {
            throw PolicyError(problems: [PolicyProblem(rule: nil, key: "(file)", message: "invalid JSON at \(error)")])
        }
        guard var root = ObjectReader(document, rule: nil, path: "") else {
            throw PolicyError(problems: [PolicyProblem(rule: nil, key: "(file)", message: "a policy must be a JSON object")])
        }
        let name = root.string("policy", required: true)
        if let name, !isPlainName(name) {
            root.problem("policy", "\"\(name)\" may contain only letters, digits, \".\", \"-\" and \"_\"")
        }
        let tenants = parseTenants(&root)
        if let tenants { root.absorb(IdentifierLength.problems(tenants)) }
        let startMonth = root.integer("financialYearStartMonth") ?? 1
        if !(1...12).contains(startMonth) {
            root.problem("financialYearStartMonth", "must be a month number from 1 to 12, not \(startMonth)")
        }
        let timeZone = root.string("timeZone", required: false) ?? "UTC"
        if TimeZone(identifier: timeZone) == nil {
            root.problem("timeZone", "\"\(timeZone)\" is not an IANA time zone; use a name such as \"UTC\" or \"Europe/Stockholm\"")
        }
        var rules: [Rule] = []
        var names: Set<String> = []
        if let value = root.value("rules") {
            if case let .array(elements) = value, !elements.isEmpty {
                for (index, element) in elements.enumerated() {
                    let (rule, problems) = RuleParser.parse(element, index: index, tenants: tenants)
                    root.absorb(problems)
                    if let rule {
                        root.absorb(IdentifierLength.problems(rule))
                        if !names.insert(rule.name).inserted {
                            root.absorb([PolicyProblem(rule: rule.name, key: "name", message: "is used by an earlier rule; rule names must be unique")])
                        }
                        rules.append(rule)
                    }
                }
            } else {
                root.problem("rules", "must be a non-empty array of rules")
            }
        }
        let subjects = SubjectParser.parse(&root)
        if root.has("rules") == false, subjects == nil, !root.has("subjects") {
            root.problem("rules", "is missing; a policy has \"rules\", \"subjects\" or both")
        }
        if let subjects { root.absorb(SubjectParser.ruleReferences(subjects, rules: rules)) }
        let notPersonal = parseNotPersonal(&root)
        let categories = rules.compactMap(\.category) + (subjects?.categories ?? [])
        let processors = Processor.parse(&root, categories: categories)
        let problems = root.finish()
        guard problems.isEmpty, let name else { throw PolicyError(problems: problems) }
        return Policy(name: name, tenants: tenants, financialYearStartMonth: startMonth, timeZone: timeZone,
                      rules: rules, subjects: subjects, processors: processors, notPersonal: notPersonal, sha256: SHA256.hexDigest(text))
    }

    private static func parseTenants(_ root: inout ObjectReader) -> TenantSource? {
        guard var reader = root.object("tenants", required: false) else { return nil }
        let table = reader.string("table", required: true)
        let key = reader.string("key", required: true)
        let terminatedAt = reader.string("terminatedAt", required: true)
        let identifier = table.flatMap { Identifier(qualified: $0) }
        if let table, identifier == nil { reader.problem("table", "\"\(table)\" is not a table name; write \"table\" or \"schema.table\"") }
        root.absorb(reader.finish())
        guard let identifier, let key, let terminatedAt else { return nil }
        return TenantSource(table: identifier, key: key, terminatedAt: terminatedAt)
    }

    /// `notPersonal`: `table.column` or `schema.table.column` entries.
    private static func parseNotPersonal(_ root: inout ObjectReader) -> [ColumnReference] {
        var references: [ColumnReference] = []
        for entry in root.strings("notPersonal", required: false) ?? [] {
            if let reference = ColumnReference(entry) {
                references.append(reference)
            } else {
                root.problem("notPersonal", "\"\(entry)\" is not a column; write \"table.column\" or \"schema.table.column\"")
            }
        }
        return references
    }

    /// Letters, digits, `.`, `-` and `_`: safe in file names, lock keys and metric labels.
    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-_.".unicodeScalars.contains(scalar))
        }
    }
}
