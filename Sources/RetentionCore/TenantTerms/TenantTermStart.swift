import Postgres

extension TenantTermBounds {
    /// Reads the values a rule with a per-tenant term starts from at `asOf`, in the session's
    /// (the policy's) time zone, and its default cutoff and the latest anchor cutoff any tenant
    /// can have (what `RuleBounds.anchorCutoff` holds for such a rule).
    static func read(_ term: TenantTerm, due: Due, financialYearStartMonth: Int, asOf: String,
                     connection: Connection) throws -> (cutoff: String, anchorCutoff: String, bounds: TenantTermBounds) {
        let limits = try connection.execute("SELECT \(SQLTime.isoUTC("$1::timestamptz - $2::interval")), \(SQLTime.isoUTC("$1::timestamptz - $3::interval"))",
                                            [asOf, term.max.intervalText, term.min.intervalText]).onlyRow()
        var bounds = TenantTermBounds(asOf: asOf, financialYearStartMonth: financialYearStartMonth,
                                      longestTermCutoff: try limits.text(0), shortestTermCutoff: try limits.text(1),
                                      defaultAnchorCutoff: "", earliestAnchorCutoff: "")
        var builder = SQLBuilder()
        let sql = TenantTermSQL(term, due: due, bounds: bounds, &builder)
        let row = try connection.execute(sql.startCutoffs, builder.parameters).onlyRow()
        bounds.defaultAnchorCutoff = try row.text(1)
        bounds.earliestAnchorCutoff = try row.text(3)
        return (try row.text(0), try row.text(2), bounds)
    }
}
