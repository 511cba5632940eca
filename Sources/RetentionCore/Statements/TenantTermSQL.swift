import Postgres

/// The SQL of a per-tenant term (`due.perTenant`): each tenant's cutoff computed from its own
/// term in the tenants table, exactly as a rule's cutoff is from `after`.
///
/// `cutoff = asOf - term`, where `term` is the tenant's column (NULL: the rule's `after`) and a
/// term outside `[min, max]` counts as the nearest bound. The bounds are applied to the cutoffs,
/// not to the intervals (which PostgreSQL compares with 30-day months): the cutoff is at least
/// `asOf - max` and at most `asOf - min`, both computed once when the rule starts
/// (`TenantTermBounds`), so that a row costs one subtraction. With `align`, the anchor cutoff
/// follows from the tenant's cutoff as the rule's does (`CutoffQuery`). Pure: builds SQL text.
public struct TenantTermSQL: Sendable {
    public let term: TenantTerm
    public let due: Due
    let financialYearStartMonth: Int
    /// Placeholders of `asOf`, `after`, `asOf - max` and `asOf - min`.
    let asOf: String, after: String, longestCutoff: String, shortestCutoff: String

    /// Binds the values of `bounds` and the rule's `after` to `builder`.
    public init(_ term: TenantTerm, due: Due, bounds: TenantTermBounds, _ builder: inout SQLBuilder) {
        self.term = term
        self.due = due
        financialYearStartMonth = bounds.financialYearStartMonth
        asOf = "\(builder.bind(bounds.asOf))::timestamptz"
        after = "\(builder.bind(due.after.intervalText))::interval"
        longestCutoff = "\(builder.bind(bounds.longestTermCutoff))::timestamptz"
        shortestCutoff = "\(builder.bind(bounds.shortestTermCutoff))::timestamptz"
    }

    /// The tenants table under alias `t`.
    public var tenantsTable: String { "\(term.tenants.table.sql) t" }

    /// The tenant key of alias `t`.
    public var tenantKey: String { "t.\(Identifier.quote(term.tenants.key))" }

    /// The term column of tenant alias `t` as an interval (NULL when not set).
    public var termColumn: String {
        let column = "t.\(Identifier.quote(term.column))"
        switch term.unit {
        case .interval: return column
        case .days: return "(\(column) * interval '1 day')"
        }
    }

    /// `asOf` minus `term` (an interval expression, NULL for `after`), unbounded.
    private func ownCutoff(_ term: String) -> String { "(\(asOf) - coalesce(\(term), \(after)))" }

    /// `term` (an interval expression, NULL for `after`) as the tenant's cutoff, bounded.
    public func cutoff(term: String) -> String {
        "least(greatest(\(ownCutoff(term)), \(longestCutoff)), \(shortestCutoff))"
    }

    /// What a raw anchor of tenant `t`'s rows is compared with.
    public func anchorCutoff(term: String) -> String {
        CutoffQuery.anchorCutoff(of: cutoff(term: term), align: due.align, financialYearStartMonth: financialYearStartMonth)
    }

    /// Which term applies for `term`, as `TenantTermOf.Source`'s raw value: `max`, `min`,
    /// `after` (NULL) or `column`.
    public func source(term: String) -> String {
        """
        CASE WHEN \(ownCutoff(term)) < \(longestCutoff) THEN 'max' WHEN \(ownCutoff(term)) > \(shortestCutoff) THEN 'min'
             WHEN \(term) IS NULL THEN 'after' ELSE 'column' END
        """
    }

    /// The cutoffs a rule with this term starts from, in ISO 8601: the default cutoff (a tenant
    /// without a term), its anchor cutoff, the latest anchor cutoff any tenant can have (`asOf -
    /// min`: every due row is before it, which an index on the anchor can find) and the earliest
    /// anchor cutoff of any tenant now or of the default (the longest term: a partition wholly
    /// before it is due for every tenant).
    public var startCutoffs: String {
        let latest = CutoffQuery.anchorCutoff(of: shortestCutoff, align: due.align, financialYearStartMonth: financialYearStartMonth)
        let byDefault = anchorCutoff(term: "NULL::interval")
        return """
            SELECT \(SQLTime.isoUTC(cutoff(term: "NULL::interval"))), \(SQLTime.isoUTC(byDefault)), \(SQLTime.isoUTC(latest)),
                   \(SQLTime.isoUTC("least(\(byDefault), (SELECT min(\(anchorCutoff(term: termColumn))) FROM \(tenantsTable)))"))
            """
    }

