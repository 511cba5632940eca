import Postgres

/// The live half of `validate`, shared by `run` and `plan`: loads the schema and checks the
/// policy against it.
public enum PolicyValidation {
    public struct Result: Sendable {
        public var schema: Schema
        public var problems: [PolicyProblem]
        public var warnings: [PolicyProblem]
    }

    /// `checkRowSecurity`: whether row-level security that hides rows from the connected role is
    /// a problem; off for `grants`, whose connection is not the role the script creates.
    public static func validate(_ policy: Policy, connection: Connection, checkRowSecurity: Bool = true) throws -> Result {
        let schema = try Schema.load(for: policy, connection: connection)
        let zoneKnown = try connection.execute("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names WHERE name = $1)",
                                               [policy.timeZone]).requiredScalar() == "t"
        var problems = SchemaCheck.problems(policy, schema: schema, timeZoneKnown: zoneKnown)
        var warnings = SchemaCheck.warnings(policy, schema: schema)
        if let subjects = policy.subjects {
            problems += SubjectSchemaCheck.problems(subjects, policy: policy, schema: schema)
            warnings += SubjectSchemaCheck.warnings(subjects, policy: policy, schema: schema)
        }
        if checkRowSecurity { problems += RowSecurityCheck.problems(policy, schema: schema) }
        warnings += try PartitionForecast.partmanWarnings(policy, schema: schema, connection: connection)
        return Result(schema: schema, problems: problems, warnings: warnings)
    }
}
