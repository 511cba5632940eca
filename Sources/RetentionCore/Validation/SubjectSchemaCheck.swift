import Postgres

/// Checks a policy's `subjects` against the live schema: the subject table, key and identifier
/// columns; every target's table, primary key and `match` columns (of a type comparable with
/// the subject column); the pseudonymise strategies as for rules; the order of the targets;
/// on Citus, what its request statements cannot do there (`citusProblems`).
/// Warnings: rows a kept target's rows (or a table no target empties) reference will be kept,
/// and `match` columns without an index (a request would scan the table).
public enum SubjectSchemaCheck {
    public static func problems(_ subjects: SubjectMap, policy: Policy, schema: Schema) -> [PolicyProblem] {
        var problems: [PolicyProblem] = []
        func top(_ key: String, _ message: String) { problems.append(PolicyProblem(rule: nil, key: "subjects.\(key)", message: message)) }
        func target(_ target: SubjectTarget, _ key: String, _ message: String) {
            problems.append(PolicyProblem(rule: target.name, key: key, message: message, scope: .target))
        }
        let subjectTable = schema.tables[subjects.table]
        if let reserved = ReservedSchema.problem(subjects.table, resolved: subjectTable) {
            top("table", reserved)
        } else if let subjectTable {
            for column in subjects.columns where subjectTable.column(column) == nil {
                top(column == subjects.key ? "key" : "identifiers", "table \(subjectTable.identifier) has no column \"\(column)\"")
            }
            // The key tells one person's rows from another's: two subject rows with one key would
            // be one person, and a row without one nobody's.
            if let key = subjectTable.column(subjects.key),
               !(subjectTable.primaryKey == [key.name] || (key.notNull && subjectTable.uniqueKeys.contains([key.name]))) {
                top("key", "column \"\(key.name)\" of \(subjectTable.identifier) is neither its primary key nor unique and NOT NULL, so it does not tell one person from another; name such a column")
            }
        } else {
            top("table", "table \(subjects.table) does not exist; check the name and the search_path")
        }
        for entry in subjects.targets {
            if let reserved = ReservedSchema.problem(entry.table, resolved: schema.tables[entry.table]) {
                target(entry, "table", reserved)
                continue
            }
            guard let table = schema.table(of: entry) else {
                target(entry, "table", "table \(entry.table) does not exist; check the name and the search_path")
                continue
            }
            if case let .other(kind) = table.kind {
                target(entry, "table", "\(table.identifier) is not a table (relkind \"\(kind)\"); targets work on tables and partitioned tables")
                continue
            }
            if table.primaryKey.isEmpty {
                target(entry, "table", "table \(table.identifier) has no primary key; add one so rows can be identified")
            }
            if let tenantColumn = entry.tenantColumn, table.column(tenantColumn) == nil {
                target(entry, "tenantColumn", "table \(table.identifier) has no column \"\(tenantColumn)\"")
            }
            for match in entry.match {
                guard let column = table.column(match.column) else {
                    target(entry, "match.\(match.column)", "table \(table.identifier) has no column \"\(match.column)\"")
                    continue
                }
                guard let subjectColumn = subjectTable?.column(match.subjectColumn) else { continue }
                if !(column.baseType == subjectColumn.baseType || (column.isText && subjectColumn.isText)) {
                    target(entry, "match.\(match.column)", "column \"\(match.column)\" of \(table.identifier) is \(column.typeName) but subject column \"\(match.subjectColumn)\" is \(subjectColumn.typeName); they cannot be compared")
                }
            }
            switch entry.action {
            case .delete:
                break
            case let .pseudonymise(spec):
                for found in PseudonymiseCheck.problems(spec, table) { target(entry, found.key, found.message) }
                if entry.match.contains(where: { match in spec.columns.contains { $0.column == match.column } }) {
                    target(entry, "pseudonymise.columns", "a matched column is also pseudonymised; match the target by a column that stays (such as its key)")
                }
            case let .keep(untilRule):
                if let untilRule, let rule = policy.rule(named: untilRule), let ruleTable = schema.table(of: rule), ruleTable.identifier != table.identifier {
                    target(entry, "keptUntilRule", "rule \"\(untilRule)\" works on \(ruleTable.identifier), not on \(table.identifier)")
                }
            }
        }
        if case let .failure(cycle) = SubjectOrder.ordered(subjects.targets, schema: schema) { problems.append(cycle) }
        if let subjectTable { problems += citusProblems(subjects, policy: policy, schema: schema, subjectTable: subjectTable) }
        return problems
    }

