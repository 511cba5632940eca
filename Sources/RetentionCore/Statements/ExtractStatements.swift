/// The SQL of a register extract: a target's rows of the person, each as JSON, in key order;
/// a row found only through an ambiguous value (it may be another person's) is counted, never
/// read: its JSON is NULL.
enum ExtractStatements {
    static func rows(_ plan: SubjectTargetPlan, values: SubjectValues) -> (sql: String, parameters: [String?]) {
        var builder = SQLBuilder()
        let sql = "SELECT CASE WHEN NOT m.ambiguous THEN to_jsonb(r)::text END FROM \(plan.personRows(values, &builder)) ORDER BY \(plan.primaryKey("r"))"
        return (sql, builder.parameters)
    }
}
