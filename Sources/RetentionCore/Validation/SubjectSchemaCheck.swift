import Postgres

/// Checks a policy's `subjects` against the live schema: the subject table, key and identifier
/// columns; every target's table, primary key and `match` columns (of a type comparable with
/// the subject column); the pseudonymise strategies as for rules; the order of the targets;
/// that none of these tables is a Citus table.
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
            if subjectTable.distribution.isCitus {
                top("table", "\(subjectTable.identifier) is a \(subjectTable.distribution.description); \(SubjectSchemaCheck.notOnCitus)")
            }
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
            if table.distribution.isCitus {
                target(entry, "table", "\(table.identifier) is a \(table.distribution.description); \(SubjectSchemaCheck.notOnCitus)")
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
        return problems
    }

    /// Why a subjects map is refused on Citus tables.
    static let notOnCitus = "the engine does not carry out erasure requests on Citus tables (Citus refuses its request statements, which join the coordinator's request tables with the person's rows); keep the subjects map to local tables, or erase on Citus with time and termination rules"

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
