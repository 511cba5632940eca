import Postgres

/// The legal holds in force, read by a batch (or a count) before its statement when that
/// statement cannot read `retention.legal_holds` itself (`RulePlan.readsHoldsFirst`): its keys
/// are then passed to the statement as an array.
public struct HoldsInForce: Sendable, Equatable {
    public struct Hold: Sendable, Equatable {
        public var tenant: String
        /// The rule the hold is on; nil for every rule.
        public var rule: String?

        public init(tenant: String, rule: String?) {
            self.tenant = tenant
            self.rule = rule
        }
    }

    public var holds: [Hold]

    public init(holds: [Hold]) { self.holds = holds }

    /// The tenants (as text) held for `rule`.
    public func tenants(for rule: String) -> [String] {
        holds.filter { $0.rule == nil || $0.rule == rule }.map(\.tenant)
    }

    static let sql = "SELECT tenant, rule FROM retention.legal_holds WHERE released_at IS NULL AND tenant IS NOT NULL"

    /// The holds in force when `plan` reads them first (`RulePlan.readsHoldsFirst`), else nil:
    /// its statements read `retention.legal_holds` themselves.
    static func read(for plan: RulePlan, _ connection: Connection) throws -> HoldsInForce? {
        guard plan.readsHoldsFirst else { return nil }
        return HoldsInForce(holds: try connection.execute(sql).rows.map { Hold(tenant: try $0.text(0), rule: $0[1]) })
    }
}
