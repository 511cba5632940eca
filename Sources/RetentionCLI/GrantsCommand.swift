import Postgres
import RetentionCore

/// `retention grants`: prints the SQL of a least-privilege role for a policy.
enum GrantsCommand {
    static let spec = CommandSpec(
        name: "grants",
        summary: """
            retention grants prints the SQL of a role that can do exactly what a policy needs and
            nothing else. Run the output as the owner of the tables, then run the engine as that role.
            """,
        usage: ["retention grants --policy=FILE [--role=NAME] [OPTION]..."],
        options: [CommonOptions.policy, .value("role", "NAME", "the role to create and grant to (default: retention_engine)"),
                  CommonOptions.databaseURL])

    static func run(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(spec, raw)
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
