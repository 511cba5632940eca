import Foundation
import Postgres
@testable import RetentionCore
import Testing
import TestSupport

/// Tables whose heaps differ: one written in `created_at` order, one in scrambled order, a
/// partitioned one whose first partition alone has an index on `created_at`, and, scrambled too,
/// one whose rows an aggregate rolls up by day.
private let schema = """
    SET TimeZone = 'UTC';
    CREATE TABLE ordered (id bigint PRIMARY KEY, created_at timestamptz NOT NULL);
    INSERT INTO ordered SELECT g, timestamptz '2024-01-01' + g * interval '1 minute' FROM generate_series(1, 20000) g;
    CREATE INDEX ON ordered (created_at);
    CREATE TABLE shuffled (id bigint PRIMARY KEY, created_at timestamptz NOT NULL);
    INSERT INTO shuffled SELECT g, timestamptz '2024-01-01' + ((g::bigint * 7919) % 20000) * interval '1 minute' FROM generate_series(1, 20000) g;
    CREATE INDEX ON shuffled (created_at);
    CREATE TABLE logs (id bigint, created_at timestamptz NOT NULL, PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at);
    CREATE TABLE logs_a PARTITION OF logs FOR VALUES FROM ('2024-01-01') TO ('2024-01-08');
    CREATE TABLE logs_b PARTITION OF logs FOR VALUES FROM ('2024-01-08') TO ('2024-02-01');
    INSERT INTO logs SELECT g, timestamptz '2024-01-01' + g * interval '1 minute' FROM generate_series(1, 20000) g;
    CREATE INDEX ON logs_a (created_at);
    CREATE TABLE visits (id bigint PRIMARY KEY, kind text NOT NULL, created_at timestamptz NOT NULL);
    INSERT INTO visits SELECT id, 'k' || (id % 3), created_at FROM shuffled;
    CREATE INDEX ON visits (created_at);
    CREATE TABLE daily_visits (day date, kind text, n bigint NOT NULL, PRIMARY KEY (day, kind));
    ANALYZE ordered, shuffled, logs_a, logs_b, visits;
    """

