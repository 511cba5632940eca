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

    /// The keys whose referencing rows are kept rows of a keep target.
    var keepingKeys: [ForeignKey] { blockingKeys.filter { keepingTargets[$0.referencingRoot] != nil } }

    /// The keys whose referencing rows no target keeps: rows they reference are blocked.
    var otherBlockingKeys: [ForeignKey] { blockingKeys.filter { keepingTargets[$0.referencingRoot] == nil } }

    /// The person's rows: a `match` column holds one of the person's values of its subject
    /// column, compared in the target column's own type.
    public func matchPredicate(_ alias: String, _ values: SubjectValues, _ builder: inout SQLBuilder) -> String {
        let conditions = target.match.map { match in
            let type = table.column(match.column)?.typeName ?? "text"
            let subquery = values.sql(subjectColumn: match.subjectColumn, &builder)
            switch values {
            case .stored, .live:
                return "\(column(match.column, alias)) = ANY(ARRAY(SELECT x.value::\(type) FROM (\(subquery)) x(value)))"
            case .hashed:
                return "\(HMACPads.sql(message: "convert_to(\(column(match.column, alias))::text, 'UTF8')")) = ANY(ARRAY(\(subquery)))"
            }
        }
        return conditions.count == 1 ? conditions[0] : "(" + conditions.joined(separator: " OR ") + ")"
    }

    /// The person's rows still to be acted on: matched, and not yet pseudonymised.
    public func pendingPredicate(_ alias: String, _ values: SubjectValues, _ builder: inout SQLBuilder) -> String {
        var conditions = [matchPredicate(alias, values, &builder)]
        if case let .pseudonymise(spec) = target.action { conditions.append("\(column(spec.marker, alias)) IS NULL") }
        return conditions.joined(separator: " AND ")
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

    /// The rows a batch may act on: pending, not held, not referenced through a blocking key.
    public func actionablePredicate(_ alias: String, _ values: SubjectValues, _ builder: inout SQLBuilder) -> String {
        var conditions = [pendingPredicate(alias, values, &builder)]
        if let held = heldPredicate(alias) { conditions.append("NOT \(held)") }
        conditions += blockingKeys.map { "NOT " + referencedPredicate($0, alias) }
        return conditions.joined(separator: " AND ")
    }

    /// `(r."a", r."b")`: the primary key, which identifies a row also across partitions.
    func primaryKey(_ alias: String) -> String {
        "(" + table.primaryKey.map { column($0, alias) }.joined(separator: ", ") + ")"
    }
}
