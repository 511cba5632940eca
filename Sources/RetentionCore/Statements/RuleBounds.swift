import Foundation

/// The values a rule's statements compare against, fixed once when the rule starts.
public struct RuleBounds: Sendable, Equatable {
    /// `asOf - after`, the instant written in the report (with a per-tenant term: the cutoff of a
    /// tenant without a term of its own).
    public var cutoff: String
    /// What a raw anchor is compared with: the cutoff itself, or, with `align`, the start of the
    /// (financial or calendar) year whose end is the last year end strictly before the cutoff.
    /// With a per-tenant term, the latest anchor cutoff any tenant can have (`asOf - min`): every
    /// due row is before it, and each row is then compared with its own tenant's (`perTenant`).
    public var anchorCutoff: String
    /// Tenants whose termination (aligned like any anchor) is before the cutoff; nil when the
    /// rule has no `tenant.terminatedAt` anchor.
    public var terminatedTenants: [String]?
    /// `--tenant`: only this tenant's rows.
    public var onlyTenant: String?
    /// What a rule with a per-tenant term needs to compute each tenant's cutoff in its statements.
    public var perTenant: TenantTermBounds?

    public init(cutoff: String, anchorCutoff: String, terminatedTenants: [String]?, onlyTenant: String?,
                perTenant: TenantTermBounds? = nil) {
        self.cutoff = cutoff
        self.anchorCutoff = anchorCutoff
        self.terminatedTenants = terminatedTenants
        self.onlyTenant = onlyTenant
        self.perTenant = perTenant
    }

    /// What the bounds of a partition are compared with: a leaf wholly before it is due for every
    /// tenant (under the longest term of any tenant, with a per-tenant term).
    public var wholeLeafAnchorCutoff: String { perTenant?.earliestAnchorCutoff ?? anchorCutoff }
}

/// The values of a per-tenant term fixed when the rule starts; each tenant's term itself is read
/// by every statement, so a term changed during a run counts from the next batch on.
public struct TenantTermBounds: Sendable, Equatable {
    /// The run's `asOf`, ISO 8601.
    public var asOf: String
    public var financialYearStartMonth: Int
    /// `asOf - max`: no tenant's cutoff is earlier.
    public var longestTermCutoff: String
    /// `asOf - min`: no tenant's cutoff is later.
    public var shortestTermCutoff: String
    /// The anchor cutoff of a tenant without a term, or one the tenants table does not have.
    public var defaultAnchorCutoff: String
    /// The earliest anchor cutoff of any tenant when the rule started (the longest term, bounded).
    public var earliestAnchorCutoff: String
    /// Tenants whose erasure on termination the ledger replays after a restore: their rows are
    /// due whatever their term, as the replayed run found them.
    public var replayedTerminations: [String] = []

    public init(asOf: String, financialYearStartMonth: Int, longestTermCutoff: String, shortestTermCutoff: String,
                defaultAnchorCutoff: String, earliestAnchorCutoff: String) {
        self.asOf = asOf
        self.financialYearStartMonth = financialYearStartMonth
        self.longestTermCutoff = longestTermCutoff
        self.shortestTermCutoff = shortestTermCutoff
        self.defaultAnchorCutoff = defaultAnchorCutoff
        self.earliestAnchorCutoff = earliestAnchorCutoff
    }
}
