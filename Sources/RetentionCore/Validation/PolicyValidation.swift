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
        let zoneKnown = try serverKnowsZone(policy.timeZone, connection)
        var problems = SchemaCheck.problems(policy, schema: schema, timeZoneKnown: zoneKnown)
        var warnings = SchemaCheck.warnings(policy, schema: schema)
        if let subjects = policy.subjects {
            problems += SubjectSchemaCheck.problems(subjects, policy: policy, schema: schema)
            warnings += SubjectSchemaCheck.warnings(subjects, policy: policy, schema: schema)
        }
        if checkRowSecurity { problems += RowSecurityCheck.problems(policy, schema: schema) }
        warnings += try PartitionForecast.partmanWarnings(policy, schema: schema, connection: connection)
        warnings += try UnfinishedRemovals.warnings(policy, schema: schema, connection: connection)
        if problems.isEmpty { warnings += try BoundedTenants.warnings(policy, schema: schema, connection: connection) }
        return Result(schema: schema, problems: problems, warnings: warnings)
    }

    /// Whether the server reads `zone` (the parser already checked that it is an IANA name):
    /// asked of `AT TIME ZONE`, which answers at once, where `pg_timezone_names` reads the whole
    /// time zone database (25-30 ms, on every run).
    private static func serverKnowsZone(_ zone: String, _ connection: Connection) throws -> Bool {
        do {
            try connection.execute("SELECT pg_catalog.now() AT TIME ZONE $1", [zone])
            return true
        } catch let error as PostgresError where error.sqlState == .invalidParameterValue {
            return false
        }
    }
}
