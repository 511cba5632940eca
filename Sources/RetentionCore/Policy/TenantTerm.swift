/// A rule's per-tenant period (`due.perTenant`): each tenant's own term, read from a column of
/// the policy's tenants table, bounded by `min` and `max`. A NULL term (or a tenant the table does
/// not have) means the rule's `after`; a term outside the bounds counts as the nearest bound.
public struct TenantTerm: Sendable, Equatable {
    /// The tenants table the term is read from (the policy's `tenants`).
    public var tenants: TenantSource
    /// The column of the tenants table that holds the term.
    public var column: String
    public var unit: TermUnit
    /// The shortest term applied: a shorter one (a customer's `0`) counts as this.
    public var min: Period
    /// The longest term applied: a longer one (a typo of 700 years) counts as this.
    public var max: Period
}

/// How the term column holds a period.
public enum TermUnit: String, Sendable, Equatable {
    /// An `interval` column.
    case interval
    /// An integer column of days (`"unit": "days"`).
    case days
}

extension Due {
    /// The period in a person's words: `12 months`, or with per-tenant terms `12 months by
    /// default; by contract between 30 days and 7 years`.
    public var periodDescription: String {
        guard let perTenant else { return after.description }
        return "\(after) by default; by contract between \(perTenant.min) and \(perTenant.max)"
    }
}
