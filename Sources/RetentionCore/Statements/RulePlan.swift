import Postgres

/// A rule bound to its live table: turns the rule's due, hold and foreign-key conditions into
/// SQL predicates over one row alias. Pure: builds text and parameters, runs nothing.
public struct RulePlan: ChangedTable {
    public let rule: Rule
    public let table: TableInfo
    /// How text names a key of the rule's tenant column (text when the rule has none).
    public let tenantKey: KeyType
    /// Foreign keys whose referencing rows stop a due row from being deleted.
    public let blockingKeys: [ForeignKey]

    /// The declared type of an aggregate's bucket column.
    public let aggregateBucketType: String?
    /// How holds on persons reach the table's rows (`PersonHolds.of`); nil when they cannot.
    public let personHolds: PersonHolds?

    /// `coveredTables`: the tables that rules of the policy remove rows from. A key from one of
    /// them declared ON DELETE CASCADE blocks like any other: cascading would delete rows of that
    /// table before its own rule makes them due.
    public init(rule: Rule, table: TableInfo, schema: Schema, coveredTables: Set<Identifier> = [], personHolds: PersonHolds? = nil) {
        self.rule = rule
        self.table = table
        self.personHolds = personHolds
        self.tenantKey = Self.tenantKey(of: table, column: rule.tenantColumn)
        let blocking = table.referencedBy.filter { key in
            key.blocksDelete || (key.onDelete == .cascade && coveredTables.contains(key.referencingRoot) && key.referencingRoot != table.identifier)
        }
        self.blockingKeys = rule.removesRows ? blocking.mergedByRoot : []
        if case let .aggregate(spec) = rule.action {
            aggregateBucketType = schema.tables[spec.into]?.column(spec.bucketColumn)?.typeName
        } else {
            aggregateBucketType = nil
        }
    }

    /// Every foreign key into the table, whatever its `ON DELETE` action, merged by referencing
    /// table: a row referenced through any of them makes its partition's `DETACH` fail (23503;
    /// a detach cascades nothing), so its partition goes by row batches, whose deletes cascade as
    /// the schema says.
    var keysIntoTable: [ForeignKey] { table.referencedBy.mergedByRoot }

    /// Whether the action's statement needs the changed rows themselves (an aggregate's roll-up).
    var needsReturning: Bool {
        if case .aggregate = rule.action { return true }
        return false
    }

    public var tenantColumn: String? { rule.tenantColumn }

    /// The tenant key as text, or a typed NULL when the rule has no tenant column.
    public func tenantText(_ alias: String) -> String {
        rule.tenantColumn.map { "\(column($0, alias))::text" } ?? "NULL::text"
    }

    /// Keys read from the tenant column itself (terminated tenants), as an array of its type.
    private func tenantArray(_ values: [String], _ builder: inout SQLBuilder) -> String {
        "\(builder.bind(textArrayLiteral(values)))::text[]::\(tenantKey.name)[]"
    }

    /// Whether any row can be due under `bounds`: not for a rule anchored on tenants'
    /// termination alone while no tenant is terminated (its due predicate is `false`).
    public func canHaveDueRows(_ bounds: RuleBounds) -> Bool {
        rule.due.anchors.contains { anchor in
            switch anchor {
            case .column: true
            case .tenantTerminatedAt: rule.tenantColumn != nil && !(bounds.terminatedTenants ?? []).isEmpty
            case .fileModified, .backupStart: false
            }
        }
    }

