import Postgres
import RetentionCore

/// `retention grants`: prints the SQL of a least-privilege role for a policy.
enum GrantsCommand {
    static func run(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(command: "grants", raw, options: [.value("policy"), .value("role"), .value("database-url")])
        let policy = try PolicyParser.load(path: try arguments.required("policy"))
        let connection = try Commands.connect(arguments)
        let validation = try PolicyValidation.validate(policy, connection: connection, checkRowSecurity: false)
        guard validation.problems.isEmpty else { throw PolicyError(problems: validation.problems) }
        let database = try connection.execute("SELECT current_database()").requiredScalar()
        Output.out(GrantScript(policy: policy, schema: validation.schema, role: arguments.value("role") ?? "retention_engine",
                               database: database).sql(), terminator: "")
        return .success
    }
}
