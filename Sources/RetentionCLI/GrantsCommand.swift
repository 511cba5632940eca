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
                  .value("max-replica-lag", "DURATION", "the runs use --max-replica-lag: grant pg_monitor (the lag of standbys)"),
                  .value("max-slot-lag", "SIZE", "the runs use --max-slot-lag (needs no grant: every role reads the slots)"),
                  .flag("analyze", "the runs use --analyze: grant MAINTAIN on the tables rules change (PostgreSQL 17+)"),
                  .flag("vacuum", "the runs use --vacuum: the same as --analyze"),
                  CommonOptions.databaseURL],
        page: .operations,
        notes: "Give the options the runs use (--max-replica-lag, --max-slot-lag, --analyze, --vacuum): some need more privileges.")

    static func run(_ raw: [String]) throws -> ExitCode {
        let arguments = try Arguments(spec, raw)
        let policy = try PolicyParser.load(path: try arguments.required("policy"))
        let connection = try Commands.connect(arguments)
        let validation = try PolicyValidation.validate(policy, connection: connection, checkRowSecurity: false)
        guard validation.problems.isEmpty else { throw PolicyError(problems: validation.problems) }
        let row = try connection.execute("SELECT current_database(), current_setting('server_version_num')").onlyRow()
        var script = GrantScript(policy: policy, schema: validation.schema, role: arguments.value("role") ?? "retention_engine",
                                 database: try row.text(0))
        script.monitorsStandbys = try CommonOptions.throttle(arguments).replicaLagSeconds != nil
        script.tableHygiene = arguments.flag("vacuum") ? .vacuum : arguments.flag("analyze") ? .analyze : nil
        script.serverVersion = Int(try row.text(1)) ?? 0
        Output.out(script.sql(), terminator: "")
        return .success
    }
}
