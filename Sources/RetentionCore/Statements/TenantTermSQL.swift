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

    /// `term` (an interval expression, NULL for `after`) as the tenant's cutoff, bounded.
    public func cutoff(term: String) -> String {
        let asOf = "\(self.asOf)::timestamptz"
        return "least(greatest(\(asOf) - coalesce(\(term), \(after)::interval), \(asOf) - \(max)::interval), \(asOf) - \(min)::interval)"
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

    /// The tenants whose term is outside `[min, max]`: key (text), term (text), and the bound applied.
    public var boundedTenants: String {
        """
        SELECT t.\(Identifier.quote(term.tenants.key))::text, \(termColumn)::text,
               CASE WHEN \(cutoff(term: termColumn)) = \(asOf)::timestamptz - \(max)::interval THEN 'max' ELSE 'min' END
        FROM \(tenantsTable) WHERE \(outOfBounds) ORDER BY t.\(Identifier.quote(term.tenants.key))
        """
    }
}
