/// The SQL of a `delete` rule's batch: the rows of the slice that are actionable go. `using`
/// joins other tables (`picked p`).
enum DeleteStatement {
    static func sql(target: String, using: String? = nil, whereClause: String) -> String {
        "DELETE FROM \(target)\(using.map { " USING \($0)" } ?? "") WHERE \(whereClause)"
    }
}
