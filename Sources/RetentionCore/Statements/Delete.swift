/// The SQL of a `delete` rule's batch: the rows of the slice that are actionable go.
enum DeleteStatement {
    static func sql(target: String, whereClause: String) -> String {
        "DELETE FROM \(target) WHERE \(whereClause)"
    }
}