    /// Rows that are due: the earliest non-null anchor is before the cutoff (so: any anchor is),
    /// pseudonymised rows excluded, narrowed to `--tenant` when given.
    public func duePredicate(_ alias: String, _ bounds: RuleBounds, _ builder: inout SQLBuilder) -> String {
        var anchors: [String] = []
        var cutoffPlaceholder: String?
        for anchor in rule.due.anchors {
            switch anchor {
            case let .column(name):
                let placeholder = cutoffPlaceholder ?? builder.bind(bounds.anchorCutoff)
                cutoffPlaceholder = placeholder
                anchors.append("\(column(name, alias)) < \(placeholder)::timestamptz")
            case .tenantTerminatedAt:
                if let tenantColumn = rule.tenantColumn, let tenants = bounds.terminatedTenants, !tenants.isEmpty {
                    anchors.append("\(column(tenantColumn, alias)) = ANY(\(tenantArray(tenants, &builder)))")
                }
            case .fileModified, .backupStart:
                break
            }
        }
        var conditions = [anchors.isEmpty ? "false" : anchors.count == 1 ? anchors[0] : "(" + anchors.joined(separator: " OR ") + ")"]
        if let ownTerm = tenantTermPredicate(alias, bounds, &builder) {
            conditions.append(ownTerm)
        }
        if case let .pseudonymise(spec) = rule.action {
            conditions.append("\(column(spec.marker, alias)) IS NULL")
        }
        if let only = bounds.onlyTenant, let tenantColumn = rule.tenantColumn {
            // `--tenant` was checked to name a tenant, so its text reads as a key.
            conditions.append("\(column(tenantColumn, alias)) = \(builder.bind(only))::text::\(tenantKey.name)")
        }
        return conditions.joined(separator: " AND ")
    }

    /// With a per-tenant term: the row's earliest anchor is before its own tenant's anchor cutoff,
    /// read from the tenants table by the statement itself (a tenant the table does not have
    /// counts with `after`). The anchors alone, before the latest cutoff any tenant can have, are
    /// `duePredicate`'s other condition, which an index on the anchor serves.
    func tenantTermPredicate(_ alias: String, _ bounds: RuleBounds, _ builder: inout SQLBuilder) -> String? {
        guard let term = rule.due.perTenant, let termBounds = bounds.perTenant, let tenantColumn = rule.tenantColumn else { return nil }
        let sql = TenantTermSQL(term, due: rule.due, bounds: termBounds, &builder)
        var rowAnchors: [String] = []
        var withTermination: [String] = []
        for anchor in rule.due.anchors {
            switch anchor {
            case let .column(name):
                rowAnchors.append("\(column(name, alias))::timestamptz")
                withTermination.append("\(column(name, alias))::timestamptz")
            case .tenantTerminatedAt:
                withTermination.append("t.\(Identifier.quote(term.tenants.terminatedAt))::timestamptz")
            case .fileModified, .backupStart:
                break
            }
        }
        func earliest(_ anchors: [String]) -> String { anchors.count == 1 ? anchors[0] : "least(\(anchors.joined(separator: ", ")))" }
        guard !withTermination.isEmpty else { return nil }
        let byDefault = rowAnchors.isEmpty ? nil : "\(earliest(rowAnchors)) < \(builder.bind(termBounds.defaultAnchorCutoff))::timestamptz"
        let own = sql.duePredicate(tenantColumn: column(tenantColumn, alias), earliest: earliest(withTermination), byDefault: byDefault)
        guard !termBounds.replayedTerminations.isEmpty else { return own }
        return "(\(own) OR coalesce(\(column(tenantColumn, alias)) = ANY(\(tenantArray(termBounds.replayedTerminations, &builder))), false))"
    }

    /// Rows of a tenant under a legal hold that covers this rule, or of a person under a hold
    /// (`PersonHolds`); nil when neither can be. The holds are read by the statement itself, so
    /// a hold placed while a run goes on protects from the next batch on. Never NULL (a NULL
    /// tenant is not held). Held keys are read as the tenant column's type, so its own equality
    /// decides (as the termination join's does): a hold on `Acme` keeps `ACME` and `acme` under
    /// `citext`. `holds`: the tenant holds in force when the statement's transaction read them first.
    public func heldPredicate(_ alias: String, _ builder: inout SQLBuilder, holds: HoldsInForce? = nil) -> String? {
        guard let tenantColumn = rule.tenantColumn else { return held(tenant: nil, alias) }
        if let holds {
            return held(tenant: tenantKey.held(column(tenantColumn, alias), amongKeys: builder.bind(textArrayLiteral(holds.tenants(for: rule.name)))), alias)
        }
        return heldPredicate(alias, holdFilter: "(h.rule IS NULL OR h.rule = \(builder.bind(rule.name)))")
    }

