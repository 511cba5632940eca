import Postgres

/// What a policy covers, resolved against the catalog: tables whose rows a rule or subject
/// target removes, and columns a pseudonymise strategy names or `notPersonal` declares reviewed.
struct PolicyCoverage {
    /// Table oid (of the partition root) → what covers the whole table.
    var tables: [Int64: String] = [:]
    /// Table oid → column → what covers it.
    var columns: [Int64: [String: String]] = [:]
    /// Tables a subject target pseudonymises: an erasure request changes only the columns the
    /// target names, so a rule removing the rows later does not cover the others.
    var erasedByColumn: Set<Int64> = []

    /// Resolves the policy's tables in one statement.
    static func resolve(_ policy: Policy, connection: Connection) throws -> PolicyCoverage {
        var entries: [(table: Identifier, column: String?, by: String, erasure: Bool)] = []
        for rule in policy.rules {
            guard let table = rule.table else { continue }
            switch rule.action {
            case .delete, .aggregate: entries.append((table, nil, "rule \"\(rule.name)\"", false))
            case let .pseudonymise(spec):
                for column in spec.columns { entries.append((table, column.column, "rule \"\(rule.name)\"", false)) }
            case .purgeFiles: continue
            }
        }
        for target in policy.subjects?.targets ?? [] {
            switch target.action {
            case .delete: entries.append((target.table, nil, "subject target \"\(target.name)\"", false))
            case let .pseudonymise(spec):
                for column in spec.columns { entries.append((target.table, column.column, "subject target \"\(target.name)\"", true)) }
            case .keep: continue
            }
        }
        for reference in policy.notPersonal { entries.append((reference.table, reference.column, "notPersonal", false)) }
        let oids = try connection.execute(CoverageStatements.resolve, [textArrayLiteral(entries.map(\.table.sql))]).rows
        var coverage = PolicyCoverage()
        for (entry, row) in zip(entries, oids) {
            guard let text = row[0], let oid = Int64(text) else { continue }
            if entry.erasure { coverage.erasedByColumn.insert(oid) }
            if let column = entry.column {
                coverage.columns[oid, default: [:]][column] = coverage.columns[oid]?[column] ?? entry.by
            } else {
                coverage.tables[oid] = coverage.tables[oid] ?? entry.by
            }
        }
        return coverage
    }

    /// What covers `column` of table `oid`, or nil.
    func coveredBy(table oid: Int64, column: String) -> String? {
        erasedByColumn.contains(oid) ? columns[oid]?[column] : tables[oid] ?? columns[oid]?[column]
    }
}
