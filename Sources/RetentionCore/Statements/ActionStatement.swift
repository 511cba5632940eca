import Postgres

/// The data-modifying part of a batch for each action: a `DELETE` or `UPDATE` with `RETURNING`,
/// plus any further common table expressions it needs (the roll-up upsert of `aggregate`).
/// Each action's SQL is built in its own file: `Delete`, `Pseudonymise`, `Aggregate`.
struct ActionStatement {
    /// The statement that becomes the `changed` CTE (or runs bare); with `returning` it returns
    /// a `tenant` column.
    let sql: String
    /// Extra `name AS (...),` fragments placed after `counted`; empty or ending with a comma.
    let extraCTEs: String

    static func change(_ plan: RulePlan, target: String, whereClause: String, returning: Bool) -> ActionStatement {
        let tenant = "\(plan.tenantText("r")) AS tenant"
        let returned = returning ? " RETURNING \(tenant)" : ""
        switch plan.rule.action {
        case .delete:
            return ActionStatement(sql: DeleteStatement.sql(target: target, whereClause: whereClause) + returned, extraCTEs: "")
        case .purgeFiles, .expireBackups:
            preconditionFailure("backup rules name no table, so they have no batch statement")
        case let .pseudonymise(spec):
            return ActionStatement(sql: PseudonymiseStatement.sql(spec, table: plan.table, target: target, whereClause: whereClause) + returned,
                                   extraCTEs: "")
        case let .aggregate(spec):
            return AggregateStatement.make(spec, plan: plan, target: target, whereClause: whereClause, tenant: tenant)
        }
    }
}
