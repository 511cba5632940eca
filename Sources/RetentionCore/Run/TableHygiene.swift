import Postgres

/// `--analyze` or `--vacuum`: what runs on every table a rule changed, after the rule. On a
/// partitioned table it runs on the parent, which covers the partitions.
public enum TableHygiene: String, Sendable {
    case analyze, vacuum

    /// The command, as the report names it.
    public var commandName: String {
        switch self {
        case .analyze: return "ANALYZE"
        case .vacuum: return "VACUUM (ANALYZE)"
        }
    }

    /// The tables a rule changes: its own, and an aggregate's roll-up table.
    static func tables(of plan: RulePlan) -> [Identifier] {
        switch plan.rule.action {
        case .delete, .pseudonymise, .purgeFiles, .expireBackups: return [plan.table.identifier]
        case let .aggregate(spec): return [plan.table.identifier, spec.into]
        }
    }

    /// Runs the command on `table` outside any transaction block (VACUUM cannot run in one),
    /// with no statement timeout, then restores the worker's timeout.
    func run(on table: Identifier, connection: Connection, statementTimeoutMilliseconds: Int) throws {
        try connection.execute(HygieneStatements.statementTimeout, ["0"])
        defer { _ = try? connection.execute(HygieneStatements.statementTimeout, ["\(statementTimeoutMilliseconds)ms"]) }
        try connection.execute(HygieneStatements.command(self, table))
    }

    /// Before a run changes anything: the role must be allowed to run the command on every table
    /// the rules change, or PostgreSQL would skip the table with only a warning. One line per
    /// table it may not maintain.
    static func problems(_ hygiene: TableHygiene, plans: [RulePlan], connection: Connection) throws -> [String] {
        var checked: Set<Identifier> = []
        var problems: [String] = []
        for plan in plans {
            for table in tables(of: plan) where checked.insert(table).inserted {
                let row = try connection.execute(HygieneStatements.mayMaintain, [table.sql]).onlyRow()
                if try !row.bool(0) {
                    problems.append("--\(hygiene.rawValue): role \"\(try row.text(1))\" may not run \(hygiene.commandName) on \(table) (it needs to own the table, or have MAINTAIN on it on PostgreSQL 17 and later)")
                }
            }
        }
        return problems
    }
}
