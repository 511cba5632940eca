import Postgres
@testable import RetentionCore
import Testing
import TestSupport

/// The batch statements, planned by the real server on a table large enough for the planner
/// to care: never a sequential scan of the whole table.
@Suite("Batch statement plans")
struct BatchPlanTests {
    static let schema = """
        CREATE TABLE events (id bigint PRIMARY KEY, org_id int, kind text NOT NULL, created_at timestamptz NOT NULL);
        INSERT INTO events SELECT g, g % 50, 'k' || (g % 3), timestamptz '2024-01-01' + ((g::bigint * 7919) % 300000) * interval '1 minute' FROM generate_series(1, 300000) g;
        CREATE INDEX ON events (created_at);
        CREATE TABLE daily (day date, org_id int, kind text, n bigint, PRIMARY KEY (day, org_id, kind));
        ANALYZE events;
        """

    static func plan(_ policyJSON: String, _ database: TestDatabase) throws -> (RulePlan, Connection) {
        let policy = try PolicyParser.parse(policyJSON)
        let connection = try database.connect()
        _ = try Migrator(files: MigrationFile.load(directory: Repository.migrations)).migrate(connection)
        let schema = try Schema.load(for: policy, connection: connection)
        let rule = policy.rules[0]
        return (RulePlan(rule: rule, table: schema.table(of: rule)!, schema: schema), connection)
    }

    static let bounds = RuleBounds(cutoff: "2024-04-01T00:00:00Z", anchorCutoff: "2024-04-01T00:00:00Z",
                                   terminatedTenants: nil, onlyTenant: nil)

    static func explain(_ statement: BatchStatement, _ connection: Connection) throws -> String {
        try connection.execute("EXPLAIN " + statement.sql, statement.parameters).rows.map { $0[0] ?? "" }.joined(separator: "\n")
    }

    @Test("a delete batch is a TID range scan of its slice")
    func deletePlan() throws {
        let database = try TestDatabase.create("plans", sql: BatchPlanTests.schema)
        defer { database.drop() }
        let (plan, connection) = try BatchPlanTests.plan(#"{"policy": "p", "tenants": {"table": "events", "key": "id", "terminatedAt": "created_at"}, "rules": [{"name": "e", "table": "events", "tenantColumn": "org_id", "due": {"after": "0 days", "from": "created_at"}, "action": "delete"}]}"#, database)
        let slice = BatchSlice(relation: plan.table.leaves[0], span: .pages(first: 100, end: 200))
        for mode in [BatchStatement.Mode.range, .lockedRows(limit: 500, skipLocked: true)] {
            let text = try BatchPlanTests.explain(BatchStatement.make(plan, slice: slice, bounds: BatchPlanTests.bounds, runID: "00000000-0000-0000-0000-000000000000", mode: mode), connection)
            #expect(text.contains("Tid Range Scan on events"), "\(text)")
            #expect(!text.contains("Seq Scan on events"), "\(text)")
        }
    }

    @Test("an aggregate batch walks the anchor's index within its window")
    func aggregatePlan() throws {
        let database = try TestDatabase.create("plans", sql: BatchPlanTests.schema)
        defer { database.drop() }
        let (plan, connection) = try BatchPlanTests.plan(#"{"policy": "p", "rules": [{"name": "e", "table": "events", "due": {"after": "0 days", "from": "created_at"}, "action": "aggregate", "aggregate": {"into": "daily", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["org_id", "kind"], "count": "n"}}]}"#, database)
        let day: Int64 = 86_400_000_000
        let start: Int64 = 1_704_067_200_000_000
        let slice = BatchSlice(relation: plan.table.leaves[0], span: .anchorWindow(column: "created_at", from: start, to: start + day))
        let text = try BatchPlanTests.explain(BatchStatement.make(plan, slice: slice, bounds: BatchPlanTests.bounds, runID: "00000000-0000-0000-0000-000000000000", mode: .range), connection)
        #expect(text.contains("events_created_at_idx"), "\(text)")
        #expect(!text.contains("Seq Scan on events"), "\(text)")
    }

    @Test("a delete walks the anchor's index only where the heap follows the anchor (pg_stats correlation)")
    func walkChoice() throws {
        let database = try TestDatabase.create("plans", sql: BatchPlanTests.schema + """
            CREATE TABLE ordered (id bigint PRIMARY KEY, created_at timestamptz NOT NULL);
            INSERT INTO ordered SELECT g, timestamptz '2024-01-01' + g * interval '1 minute' FROM generate_series(1, 100000) g;
            CREATE INDEX ON ordered (created_at);
            ANALYZE ordered;
            """)
        defer { database.drop() }
        for (table, windows) in [("ordered", true), ("events", false)] {
            let (plan, connection) = try BatchPlanTests.plan(#"{"policy": "p", "rules": [{"name": "e", "table": "\#(table)", "due": {"after": "0 days", "from": "created_at"}, "action": "delete"}]}"#, database)
            let path = try BatchPath.choose(rule: plan.rule, table: plan.table, connection: connection).get()
            #expect(path == (windows ? .anchorIndex(column: "created_at", pagesOf: []) : .heapPages), "\(table)")
            let cursors = try RuleStart.cursors(for: plan, path: path, bounds: BatchPlanTests.bounds, removed: [], connection: connection)
            #expect(cursors.allSatisfy { ($0.walk != .pages) == windows }, "\(table)")
        }
    }
}
