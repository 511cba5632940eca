/// The SQL of a register extract: a target's rows of the person, each as JSON, in key order;
/// never a row found only through an ambiguous value (it may be another person's).
enum ExtractStatements {
    static func rows(_ plan: SubjectTargetPlan, values: SubjectValues) -> (sql: String, parameters: [String?]) {
        var builder = SQLBuilder()
        let sql = "SELECT to_jsonb(r)::text FROM \(plan.personRows(values, &builder)) WHERE NOT m.ambiguous ORDER BY \(plan.primaryKey("r"))"
        return (sql, builder.parameters)
    }
}
