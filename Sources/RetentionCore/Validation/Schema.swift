import Postgres

/// The catalog facts for every table a policy names, read once per command.
public struct Schema: Sendable {
    /// Tables by the identifier written in the policy.
    public var tables: [Identifier: TableInfo]
    /// Row-level security on the relations the policy reads or changes (the tables, their leaf
    /// partitions and the tables whose keys reference them), by resolved name; only relations
    /// that have it enabled.
    public var rowSecurity: [Identifier: RowSecurity]

    public init(tables: [Identifier: TableInfo], rowSecurity: [Identifier: RowSecurity] = [:]) {
        self.tables = tables
        self.rowSecurity = rowSecurity
    }

    /// Reads every table the policy names; tables that do not exist are simply absent.
    public static func load(for policy: Policy, connection: Connection) throws -> Schema {
        let catalog = Catalog(connection: connection)
        var names: [Identifier] = []
        if let tenants = policy.tenants { names.append(tenants.table) }
        for rule in policy.rules {
            if let table = rule.table { names.append(table) }
            if case let .aggregate(spec) = rule.action { names.append(spec.into) }
        }
        if let subjects = policy.subjects { names += [subjects.table] + subjects.targets.map(\.table) }
        var tables: [Identifier: TableInfo] = [:]
        for name in names where tables[name] == nil {
            if let info = try catalog.table(name) { tables[name] = info }
        }
        var relations: [Identifier] = []
        for table in tables.values {
            for relation in [table.identifier] + table.leaves + table.referencedBy.flatMap({ [$0.referencing, $0.referencingRoot] })
            where !relations.contains(relation) {
                relations.append(relation)
            }
        }
        return Schema(tables: tables, rowSecurity: try catalog.rowSecurity(of: relations))
    }

    /// The resolved table of a rule.
    public func table(of rule: Rule) -> TableInfo? { rule.table.flatMap { tables[$0] } }

    /// The rules among `rules` that remove rows (delete, aggregate) from `table`.
    public func rules(_ rules: [Rule], emptying table: Identifier) -> [Rule] {
        rules.filter { $0.removesRows && self.table(of: $0)?.identifier == table }
    }

    /// The resolved table of a subjects target.
    public func table(of target: SubjectTarget) -> TableInfo? { tables[target.table] }

    /// The tables that `rules` remove rows from.
    public func tablesEmptied(by rules: [Rule]) -> Set<Identifier> {
        Set(rules.filter(\.removesRows).compactMap { table(of: $0)?.identifier })
    }
}