    /// The term applied for `term` (an interval expression, NULL for `after`): `min` or `max`
    /// (bound here) when it passes them, else the term or `after`.
    public func appliedTerm(term: String, _ builder: inout SQLBuilder) -> String {
        let bounded = "CASE \(source(term: term)) WHEN 'max' THEN \(builder.bind(self.term.max.intervalText))::interval"
        return "(\(bounded) WHEN 'min' THEN \(builder.bind(self.term.min.intervalText))::interval ELSE coalesce(\(term), \(after)) END)"
    }

    /// Since when the earliest overdue row of a rule is due, for `audit`: over the tenants
    /// (`tenants`, a `text[]` placeholder, NULL for rows without a tenant) and the least aligned
    /// anchor of each one's overdue rows (`earliest`, a parallel `text[]`; NULL when only the
    /// termination makes them due), the least anchor (with the tenant's termination, aligned by
    /// `alignTermination`, when the rule counts from it) plus the tenant's own term; in ISO 8601
    /// UTC, and whole days from then to `daysTo` (a timestamptz placeholder). No row when there is
    /// no such anchor.
    public func overdueSince(tenants: String, earliest: String, key: TenantKey, withTermination: Bool, daysTo: String,
                             alignTermination: (String) -> String, _ builder: inout SQLBuilder) -> String {
        var anchor = "u.earliest::timestamptz"
        if withTermination {
            anchor = "least(\(anchor), \(alignTermination("t.\(Identifier.quote(term.tenants.terminatedAt))::timestamptz")))"
        }
        return """
            SELECT \(SQLTime.isoUTC("min(s.since)")), floor(extract(epoch FROM (\(daysTo)::timestamptz - min(s.since))) / 86400)::bigint
            FROM (SELECT \(anchor) + \(appliedTerm(term: termColumn, &builder)) AS since
                  FROM unnest(\(tenants)::text[], \(earliest)::text[]) AS u(tenant, earliest)
                  LEFT JOIN \(tenantsTable) ON \(key.matches(tenantKey, "u.tenant"))) s
            HAVING min(s.since) IS NOT NULL
            """
    }

    /// One tenant's term (`tenant`: a placeholder of the key as text, read by `key`'s type): the
    /// column's value as text (NULL when not set), the term unbounded as text, and its source.
    /// No row for a tenant the table does not have.
    public func termOf(tenant: String, key: TenantKey) -> String {
        """
        SELECT \(termColumn)::text, coalesce(\(termColumn), \(after))::text, \(source(term: termColumn))
        FROM \(tenantsTable) WHERE \(key.matches(tenantKey, tenant)) LIMIT 1
        """
    }

    /// The tenants whose own term is outside `[min, max]`: key (text), term (text), `min` or `max`.
    public var boundedTenants: String {
        """
        SELECT * FROM (SELECT \(tenantKey)::text, \(termColumn)::text, \(source(term: termColumn)) AS source
                       FROM \(tenantsTable) WHERE \(termColumn) IS NOT NULL ORDER BY \(tenantKey)) AS terms
        WHERE source IN ('min', 'max')
        """
    }

    /// The rows of `alias` that are due by their own tenant's term: no row of the tenants table
    /// with their key has a cutoff at or before their earliest anchor (`earliest`, given the
    /// tenant's termination as `t`'s column), and a key the table does not have counts with the
    /// default anchor cutoff (`byDefault`, over the row's own anchors; nil when it has none).
    /// Written as an anti-join and an uncorrelated `IN`, so that PostgreSQL hashes the tenants
    /// (or probes their key) once per row, as a plain join does. Never NULL.
    func duePredicate(tenantColumn: String, earliest: String, byDefault: String?) -> String {
        let notDue = "NOT coalesce(\(earliest) < \(anchorCutoff(term: termColumn)), false)"
        let known = "coalesce(\(tenantColumn) IN (SELECT \(tenantKey) FROM \(tenantsTable)), false)"
        return "NOT EXISTS (SELECT FROM \(tenantsTable) WHERE \(tenantKey) = \(tenantColumn) AND \(notDue)) AND (\(byDefault.map { "coalesce(\($0), false) OR " } ?? "")\(known))"
    }
}
