import Foundation
import Postgres
import Testing
import TestSupport

/// `customers` feeds `customer_emails` directly (with a unique index: refreshed CONCURRENTLY) and
/// `monthly` through a plain view (no unique index: refreshed plainly); `other_mv` reads a table
/// no rule changes.
private let viewSchema = """
    SET TimeZone = 'UTC';
    CREATE TABLE customers (id int PRIMARY KEY, email text, created_at timestamptz NOT NULL);
    INSERT INTO customers SELECT g, 'c' || g || '@example.org', timestamptz '2024-01-01' + g * interval '1 day' FROM generate_series(1, 200) g;
    CREATE MATERIALIZED VIEW customer_emails AS SELECT id, email FROM customers;
    CREATE UNIQUE INDEX ON customer_emails (id);
    CREATE VIEW customer_days AS SELECT id, created_at FROM customers;
    CREATE MATERIALIZED VIEW monthly AS SELECT date_trunc('month', created_at) AS month, count(*) AS n FROM customer_days GROUP BY 1;
    CREATE TABLE other (id int PRIMARY KEY, created_at timestamptz);
    CREATE MATERIALIZED VIEW other_mv AS SELECT * FROM other;
    """
private let viewPolicy = """
    {"policy": "views", "rules": [
      {"name": "customers", "table": "customers", "due": {"after": "0 days", "from": "created_at"}, "action": "delete"}]}
    """
private let viewAsOf = "2024-04-01T00:00:00Z"
private let viewCutoff = "timestamptz '2024-04-01 00:00:00+00'"

@Suite("Materialized views")
struct ViewRefreshTests {
    @Test("validate warns for each materialized view a rule's table feeds; run --refresh-views refreshes them after the rule (CONCURRENTLY with a unique index), not in a dry run, and reports them")
    func refreshAfterRule() throws {
        let fixture = try EngineFixture.make("views", schemaSQL: viewSchema)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy(viewPolicy)
        let validate = try fixture.retention(["validate", "--policy", policy])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stderr.contains("public.customers feeds materialized view public.customer_emails"), "\(validate.stderr)")
        #expect(validate.stderr.contains("public.customers feeds materialized view public.monthly"), "\(validate.stderr)")
        #expect(!validate.stderr.contains("other_mv"))

        let connection = try fixture.database.connect()
        try connection.execute("INSERT INTO other VALUES (1, now())")
        let emailsExpected = try fixture.database.checksum("(SELECT id, email FROM customers WHERE created_at >= \(viewCutoff))", orderBy: "1")
        let monthlyExpected = try fixture.database.checksum("(SELECT date_trunc('month', created_at) AS month, count(*) AS n FROM customers WHERE created_at >= \(viewCutoff) GROUP BY 1)", orderBy: "1")
        let emailsBefore = try fixture.database.checksum("customer_emails")
        let fileNodes = "SELECT pg_relation_filenode('customer_emails')::text || ',' || pg_relation_filenode('monthly')::text"
        let nodesBefore = try connection.execute(fileNodes).requiredScalar().split(separator: ",")

        let dry = try fixture.retention(["run", "--dry-run", "--refresh-views", "--as-of", viewAsOf])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(try fixture.database.checksum("customer_emails") == emailsBefore)
        #expect(try fixture.ruleReport("customers")["viewsRefreshed"] as? [String] == [])

        let run = try fixture.retention(["run", "--refresh-views", "--as-of", viewAsOf])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try fixture.database.checksum("customer_emails") == emailsExpected)
        #expect(try fixture.database.checksum("monthly") == monthlyExpected)
        #expect(try fixture.database.count("SELECT count(*) FROM other_mv") == 0)
        let report = try fixture.ruleReport("customers")
        #expect(report["viewsRefreshed"] as? [String] == ["public.customer_emails", "public.monthly"])
        #expect(report.int("viewsRefreshMs") >= 0)
        #expect(run.stdout.contains("REFRESH public.customer_emails, public.monthly"), "\(run.stdout)")
        // CONCURRENTLY keeps the view's heap; a plain refresh writes a new one.
        let nodesAfter = try connection.execute(fileNodes).requiredScalar().split(separator: ",")
        #expect(nodesAfter[0] == nodesBefore[0])
        #expect(nodesAfter[1] != nodesBefore[1])
    }

    @Test("without --refresh-views the deleted rows live on in the materialized view")
    func staleWithoutRefresh() throws {
        let fixture = try EngineFixture.make("viewsstale", schemaSQL: viewSchema)
        defer { fixture.drop() }
        try fixture.writePolicy(viewPolicy)
        let before = try fixture.database.checksum("customer_emails")
        let run = try fixture.retention(["run", "--as-of", viewAsOf])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM customers WHERE created_at < \(viewCutoff)") == 0)
        #expect(try fixture.database.checksum("customer_emails") == before)
        #expect(try fixture.ruleReport("customers")["viewsRefreshed"] as? [String] == [])
    }

    @Test("a role that may not refresh a view the run would refresh: run --refresh-views refuses before changing anything (exit 2, one line naming the view); without it the run goes")
    func roleMayNotRefresh() throws {
        let fixture = try EngineFixture.make("viewsrole", schemaSQL: viewSchema)
        let role = "views_" + fixture.database.name
        defer { fixture.drop(role: role) }
        let policy = try fixture.writePolicy(viewPolicy)
        let grants = try fixture.retention(["grants", "--policy", policy, "--role", role])
        #expect(grants.status == 0, "\(grants.stderr)")
        try fixture.database.connect().executeScript(grants.stdout)
        let before = try fixture.database.checksum("customers")
        let asRole = ["--policy", policy, "--state-dir", fixture.stateDirectory, "--as-of", viewAsOf,
                      "--database-url", "postgresql://\(role)@127.0.0.1:\(TestDatabase.port)/\(fixture.database.name)"]
        let refused = try CommandRunner.run(["run", "--refresh-views"] + asRole)
        #expect(refused.status == 2, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("--refresh-views: the role may not refresh materialized view public.customer_emails"), "\(refused.stderr)")
        #expect(refused.stderr.contains("materialized view public.monthly"), "\(refused.stderr)")
        #expect(try fixture.database.checksum("customers") == before)
        let plain = try CommandRunner.run(["run"] + asRole)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM customers WHERE created_at < \(viewCutoff)") == 0)
    }
}
