import Postgres

/// A subjects target bound to its live table: the SQL predicates that find a person's rows in
/// it, the legal holds that keep them, and the foreign keys that block their deletion. Pure:
/// builds text and parameters, runs nothing.
public struct SubjectTargetPlan: ChangedTable {
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
    /// The subject table's columns that `match` names, by name: the type the person's values
    /// were written out from.
    let subjectColumns: [String: ColumnInfo]
    /// Partitions detached from the table that still exist (`ArchivedLeaves`): a `detach` rule
    /// moved whole months there with every column, so the person's rows there are theirs too.
    public let archivedLeaves: [Identifier]
    /// How holds on persons reach the table's rows (every target on the table finds them).
    public let personHolds: PersonHolds?

    /// `personHolds`: how the session tells a held person's rows.
    public init(target: SubjectTarget, table: TableInfo, policy: Policy, schema: Schema, archivedLeaves: [Identifier] = [],
                personHolds reading: PersonHolds.Reading = .everyRowWhileAnyHold(citusHeld: true)) {
        self.target = target
        self.table = table
        self.archivedLeaves = archivedLeaves
        personHolds = PersonHolds.of(table, policy: policy, schema: schema, reading: reading)
        let subjectTable = policy.subjects.flatMap { schema.tables[$0.table] }
        subjectColumns = Dictionary(target.match.compactMap { match in
            subjectTable?.column(match.subjectColumn).map { (match.subjectColumn, $0) }
        }, uniquingKeysWith: { first, _ in first })
        tenantKey = Self.tenantKey(of: table, column: target.tenantColumn)
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
        blockingKeys = target.removesRows ? blocking.mergedByRoot : []
    }

    public var tenantColumn: String? { target.tenantColumn }

    /// Whether `key`'s referencing rows are kept rows of a keep target (else rows it references are blocked).
    func keeps(_ key: ForeignKey) -> Bool { keepingTargets[key.referencingRoot] != nil }

    /// The people's rows: a FROM clause that binds each row of the target as `r`, the request
    /// whose person it belongs to as `m.request_id`, once per request and row, and whether the
    /// row was found only through ambiguous values (`m.ambiguous`: not the person's row). A row
    /// is found when a `match` column holds one of the person's values of its subject column,
    /// compared in the target column's own type, without loss.
    /// `relation`: where the rows are read, by default the table and its archived leaves.
    func personRows(_ values: SubjectValues, _ builder: inout SQLBuilder, in relation: String? = nil) -> String {
        let table = relation ?? rows
        let joins = target.match.compactMap { match -> String? in
            guard let column = self.table.column(match.column) else { return nil }
            let typed = values.typed(match, target: target.name, as: column, from: subjectColumns[match.subjectColumn], &builder)
            return "(\(typed)) m JOIN \(table) r ON \(values.matches(self.column(match.column, "r")))"
        }
        guard joins.count > 1 else { return joins[0] }
        // A row may match a request by several columns: the pairs once, then the rows; the row
        // is the person's when any column found it through a value that is not ambiguous.
        let keys = zip(self.table.primaryKey, keyNames).map { "\(column($0, "r")) AS \($1)" }.joined(separator: ", ")
        let pairs = joins.map { "SELECT m.request_id, m.ambiguous, \(keys) FROM \($0)" }.joined(separator: " UNION ALL ")
        let names = keyNames.map { "p.\($0)" }.joined(separator: ", ")
        return """
            (SELECT p.request_id, \(names), bool_and(p.ambiguous) AS ambiguous FROM (\(pairs)) p GROUP BY p.request_id, \(names)) m \
            JOIN \(table) r ON \(primaryKey("r")) = (\(keyNames.map { "m.\($0)" }.joined(separator: ", ")))
            """
    }

    /// Whether every row the target matches holds, in each match column, exactly the text of
    /// the person's value it matched: the column has the subject column's own type, and that
    /// type's equal values print alike (integers, `uuid`; not text, which a collation may
    /// compare loosely, nor `citext`). The ledger's value HMACs then cover the target's rows,
    /// and the texts found there need not be hashed again.
    var matchesOnlyValueTexts: Bool {
        target.match.allSatisfy { match in
            guard let column = table.column(match.column), let source = subjectColumns[match.subjectColumn] else { return false }
            return column.typeName == source.typeName && ["smallint", "integer", "bigint", "uuid"].contains(column.typeName)
        }
    }

    /// The relations that hold the target's rows: the table, then its archived leaves.
    var relations: [Identifier] { [table.identifier] + archivedLeaves }

    /// The target's rows as one relation: the table, or with archived leaves the union of all
    /// (the table's columns by name: a detached leaf may order them otherwise).
    var rows: String {
        guard !archivedLeaves.isEmpty else { return table.identifier.sql }
        let columns = table.columns.map { Identifier.quote($0.name) }.joined(separator: ", ")
        return "(" + relations.map { "SELECT \(columns) FROM \($0.sql)" }.joined(separator: " UNION ALL ") + ")"
    }

    /// For a pseudonymise target, its rows still to be done: unmarked, or marked by another rule
    /// or target that shares the marker while one of this target's columns is not done yet
    /// (the target's own columns decide, not the marker alone); nil for other targets. Over
    /// alias `r`, as `PseudonymiseStatement` writes.
    /// On a Citus table, the unmarked rows only: the marker is this target's alone there
    /// (`SubjectSchemaCheck`), since completing a marked row takes a CASE over the pads' HMAC,
    /// which Citus refuses in an UPDATE.
    var toDoPredicate: String? {
        guard case let .pseudonymise(spec) = target.action else { return nil }
        if !completesMarkedRows { return "\(column(spec.marker, "r")) IS NULL" }
        let done = spec.columns.map { PseudonymiseStatement.done($0, table: table) }
        return "(\(column(spec.marker, "r")) IS NULL OR NOT (\(done.joined(separator: " AND "))))"
    }

    /// Whether a pseudonymise target's change completes rows that another rule or target
    /// marked (`PseudonymiseStatement`'s `completingMarked`): not on a Citus table.
    var completesMarkedRows: Bool { !table.distribution.isCitus }

    /// The text of a row's `match` columns: unchanged, the row still belongs to the same people.
    func matchedText(_ alias: String) -> String {
        "ROW(" + target.match.map { column($0.column, alias) }.joined(separator: ", ") + ")::text"
    }

    /// Rows of a tenant under a legal hold on every rule, or of a person under a hold; nil when
    /// neither can be. Read by the statement itself, so a hold placed during a run protects from
    /// the next batch on.
    public func heldPredicate(_ alias: String) -> String? { heldPredicate(alias, holdFilter: "h.rule IS NULL") }

    /// `heldPredicate`, or with `held`, the tenants held as read first (on Citus, with the
    /// people's values: `PersonValues.heldTenants`), passed as an array.
    func heldPredicate(_ alias: String, held: [String]?, _ builder: inout SQLBuilder) -> String? {
        guard let held, let tenantColumn = target.tenantColumn else { return heldPredicate(alias) }
        return tenantKey.held(column(tenantColumn, alias), amongKeys: builder.bind(textArrayLiteral(held)))
    }
}
