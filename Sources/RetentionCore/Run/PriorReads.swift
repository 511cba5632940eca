import Postgres

/// What a batch (or a count) on a Citus table reads before its statement and passes to it as
/// arrays, because Citus cannot plan that statement reading it itself (`RulePlan.readsHoldsFirst`,
/// `RulePlan.readsReferencesFirst`): the holds in force, a table of the coordinator; and, for a
/// rule on a reference table, the keys that rows of other tables reference through its blocking
/// foreign keys (Citus lets a change of a reference table read only reference tables).
public struct PriorReads: Sendable, Equatable {
    public var holds: HoldsInForce?
    /// By constraint name: the referenced keys (as text) that referencing rows hold now.
    public var referencedKeys: [String: [String]] = [:]

    public init(holds: HoldsInForce?, referencedKeys: [String: [String]] = [:]) {
        self.holds = holds
        self.referencedKeys = referencedKeys
    }

    /// The keys that rows of other tables reference through `plan`'s blocking foreign keys now,
    /// by constraint name; empty unless `plan.readsReferencesFirst`. A worker reads them once per
    /// rule and again when a batch failed on a foreign key (a row came to reference a due row).
    static func referencedKeys(for plan: RulePlan, _ connection: Connection) throws -> [String: [String]] {
        guard plan.readsReferencesFirst else { return [:] }
        var keys: [String: [String]] = [:]
        for key in plan.blockingKeys {
            let column = "c.\(Identifier.quote(key.referencingColumns[0]))"
            let sql = "SELECT DISTINCT \(column)::text FROM \(key.referencing.sql) c WHERE \(column) IS NOT NULL"
            keys[key.name] = try connection.execute(sql).rows.map { try $0.text(0) }
        }
        return keys
    }
}
