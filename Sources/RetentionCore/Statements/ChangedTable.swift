import Postgres

/// A table whose rows the engine deletes or changes, bound to its live definition: what a rule
/// (`RulePlan`) and a subjects target (`SubjectTargetPlan`) share, written once here: a column
/// as SQL, the tenant key, the rows a foreign key references, the rows a legal hold keeps, the
/// primary key. A capability every changed table gains (a hold on one person, a per-customer
/// term) is added here. Pure: builds text.
public protocol ChangedTable: Sendable {
    var table: TableInfo { get }
    /// The column that ties a row to a tenant, if any.
    var tenantColumn: String? { get }
    /// How a hold's text names a key of the tenant column (text when there is none).
    var tenantKey: KeyType { get }
    /// Foreign keys whose referencing rows keep a row from being deleted.
    var blockingKeys: [ForeignKey] { get }
    /// How holds on persons reach the table's rows; nil when no person's rows are found there.
    var personHolds: PersonHolds? { get }
}

extension ChangedTable {
    /// How a hold's text names a key of `column` of `table` (text when there is no such column).
    static func tenantKey(of table: TableInfo, column: String?) -> KeyType {
        column.flatMap { table.column($0) }.map(KeyType.init) ?? .text
    }

    /// `alias.column`, quoted.
    func column(_ name: String, _ alias: String) -> String { "\(alias).\(Identifier.quote(name))" }

    /// Rows referenced through `key` by some row of the referencing table.
    public func referencedPredicate(_ key: ForeignKey, _ alias: String) -> String {
        let join = zip(key.referencingColumns, key.referencedColumns)
            .map { "\(column($0.0, "c")) = \(column($0.1, alias))" }
            .joined(separator: " AND ")
        return "EXISTS (SELECT 1 FROM \(key.referencing.sql) c WHERE \(join))"
    }

    /// Rows of a tenant under a legal hold that `holdFilter` (over the hold `h`) selects, or of a
    /// person under a hold; nil when neither can be. Read by the statement itself, so a hold
    /// placed during a run protects from the next batch on.
    func heldPredicate(_ alias: String, holdFilter: String) -> String? {
        held(tenant: tenantColumn.map { tenantKey.held(column($0, alias), holdFilter: holdFilter) }, alias)
    }

    /// `tenantHeld` (rows of held tenants), or rows of a person under a hold: the one predicate of
    /// what legal holds keep; nil when nothing can be held.
    func held(tenant tenantHeld: String?, _ alias: String) -> String? {
        let held = [tenantHeld, personHolds?.heldPredicate { column($0, alias) }].compactMap { $0 }
        guard held.count > 1 else { return held.first }
        return "(" + held.joined(separator: " OR ") + ")"
    }

    /// `(r."a", r."b")`: the primary key, which identifies a row also across partitions.
    func primaryKey(_ alias: String) -> String {
        "(" + table.primaryKey.map { column($0, alias) }.joined(separator: ", ") + ")"
    }

    /// `k1`, `k2`, …: the names statements give the primary key's columns.
    var keyNames: [String] { table.primaryKey.indices.map { "k\($0 + 1)" } }
}

extension [ForeignKey] {
    /// Foreign keys declared on partitions count as the partitioned table's: a row in any
    /// partition that references a row keeps it, also in a partition the key was not declared on
    /// (Pagila declares `payment`'s keys on each monthly partition). Keys of the same columns
    /// from partitions of one table become one key over that table, named by all of them.
    var mergedByRoot: [ForeignKey] {
        var merged: [ForeignKey] = []
        for key in self {
            if let index = merged.firstIndex(where: { $0.referencingRoot == key.referencingRoot
                && $0.referencingColumns == key.referencingColumns && $0.referencedColumns == key.referencedColumns }) {
                merged[index].name += ", " + key.name
                continue
            }
            var rooted = key
            rooted.referencing = key.referencingRoot
            merged.append(rooted)
        }
        return merged
    }
}
