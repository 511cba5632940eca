import Postgres

/// The data-modifying part of a batch for each action: a `DELETE` or `UPDATE` with `RETURNING`,
/// plus any further common table expressions it needs (the roll-up upsert of `aggregate`).
struct ActionStatement {
    /// The statement that becomes the `changed` CTE; it returns a `tenant` column.
    let sql: String
    /// Extra `name AS (...),` fragments placed after `counted`; empty or ending with a comma.
    let extraCTEs: String

    static func change(_ plan: RulePlan, target: String, whereClause: String, returning: Bool, _ builder: inout SQLBuilder) -> ActionStatement {
        let returningClause = returning ? " RETURNING \(plan.tenantText("r")) AS tenant" : ""
        switch plan.rule.action {
        case .delete, .purgeFiles:
            return ActionStatement(sql: "DELETE FROM \(target) WHERE \(whereClause)\(returningClause)", extraCTEs: "")
        case .pseudonymise, .aggregate:
            fatalError("action \(plan.rule.action.name) is planned by its own statement")
        }
    }
}
