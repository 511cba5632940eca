import Postgres

/// Parses a policy's `subjects` map; see `PolicyParser`. Every problem is collected; unknown
/// keys are problems. Targets are named in problems like rules: `rule "user-comments"`.
enum SubjectParser {
    static func parse(_ root: inout ObjectReader) -> SubjectMap? {
        guard var reader = root.object("subjects", required: false) else { return nil }
        let tableText = reader.string("table", required: true)
        let table = tableText.flatMap { Identifier(qualified: $0) }
        if let tableText, table == nil { reader.problem("table", "\"\(tableText)\" is not a table name; write \"table\" or \"schema.table\"") }
        let key = reader.string("key", required: true)
        let identifiers = reader.strings("identifiers", required: false) ?? []
        if let key, identifiers.contains(key) { reader.problem("identifiers", "lists the key \"\(key)\"; identifiers are the other columns") }
        var deadline = Period(months: 1, days: 0)
        if let text = reader.string("deadline", required: false) {
            if let period = Period(parsing: text), period.months + period.days > 0 {
                deadline = period
                if period.approximateDays > SubjectMap.longestDeadline.approximateDays {
                    reader.problem("deadline", "\"\(text)\" is longer than a request may wait: GDPR Art. 12(3) gives one month, extended once by two (\"retention request extend\"); write \"1 month\"")
                }
            } else {
                reader.problem("deadline", "\"\(text)\" is not a period; write \"N days\", \"N months\" or ISO 8601 such as \"P1M\" (more than 0)")
            }
        }
        let columns = (key.map { [$0] } ?? []) + identifiers
        var targets: [SubjectTarget] = []
        if let value = reader.value("targets") {
            if case let .array(elements) = value, !elements.isEmpty {
                for (index, element) in elements.enumerated() {
                    let (target, problems) = parseTarget(element, index: index, subjectColumns: columns)
                    reader.absorb(problems)
                    guard let target else { continue }
                    if targets.contains(where: { $0.name == target.name }) {
                        reader.absorb([PolicyProblem(rule: target.name, key: "name", message: "is used by an earlier target; target names must be unique", scope: .target)])
                    }
                    targets.append(target)
                }
            } else {
                reader.problem("targets", "must be a non-empty array of targets")
            }
        } else {
            reader.problem("targets", "is missing")
        }
        root.absorb(reader.finish())
        guard let table, let key else { return nil }
        return SubjectMap(table: table, key: key, identifiers: identifiers, deadline: deadline, targets: targets)
    }

    private static func parseTarget(_ value: JSONValue, index: Int, subjectColumns: [String]) -> (SubjectTarget?, [PolicyProblem]) {
        var reader: ObjectReader
        switch DefinitionParser.reader(value, index: index, scope: .target) {
        case let .success(opened): reader = opened
        case let .failure(problem): return (nil, [problem])
        }
        let shared = DefinitionParser.shared(&reader, categoryRequired: true, tableRequired: true)
        DefinitionParser.checkTableName(shared, &reader)
        var match: [SubjectMatch] = []
        if let map = reader.stringMap("match", required: true) {
            if map.isEmpty { reader.problem("match", "must map at least one column of the target to a subject column") }
            for entry in map {
                if !subjectColumns.contains(entry.value) {
                    reader.problem("match.\(entry.key)", "\"\(entry.value)\" is neither the subjects' key nor one of its identifiers (\(subjectColumns.joined(separator: ", ")))")
                }
                match.append(SubjectMatch(column: entry.key, subjectColumn: entry.value))
            }
        }
        let action = parseAction(&reader, basis: shared.basis)
        let problems = reader.finish()
        guard problems.isEmpty, let name = shared.name, let category = shared.category, let table = shared.table, let action else { return (nil, problems) }
        return (SubjectTarget(name: name, category: category, basis: shared.basis, table: table, tenantColumn: shared.tenantColumn,
                              match: match, action: action, purpose: shared.purpose, recipients: shared.recipients), [])
    }

    private static func parseAction(_ reader: inout ObjectReader, basis: String?) -> SubjectAction? {
        guard let name = reader.string("action", required: true) else { return nil }
        let kind = SubjectActionKind(rawValue: name)
        if kind != .pseudonymise, reader.has("pseudonymise") {
            _ = reader.value("pseudonymise")
            reader.problem("pseudonymise", "belongs to action \"pseudonymise\", not \"\(name)\"; remove it")
        }
        if kind != .keep, reader.has("keptUntilRule") {
            _ = reader.value("keptUntilRule")
            reader.problem("keptUntilRule", "belongs to action \"keep\", not \"\(name)\"; remove it")
        }
        guard let kind else {
            reader.problem("action", "\"\(name)\" is not a target action; use \"delete\", \"pseudonymise\" or \"keep\"")
            return nil
        }
        switch kind {
        case .delete:
            return .delete
        case .pseudonymise:
            return RuleParser.parsePseudonymise(&reader).map(SubjectAction.pseudonymise)
        case .keep:
            if basis == nil { reader.problem("basis", "is missing; a kept target must say which obligation keeps the rows") }
            return .keep(untilRule: reader.string("keptUntilRule", required: false))
        }
    }
}

extension SubjectParser {
    /// `keptUntilRule` names a rule of the policy on the target's own table.
    static func ruleReferences(_ subjects: SubjectMap, rules: [Rule]) -> [PolicyProblem] {
        subjects.targets.compactMap { target in
            guard case let .keep(untilRule?) = target.action else { return nil }
            guard let rule = rules.first(where: { $0.name == untilRule }) else {
                return PolicyProblem(rule: target.name, key: "keptUntilRule", message: "the policy has no rule \"\(untilRule)\"", scope: .target)
            }
            guard rule.table == target.table else {
                return PolicyProblem(rule: target.name, key: "keptUntilRule", message: "rule \"\(untilRule)\" works on \(rule.table.map(\.description) ?? "files"), not on \(target.table); name the rule that removes this table's rows", scope: .target)
            }
            return nil
        }
    }
}