private let policy = #"""
    {"policy": "paths", "rules": [
      {"name": "ordered", "table": "ordered", "due": {"after": "0 days", "from": "created_at"}, "action": "delete"},
      {"name": "shuffled", "table": "shuffled", "due": {"after": "0 days", "from": "created_at"}, "action": "delete"},
      {"name": "logs", "table": "logs", "due": {"after": "0 days", "from": "created_at"}, "action": "delete"},
      {"name": "visits", "table": "visits", "due": {"after": "0 days", "from": "created_at"}, "action": "aggregate",
       "aggregate": {"into": "daily_visits", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["kind"], "count": "n"}}]}
    """#

private let asOf = "2024-01-10T00:00:00Z"

@Suite("The batch path that validate and the report name is the one the batches take")
struct BatchPathReportTests {
    /// The path of a rule by `created_at` on `table`, from the catalog alone: each heap relation
    /// (the table, or each leaf partition) is walked along `created_at`'s index when it has a valid,
    /// non-partial index leading with it and, for a delete, its heap follows it (`pg_stats`), else
    /// by its pages.
    static func expectedPath(_ table: String, aggregate: Bool, _ database: TestDatabase) throws -> BatchPath {
        let connection = try database.connect()
        let relations = try connection.execute("""
            SELECT n.nspname || '.' || c.relname,
                   EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                           WHERE i.indrelid = c.oid AND a.attname = 'created_at' AND i.indisvalid AND i.indpred IS NULL)
                   AND ($2 OR coalesce((SELECT abs(s.correlation) FROM pg_stats s
                                        WHERE s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = 'created_at'), 0) >= 0.9)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND (c.oid = $1::regclass OR c.oid IN (SELECT relid FROM pg_partition_tree($1::regclass) WHERE isleaf))
            ORDER BY c.relname
            """, [table, aggregate ? "true" : "false"]).rows.map { (try #require(Identifier(qualified: try $0.text(0))), try $0.bool(1)) }
        let pagesOf = relations.filter { !$0.1 }.map(\.0)
        return pagesOf.count == relations.count ? .heapPages : .anchorIndex(column: "created_at", pagesOf: pagesOf)
    }

    @Test("a delete or an aggregate walks created_at's index where the catalog says so, and validate and the run report name that walk")
    func anchorWalkIsNamed() throws {
        let fixture = try EngineFixture.make("paths", schemaSQL: schema)
        defer { fixture.drop() }
        let path = try fixture.writePolicy(policy)
        let expected = try ["ordered", "shuffled", "logs", "visits"].map {
            ($0, try BatchPathReportTests.expectedPath($0, aggregate: $0 == "visits", fixture.database))
        }
        // The schema gives each kind of path: the check below cannot pass by naming one for all.
        #expect(expected.map(\.1) == [.anchorIndex(column: "created_at", pagesOf: []), .heapPages,
                                      .anchorIndex(column: "created_at", pagesOf: [Identifier("public", "logs_b")]),
                                      .anchorIndex(column: "created_at", pagesOf: [])])
        let due = try expected.map { try fixture.database.count("SELECT count(*) FROM \($0.0) WHERE created_at < timestamptz '\(asOf)'") }

        let validate = try fixture.retention(["validate", "--policy", path])
        #expect(validate.status == 0, "\(validate.stderr)")
        for (table, walk) in expected {
            #expect(validate.stdout.contains("rule \"\(table)\": public.\(table) is a local table; batches by \(walk)\n"), "\(validate.stdout)")
        }

        let run = try fixture.retention(["run", "--as-of", asOf])
        #expect(run.status == 0, "\(run.stderr)")
        for ((table, walk), rows) in zip(expected, due) {
            let report = try fixture.ruleReport(table)
            #expect(report["batchPath"] as? String == walk.description, "\(table)")
            #expect(report.int("affected") == rows, "\(table)")
            #expect(try fixture.database.count("SELECT count(*) FROM \(table) WHERE created_at < timestamptz '\(asOf)'") == 0)
        }
    }
}

/// A table written in `created_at` order, of 50 tenants with their own terms (one without).
private let termsSchema = """
    SET TimeZone = 'UTC';
    CREATE TABLE orgs (id int PRIMARY KEY, terminated_at timestamptz, term interval);
    INSERT INTO orgs SELECT g, NULL, CASE WHEN g <> 7 THEN g * interval '1 day' END FROM generate_series(1, 50) g;
    CREATE TABLE events (id bigint PRIMARY KEY, org_id int NOT NULL, created_at timestamptz NOT NULL);
    INSERT INTO events SELECT g, 1 + g % 50, timestamptz '2024-01-01' + g * interval '1 minute' FROM generate_series(1, 20000) g;
    CREATE INDEX ON events (created_at);
    ANALYZE events;
    CREATE TABLE expected AS SELECT e.id FROM events e JOIN orgs o ON o.id = e.org_id
      WHERE NOT e.created_at < timestamptz '2024-01-15' - coalesce(o.term, interval '10 days');
    """

private let termsPolicy = #"""
    {"policy": "terms", "tenants": {"table": "orgs", "key": "id", "terminatedAt": "terminated_at"}, "rules": [
      {"name": "events", "table": "events", "tenantColumn": "org_id", "action": "delete",
       "due": {"after": "10 days", "from": "created_at", "perTenant": {"column": "term", "min": "1 day", "max": "1 year"}}}]}
    """#

extension BatchPathReportTests {
    @Test("a delete with a per-tenant term walks heap pages even where its heap follows the anchor: its walk would reach nearly every page")
    func perTenantTermWalksPages() throws {
        let fixture = try EngineFixture.make("termpaths", schemaSQL: termsSchema)
        defer { fixture.drop() }
        let path = try fixture.writePolicy(termsPolicy)
        // The catalog alone would have the anchor's index walked, so the checks below can fail.
        #expect(try BatchPathReportTests.expectedPath("events", aggregate: false, fixture.database) == .anchorIndex(column: "created_at", pagesOf: []))
        let kept = try fixture.database.count("SELECT count(*) FROM expected")
        #expect(kept > 1000 && kept < 19000)

        let validate = try fixture.retention(["validate", "--policy", path])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stdout.contains("rule \"events\": public.events is a local table; batches by \(BatchPath.heapPages)\n"), "\(validate.stdout)")

        let run = try fixture.retention(["run", "--as-of", "2024-01-15T00:00:00Z"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try fixture.ruleReport("events")
        #expect(report["batchPath"] as? String == BatchPath.heapPages.description)
        #expect(report.int("affected") == 20000 - kept)
        #expect(try fixture.database.keyDifferences(expected: "expected", actual: "events", key: "id") == 0)
    }
}
