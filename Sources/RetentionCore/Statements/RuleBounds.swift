import Foundation

/// The values a rule's statements compare against, fixed once when the rule starts.
public struct RuleBounds: Sendable, Equatable {
    /// `asOf - after`, the instant written in the report.
    public var cutoff: String
    /// What a raw anchor is compared with: the cutoff itself, or, with `align`, the start of the
    /// (financial or calendar) year whose end is the last year end strictly before the cutoff.
    public var anchorCutoff: String
    /// Tenants whose termination (aligned like any anchor) is before the cutoff; nil when the
    /// rule has no `tenant.terminatedAt` anchor.
    public var terminatedTenants: [String]?
    /// `--tenant`: only this tenant's rows.
    public var onlyTenant: String?

    public init(cutoff: String, anchorCutoff: String, terminatedTenants: [String]?, onlyTenant: String?) {
        self.cutoff = cutoff
        self.anchorCutoff = anchorCutoff
        self.terminatedTenants = terminatedTenants
        self.onlyTenant = onlyTenant
    }
}
