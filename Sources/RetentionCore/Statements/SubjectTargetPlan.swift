import Postgres

/// A subjects target bound to its live table: the SQL predicates that find a person's rows in
/// it, the legal holds that keep them, and the foreign keys that block their deletion. Pure:
/// builds text and parameters, runs nothing.
public struct SubjectTargetPlan: Sendable {
    public let target: SubjectTarget
    public let table: TableInfo
    /// How a hold's text names a key of the target's tenant column (text when it has none).
    public let tenantKey: KeyType
    /// Foreign keys whose referencing rows keep a row from being deleted: every key that blocks
    /// a delete, and keys that would cascade into (or set null in) a table that a target or a
    /// rule of the policy covers, since that would change rows kept or counted there.
    public let blockingKeys: [ForeignKey]
    /// The targets of the policy that keep rows, by their resolved table: a row referenced from
    /// one of them is kept (with its basis), not blocked.
    public let keepingTargets: [Identifier: SubjectTarget]

    public init(target: SubjectTarget, table: TableInfo, policy: Policy, schema: Schema) {
        self.target = target
        self.table = table
        tenantKey = target.tenantColumn.flatMap { table.column($0) }.map(KeyType.init) ?? .text
        var covered = schema.tablesEmptied(by: policy.rules)
        var keeping: [Identifier: SubjectTarget] = [:]
        for other in policy.subjects?.targets ?? [] {
            guard let otherTable = schema.table(of: other) else { continue }
            covered.insert(otherTable.identifier)
            if case .keep = other.action, keeping[otherTable.identifier] == nil { keeping[otherTable.identifier] = other }
        }
        keepingTargets = keeping
        let blocking = table.referencedBy.filter { key in
            key.blocksDelete || (covered.contains(key.referencingRoot) && key.referencingRoot != table.identifier)
        }
        blockingKeys = target.removesRows ? RulePlan.mergedByRoot(blocking) : []
    }

    func column(_ name: String, _ alias: String) -> String { "\(alias).\(Identifier.quote(name))" }

    /// Whether `key`'s referencing rows are kept rows of a keep target (else rows it references are blocked).
    func keeps(_ key: ForeignKey) -> Bool { keepingTargets[key.referencingRoot] != nil }

    /// The people's rows: a FROM clause that binds each row of the target as `r` and the request
    /// whose person it belongs to as `m.request_id`, once per request and row. A row is a
    /// person's when a `match` column holds one of the person's values of its subject column,
    /// compared in the target column's own type.
    func personRows(_ values: SubjectValues, _ builder: inout SQLBuilder) -> String {
        let table = self.table.identifier.sql
        let joins = target.match.map { match in
            let typeName = self.table.column(match.column)?.typeName ?? "text"
            return "(\(values.typed(subjectColumn: match.subjectColumn, as: typeName, &builder))) m JOIN \(table) r ON \(values.matches(column(match.column, "r")))"
        }
        guard joins.count > 1 else { return joins[0] }
        // A row may match a request by several columns: the pairs once, then the rows.
        let keys = zip(self.table.primaryKey, keyNames).map { "\(column($0, "r")) AS \($1)" }.joined(separator: ", ")
        let pairs = joins.map { "SELECT m.request_id, \(keys) FROM \($0)" }.joined(separator: " UNION ")
        return "(\(pairs)) m JOIN \(table) r ON \(primaryKey("r")) = (\(keyNames.map { "m.\($0)" }.joined(separator: ", ")))"
    }

    /// `r.marker IS NULL` for a pseudonymise target (its rows still to be done); nil for others.
    func unmarkedPredicate(_ alias: String) -> String? {
        guard case let .pseudonymise(spec) = target.action else { return nil }
        return "\(column(spec.marker, alias)) IS NULL"
    }

    /// The text of a row's `match` columns: unchanged, the row still belongs to the same people.
    func matchedText(_ alias: String) -> String {
        "ROW(" + target.match.map { column($0.column, alias) }.joined(separator: ", ") + ")::text"
    }

    /// Rows of a tenant under a legal hold on every rule; nil without a tenant column. Read by
    /// the statement itself, so a hold placed during a run protects from the next batch on.
    public func heldPredicate(_ alias: String) -> String? {
        guard let tenantColumn = target.tenantColumn else { return nil }
        return tenantKey.held(column(tenantColumn, alias), holdFilter: "h.rule IS NULL")
    }

    /// Rows referenced through `key` by some row of the referencing table.
    func referencedPredicate(_ key: ForeignKey, _ alias: String) -> String {
        let join = zip(key.referencingColumns, key.referencedColumns)
            .map { "\(column($0.0, "c")) = \(column($0.1, alias))" }
            .joined(separator: " AND ")
        return "EXISTS (SELECT 1 FROM \(key.referencing.sql) c WHERE \(join))"
    }

    /// `(r."a", r."b")`: the primary key, which identifies a row also across partitions.
    func primaryKey(_ alias: String) -> String {
        "(" + table.primaryKey.map { column($0, alias) }.joined(separator: ", ") + ")"
    }

    /// `k1`, `k2`, …: the names statements give the primary key's columns.
    var keyNames: [String] { table.primaryKey.indices.map { "k\($0 + 1)" } }
}
