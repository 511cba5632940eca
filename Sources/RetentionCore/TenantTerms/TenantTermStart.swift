import Postgres

extension TenantTermBounds {
    /// Reads when a rule with a per-tenant term starts: its default cutoff, the latest anchor
    /// cutoff any tenant can have (what `RuleBounds.anchorCutoff` holds for such a rule), and the
    /// per-tenant values, in the session's (the policy's) time zone.
    static func read(_ term: TenantTerm, due: Due, policy: Policy, asOf: String,
                     connection: Connection) throws -> (cutoff: String, anchorCutoff: String, bounds: TenantTermBounds) {
        var builder = SQLBuilder()
        let sql = TenantTermSQL(term, due: due, financialYearStartMonth: policy.financialYearStartMonth, asOf: asOf, &builder)
        let row = try connection.execute(sql.startCutoffs, builder.parameters).onlyRow()
        let bounds = TenantTermBounds(asOf: asOf, financialYearStartMonth: policy.financialYearStartMonth,
                                      defaultAnchorCutoff: try row.text(1), earliestAnchorCutoff: try row.text(3))
        return (try row.text(0), try row.text(2), bounds)
    }
}
