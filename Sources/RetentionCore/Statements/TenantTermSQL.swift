import Postgres

/// The SQL of a per-tenant term (`due.perTenant`): each tenant's cutoff computed from its own
/// term in the tenants table, exactly as a rule's cutoff is from `after`.
///
/// `cutoff = asOf - term`, where `term` is the tenant's column (NULL: the rule's `after`) and a
/// term outside `[min, max]` counts as the nearest bound. The bounds are applied to the cutoffs,
/// not to the intervals (which PostgreSQL compares with 30-day months): the cutoff is at least
/// `asOf - max` and at most `asOf - min`, in the session's (the policy's) time zone. With
/// `align`, the anchor cutoff follows from the tenant's cutoff as the rule's does (`CutoffQuery`).
/// Pure: builds SQL text.
public struct TenantTermSQL: Sendable {
    public let term: TenantTerm
    public let due: Due
    public let financialYearStartMonth: Int
    /// Placeholders of the run's `asOf` (timestamptz text) and of the rule's `after`, `min` and
    /// `max` (interval text).
    let asOf: String, after: String, min: String, max: String

    /// Binds `asOf` and the rule's periods to `builder`.
    public init(_ term: TenantTerm, due: Due, financialYearStartMonth: Int, asOf: String, _ builder: inout SQLBuilder) {
        self.term = term
        self.due = due
        self.financialYearStartMonth = financialYearStartMonth
        self.asOf = builder.bind(asOf)
        after = builder.bind(due.after.intervalText)
        min = builder.bind(term.min.intervalText)
        max = builder.bind(term.max.intervalText)
    }

    /// The tenants table under alias `t`.
    public var tenantsTable: String { "\(term.tenants.table.sql) t" }

    /// The term column of tenant alias `t` as an interval (NULL when not set).
    public var termColumn: String {
        let column = "t.\(Identifier.quote(term.column))"
        switch term.unit {
        case .interval: return column
        case .days: return "(\(column) * interval '1 day')"
        }
    }

    /// The term applied for `term` (an interval expression, NULL for `after`): the term, or the
    /// bound it passes, judged by the cutoffs at `asOf`.
    public func appliedTerm(term: String) -> String {
        let asOf = "\(self.asOf)::timestamptz"
        let own = "coalesce(\(term), \(after)::interval)"
        return "(CASE WHEN \(asOf) - \(own) < \(asOf) - \(max)::interval THEN \(max)::interval WHEN \(asOf) - \(own) > \(asOf) - \(min)::interval THEN \(min)::interval ELSE \(own) END)"
    }

    /// `term` (an interval expression, NULL for `after`) as the tenant's cutoff, bounded.
    public func cutoff(term: String) -> String {
        "(\(asOf)::timestamptz - \(appliedTerm(term: term)))"
    }

    /// What a raw anchor of tenant `t`'s rows is compared with.
    public func anchorCutoff(term: String) -> String {
        CutoffQuery.anchorCutoff(of: cutoff(term: term), align: due.align, financialYearStartMonth: financialYearStartMonth)
    }

    /// Whether the term in the column is outside `[min, max]` (so applied as the nearest bound);
    /// false for NULL.
    public var outOfBounds: String {
        let asOf = "\(self.asOf)::timestamptz"
        return "coalesce(\(asOf) - \(termColumn) < \(asOf) - \(max)::interval OR \(asOf) - \(termColumn) > \(asOf) - \(min)::interval, false)"
    }

    /// The cutoffs a rule with this term starts from, in ISO 8601: the default cutoff (a tenant
    /// without a term), its anchor cutoff, the latest anchor cutoff any tenant can have (`asOf -
    /// min`: every due row is before it, which an index on the anchor can find) and the earliest
    /// anchor cutoff of any tenant now or of the default (the longest term: a partition wholly
    /// before it is due for every tenant).
    public var startCutoffs: String {
        let latest = CutoffQuery.anchorCutoff(of: "(\(asOf)::timestamptz - \(min)::interval)", align: due.align,
                                              financialYearStartMonth: financialYearStartMonth)
        return """
            SELECT \(SQLTime.isoUTC(cutoff(term: "NULL::interval"))), \(SQLTime.isoUTC(anchorCutoff(term: "NULL::interval"))),
                   \(SQLTime.isoUTC(latest)),
                   \(SQLTime.isoUTC("least(\(anchorCutoff(term: "NULL::interval")), (SELECT min(\(anchorCutoff(term: termColumn))) FROM \(tenantsTable)))"))
            """
    }

    /// One tenant's term (`$n` the tenant's key as text, read by `key`'s type): the column's value as
    /// text (NULL when not set), the term applied as interval text, and which of `column`, `after`,
    /// `min` or `max` it is. No row for a tenant the table does not have.
    public func termOf(tenant: String, key: TenantKey) -> String {
        let asOf = "\(self.asOf)::timestamptz"
        let own = "coalesce(\(termColumn), \(after)::interval)"
        return """
            SELECT \(termColumn)::text, \(appliedTerm(term: termColumn))::text,
                   CASE WHEN \(asOf) - \(own) < \(asOf) - \(max)::interval THEN 'max'
                        WHEN \(asOf) - \(own) > \(asOf) - \(min)::interval THEN 'min'
                        WHEN \(termColumn) IS NULL THEN 'after' ELSE 'column' END
            FROM \(tenantsTable) WHERE \(key.matches("t.\(Identifier.quote(term.tenants.key))", tenant)) LIMIT 1
            """
    }

    /// The tenants whose term is outside `[min, max]`: key (text), term (text), and the bound applied.
    public var boundedTenants: String {
        """
        SELECT t.\(Identifier.quote(term.tenants.key))::text, \(termColumn)::text,
               CASE WHEN \(cutoff(term: termColumn)) = \(asOf)::timestamptz - \(max)::interval THEN 'max' ELSE 'min' END
        FROM \(tenantsTable) WHERE \(outOfBounds) ORDER BY t.\(Identifier.quote(term.tenants.key))
        """
    }
}
