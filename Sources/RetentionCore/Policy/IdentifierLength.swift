import Postgres

/// PostgreSQL keeps only the first 63 bytes of a name (NAMEDATALEN - 1) and silently drops the
/// rest, so a longer table or column name in a policy would act on whatever the shorter name
/// is. Every name a policy gives is checked here, with the rule and key it was written under.
enum IdentifierLength {
    static let maximumBytes = 63

    /// A problem for each name in `rule` longer than PostgreSQL keeps.
    static func problems(_ rule: Rule) -> [PolicyProblem] {
        var names: [(key: String, name: String)] = []
        if let table = rule.table { names += table.parts.map { ("table", $0) } }
        if let tenantColumn = rule.tenantColumn { names.append(("tenantColumn", tenantColumn)) }
        for case let .column(column) in rule.due.anchors { names.append(("due.from", column)) }
        if let term = rule.due.perTenant { names.append(("due.perTenant.column", term.column)) }
        switch rule.action {
        case .delete, .purgeFiles, .expireBackups:
            break
        case let .pseudonymise(spec):
            names += spec.columns.map { ("pseudonymise.columns.\($0.column)", $0.column) }
            names.append(("pseudonymise.marker", spec.marker))
        case let .aggregate(spec):
            names += spec.into.parts.map { ("aggregate.into", $0) }
            names.append(("aggregate.bucket.column", spec.bucketColumn))
            names += spec.dimensions.map { ("aggregate.dimensions", $0) }
            names.append(("aggregate.count", spec.countColumn))
            names += spec.sums.flatMap { [("aggregate.sums.\($0.source)", $0.source), ("aggregate.sums.\($0.source)", $0.total)] }
        }
        return names.compactMap { entry in problem(entry.name).map { PolicyProblem(rule: rule.name, key: entry.key, message: $0) } }
    }

    /// A problem for each name of the tenants section that is too long.
    static func problems(_ tenants: TenantSource) -> [PolicyProblem] {
        let names = tenants.table.parts.map { ("tenants.table", $0) } + [("tenants.key", tenants.key), ("tenants.terminatedAt", tenants.terminatedAt)]
        return names.compactMap { entry in problem(entry.1).map { PolicyProblem(rule: nil, key: entry.0, message: $0) } }
    }

    private static func problem(_ name: String) -> String? {
        let bytes = name.utf8.count
        guard bytes > maximumBytes else { return nil }
        return "\"\(name)\" is \(bytes) bytes long; PostgreSQL keeps only the first \(maximumBytes) bytes of a name and would act on the shortened one; use the name as the catalog has it"
    }
}
