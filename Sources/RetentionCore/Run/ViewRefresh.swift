import Postgres

/// `--refresh-views`: after a rule that changed rows, every materialized view that reads a table
/// the rule changed is refreshed (CONCURRENTLY where a unique index allows), so deleted rows do
/// not live on in it.
enum ViewRefresh {
    /// The materialized views that read the tables `plan` changes, nearest first, each once.
    static func views(of plan: RulePlan, schema: Schema) -> [MaterializedView] {
        var views: [MaterializedView] = []
        for table in TableHygiene.tables(of: plan) {
            let info = table == plan.table.identifier ? plan.table : schema.tables.values.first { $0.identifier == table }
            for view in info?.materializedViews ?? [] where !views.contains(view) { views.append(view) }
        }
        return views
    }

    /// Refreshes `view` outside any transaction block with no statement timeout, then restores
    /// the worker's timeout.
    static func refresh(_ view: MaterializedView, connection: Connection, statementTimeoutMilliseconds: Int) throws {
        try connection.execute(HygieneStatements.statementTimeout, ["0"])
        defer { _ = try? connection.execute(HygieneStatements.statementTimeout, ["\(statementTimeoutMilliseconds)ms"]) }
        try connection.execute(HygieneStatements.refresh(view))
    }

    /// Before a run changes anything: one line per materialized view the role may not refresh.
    static func problems(plans: [RulePlan], schema: Schema) -> [String] {
        var seen: [MaterializedView] = []
        for plan in plans {
            for view in views(of: plan, schema: schema) where !view.mayRefresh && !seen.contains(view) { seen.append(view) }
        }
        return seen.map { "--refresh-views: the role may not refresh materialized view \($0.identifier) (it needs to own it, or have MAINTAIN on it on PostgreSQL 17 and later)" }
    }
}
