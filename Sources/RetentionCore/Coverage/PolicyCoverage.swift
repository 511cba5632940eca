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
    /// Table oid → the pseudonymise rule or subject target working on it (a target first).
    var pseudonymisedBy: [Int64: String] = [:]
    /// The oids of the subject table and the tenants table, when the policy has them.
    var subjectTable: (oid: Int64, table: Identifier)?
    var tenantTable: (oid: Int64, table: Identifier)?

    /// Resolves the policy's tables in one statement.
    static func resolve(_ policy: Policy, connection: Connection) throws -> PolicyCoverage {
        var entries: [(table: Identifier, column: String?, by: String, erasure: Bool)] = []
        for rule in policy.rules {
            guard let table = rule.table else { continue }
            switch rule.action {
            case .delete, .aggregate: entries.append((table, nil, "rule \"\(rule.name)\"", false))
            case let .pseudonymise(spec):
                for column in spec.columns { entries.append((table, column.column, "rule \"\(rule.name)\"", false)) }
            case .purgeFiles, .expireBackups: continue
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
        let anchors = [policy.subjects?.table, policy.tenants?.table]
        let names = entries.map(\.table.sql) + anchors.map { $0?.sql ?? "" }
        let oids = try connection.execute(CoverageStatements.resolve, [textArrayLiteral(names)]).rows.map { $0[0].flatMap { Int64($0) } }
        var coverage = PolicyCoverage()
        if let subject = anchors[0], let oid = oids[entries.count] { coverage.subjectTable = (oid, subject) }
        if let tenants = anchors[1], let oid = oids[entries.count + 1] { coverage.tenantTable = (oid, tenants) }
        for (entry, found) in zip(entries, oids) {
            guard let oid = found else { continue }
            if entry.erasure { coverage.erasedByColumn.insert(oid) }
            if entry.column != nil, entry.by != "notPersonal", coverage.pseudonymisedBy[oid] == nil || entry.erasure {
                coverage.pseudonymisedBy[oid] = entry.by
            }
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

    /// The natural home of an uncovered column of table `oid`, given the table's foreign keys
    /// (referenced oid, referencing column).
    func home(table oid: Int64, foreignKeys: [(references: Int64, column: String)]) -> NaturalHome? {
        if let owner = pseudonymisedBy[oid] { return .pseudonymisation(owner) }
        if let subject = subjectTable, let key = foreignKeys.first(where: { $0.references == subject.oid }) {
            return .subjectTarget(column: key.column, references: subject.table)
        }
        if let tenants = tenantTable, let key = foreignKeys.first(where: { $0.references == tenants.oid }) {
            return .tenantRule(column: key.column, references: tenants.table)
        }
        return nil
    }
}