    /// On Citus (the subject table or a target's is a Citus table, so the people's values are
    /// read first and passed as arrays: `SubjectTargets.readsValuesFirst`), a target is refused
    /// when its `match` column has another type than its subject column (the values are judged
    /// ambiguous in the subject column's type before the batch); when it pseudonymises with a
    /// marker another rule or target of its table sets (completing a marked row needs a CASE
    /// over the pads' HMAC, which Citus refuses); when it hashes a column of a reference table
    /// (Citus refuses a change of one that reads the pads); and when it removes rows of a
    /// reference or Citus local table that a table other than a reference table references
    /// (Citus lets such a change read only reference tables).
    private static func citusProblems(_ subjects: SubjectMap, policy: Policy, schema: Schema, subjectTable: TableInfo) -> [PolicyProblem] {
        let tables = subjects.targets.compactMap { schema.table(of: $0) }
        guard subjectTable.distribution.isCitus || tables.contains(where: { $0.distribution.isCitus }) else { return [] }
        var problems: [PolicyProblem] = []
        func target(_ target: SubjectTarget, _ key: String, _ message: String) {
            problems.append(PolicyProblem(rule: target.name, key: key, message: message, scope: .target))
        }
        for entry in subjects.targets {
            guard let table = schema.table(of: entry) else { continue }
            for match in entry.match {
                guard let column = table.column(match.column), let source = subjectTable.column(match.subjectColumn),
                      column.typeName != source.typeName else { continue }
                target(entry, "match.\(match.column)", "column \"\(match.column)\" of \(table.identifier) is \(column.typeName) but subject column \"\(match.subjectColumn)\" is \(source.typeName); on Citus a request compares them in the subject column's type: give the column that type")
            }
            if case let .pseudonymise(spec) = entry.action, table.distribution.isCitus {
                let ruleShares = policy.rules.contains { rule in
                    guard case let .pseudonymise(other) = rule.action else { return false }
                    return other.marker == spec.marker && schema.table(of: rule)?.identifier == table.identifier
                }
                let targetShares = subjects.targets.contains { other in
                    guard other.name != entry.name, case let .pseudonymise(otherSpec) = other.action else { return false }
                    return otherSpec.marker == spec.marker && schema.table(of: other)?.identifier == table.identifier
                }
                if ruleShares || targetShares {
                    target(entry, "pseudonymise.marker", "on Citus the marker \"\(spec.marker)\" of \(table.identifier) must be this target's alone (another rule or target sets it, and completing a row it marked needs a CASE over the pseudonyms, which Citus refuses); give the target a marker column of its own")
                }
            }
            if case let .pseudonymise(spec) = entry.action, table.distribution == .reference,
               let hashed = spec.columns.first(where: { $0.strategy == .hmac }) {
                target(entry, "pseudonymise.columns", "column \"\(hashed.column)\" of \(table.identifier) (\(table.distribution.description)) cannot be hashed: Citus refuses a change of a reference table that reads the session's pseudonym key (a coordinator table); use \"null\" or \"redact\", or distribute the table")
            }
            if entry.removesRows, table.distribution == .reference || table.distribution == .citusLocal {
                let plan = SubjectTargetPlan(target: entry, table: table, policy: policy, schema: schema)
                for key in plan.blockingKeys where schema.tables[key.referencingRoot]?.distribution != .reference {
                    target(entry, "table", "rows of \(table.identifier) (\(table.distribution.description)) are referenced from \(key.referencing) through foreign key \"\(key.name)\", which a change of it may not read on Citus; keep the target, or drop the foreign key")
                }
            }
        }
        return problems
    }

    public static func warnings(_ subjects: SubjectMap, policy: Policy, schema: Schema) -> [PolicyProblem] {
        var warnings: [PolicyProblem] = []
        if subjects.deadline.approximateDays > SubjectMap.statutoryDeadline.approximateDays {
            warnings.append(PolicyProblem(rule: nil, key: "subjects.deadline", message: "\"\(subjects.deadline)\" is more than the one month GDPR Art. 12(3) gives; a longer time needs a reason given to the person, which \"retention request extend\" records"))
        }
        for entry in subjects.targets {
            guard let table = schema.table(of: entry) else { continue }
            for match in entry.match where table.column(match.column) != nil && !table.indexLeadingColumns.contains(match.column) {
                warnings.append(PolicyProblem(rule: entry.name, key: "match.\(match.column)", message: "column \"\(match.column)\" of \(table.identifier) has no index: every request scans the table; CREATE INDEX ON \(table.identifier.sql) (\(Identifier.quote(match.column)))", scope: .target))
            }
            guard entry.removesRows else { continue }
            let plan = SubjectTargetPlan(target: entry, table: table, policy: policy, schema: schema)
            for key in plan.blockingKeys {
                if let keeper = plan.keepingTargets[key.referencingRoot] {
                    warnings.append(PolicyProblem(rule: entry.name, key: "table", message: "rows of \(table.identifier) that rows of kept target \"\(keeper.name)\" (\(key.referencingRoot)) reference through foreign key \"\(key.name)\" will be kept, not erased", scope: .target))
                } else if !subjects.targets.contains(where: { $0.removesRows && schema.table(of: $0)?.identifier == key.referencingRoot }) {
                    warnings.append(PolicyProblem(rule: entry.name, key: "table", message: "rows of \(table.identifier) referenced through foreign key \"\(key.name)\" from \(key.referencingRoot), which no target empties, stay blocked and keep the request open", scope: .target))
                }
            }
        }
        return warnings
    }
}