    /// Whether each batch and count reads the holds in force first and passes their keys to its
    /// statement: on Citus, where a statement that read `retention.legal_holds` (a table of the
    /// coordinator) would have to be planned in steps, which Citus refuses with a TID range and in
    /// the filters of a count.
    public var readsHoldsFirst: Bool { rule.tenantColumn != nil && table.distribution.isCitus }

    /// Whether each batch reads the keys its blocking foreign keys reference first: on a Citus
    /// reference (or Citus local) table, whose changes Citus lets read only reference tables.
    /// Such keys have one column (`validate` refuses others).
    public var readsReferencesFirst: Bool {
        guard !blockingKeys.isEmpty else { return false }
        return table.distribution == .reference || table.distribution == .citusLocal
    }

    /// The same rows as `referencedPredicate`, written as an uncorrelated `IN` so that the
    /// referencing table is read (and hashed) once for a whole count rather than probed per row:
    /// a referencing column without an index would otherwise be scanned once per due row.
    public func referencedSetPredicate(_ key: ForeignKey, _ alias: String) -> String {
        let child = "c"
        let referenced = key.referencedColumns.map { column($0, alias) }
        let referencing = key.referencingColumns.map { column($0, child) }
        let present = referencing.map { "\($0) IS NOT NULL" }.joined(separator: " AND ")
        let left = referenced.count == 1 ? referenced[0] : "(" + referenced.joined(separator: ", ") + ")"
        return "coalesce(\(left) IN (SELECT \(referencing.joined(separator: ", ")) FROM \(key.referencing.sql) \(child) WHERE \(present)), false)"
    }

    /// The referencing rows of `key` as a `LEFT JOIN` of their distinct keys under alias `name`
    /// (optionally only rows that are not themselves due, `exceptDue` over `c`), and the condition
    /// that a row of `alias` is referenced.
    public func referencingJoin(_ key: ForeignKey, _ alias: String, as name: String, exceptDue: String? = nil) -> (clause: String, present: String) {
        let child = "c"
        let referencing = key.referencingColumns.map { column($0, child) }
        let present = referencing.map { "\($0) IS NOT NULL" }.joined(separator: " AND ")
        let notDue = exceptDue.map { " AND NOT (\($0))" } ?? ""
        let on = zip(key.referencingColumns, key.referencedColumns)
            .map { "\(column($0.0, name)) = \(column($0.1, alias))" }
            .joined(separator: " AND ")
        let clause = "LEFT JOIN (SELECT DISTINCT \(referencing.joined(separator: ", ")) FROM \(key.referencing.sql) \(child) WHERE \(present)\(notDue)) \(name) ON \(on)"
        return (clause, "\(column(key.referencingColumns[0], name)) IS NOT NULL")
    }

    /// Rows that the rule may act on: due, not held, and (for rules that remove rows) not
    /// referenced by any row through a blocking foreign key.
    /// `prior`: what the batch read first (`PriorReads`).
    public func actionablePredicate(_ alias: String, _ bounds: RuleBounds, _ builder: inout SQLBuilder, prior: PriorReads? = nil) -> String {
        var conditions = [duePredicate(alias, bounds, &builder)]
        if let held = heldPredicate(alias, &builder, holds: prior?.holds) {
            conditions.append("NOT \(held)")
        }
        for key in blockingKeys {
            if let keys = prior?.referencedKeys[key.name], let referenced = table.column(key.referencedColumns[0]) {
                let array = "\(builder.bind(textArrayLiteral(keys)))::text[]::\(referenced.unmodifiedType)[]"
                conditions.append("NOT coalesce(\(column(referenced.name, alias)) = ANY(\(array)), false)")
            } else {
                conditions.append("NOT " + referencedPredicate(key, alias))
            }
        }
        return conditions.joined(separator: " AND ")
    }
}
