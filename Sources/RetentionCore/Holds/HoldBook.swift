import Postgres

/// Places and releases legal holds in the `retention` schema.
public struct HoldBook {
    public let connection: Connection

    public init(connection: Connection) { self.connection = connection }

    /// Why a hold could not be placed or released; nothing was changed.
    public enum HoldError: Error, Sendable, CustomStringConvertible {
        case unknownTenant(String, table: String)
        case unknownRule(String)
        /// The rule has no `tenantColumn`, so a hold on a tenant cannot keep any of its rows.
        case ruleWithoutTenants(String)
        case emptyReason
        case noSuchHold(Int64)
        case alreadyReleased(Int64, at: String)

        public var description: String {
            switch self {
            case let .unknownTenant(tenant, table): return "tenant \"\(tenant)\" does not exist in \(table); check --tenant"
            case let .unknownRule(rule): return "the policy has no rule \"\(rule)\" (--rule)"
            case let .ruleWithoutTenants(rule): return "rule \"\(rule)\" (--rule) has no \"tenantColumn\", so a hold on a tenant can keep none of its rows; name a rule tied to tenants, or add \"tenantColumn\" to the rule"
            case .emptyReason: return "--reason must say why the data is held (a case number, a decision)"
            case let .noSuchHold(id): return "there is no legal hold \(id); see \"retention hold list --all\""
            case let .alreadyReleased(id, at): return "legal hold \(id) was already released at \(at)"
            }
        }
    }

    /// Places a hold on `tenant` (for every rule, or for `rule`); checks that the tenant exists
    /// in the policy's tenants table. Returns the new hold's id.
    public func add(tenant: String, reason: String, rule: String?, by person: String, policy: Policy) throws -> Int64 {
        guard !reason.trimmingWhitespace.isEmpty else { throw HoldError.emptyReason }
        if let name = rule {
            guard let found = policy.rule(named: name) else { throw HoldError.unknownRule(name) }
            guard found.tenantColumn != nil else { throw HoldError.ruleWithoutTenants(name) }
        }
        if let tenants = policy.tenants {
            guard try TenantKey.load(tenants, connection: connection).exists(tenant, connection: connection) else { throw HoldError.unknownTenant(tenant, table: tenants.table.description) }
        }
        return try connection.execute("""
            INSERT INTO retention.legal_holds (tenant, rule, reason, placed_by) VALUES ($1, $2, $3, $4) RETURNING hold_id
            """, [tenant, rule, reason, person]).int64()
    }

    /// Releases hold `id`, recording who released it and when.
    public func release(id: Int64, by person: String) throws {
        let found = try connection.execute("""
            SELECT \(SQLTime.isoUTC("released_at")) FROM retention.legal_holds WHERE hold_id = $1
            """, [String(id)])
        guard let row = found.rows.first else { throw HoldError.noSuchHold(id) }
        if let releasedAt = row[0] { throw HoldError.alreadyReleased(id, at: releasedAt) }
        try connection.execute("""
            UPDATE retention.legal_holds SET released_at = clock_timestamp(), released_by = $2 WHERE hold_id = $1 AND released_at IS NULL
            """, [String(id), person])
    }
}
