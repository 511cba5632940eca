import Foundation
import Testing
import TestSupport

/// Each test states the rows that must survive with plain SQL written independently of the
/// engine's planner, runs the real `retention` binary, and compares.
@Suite("Which rows are due, exactly")
struct DueExactnessTests {
    @Test("a row exactly at the cutoff is kept; one microsecond earlier is deleted; NULL anchors are never due")
    func cutoffBoundary() throws {
        let fixture = try EngineFixture.make("boundary", schemaSQL: """
            CREATE TABLE logs (id int PRIMARY KEY, created_at timestamptz);
            INSERT INTO logs VALUES (1, '2025-11-25 12:00:00+00'), (2, '2025-11-25 11:59:59.999999+00'),
              (3, NULL), (4, '2025-11-25 12:00:00.000001+00'), (5, '2020-01-01 00:00:00+00');
            """)
        defer { fixture.drop() }
        try fixture.writePolicy(#"{"policy": "b", "rules": [{"name": "logs", "table": "logs", "due": {"after": "12 months", "from": "created_at"}, "action": "delete"}]}"#)
        let result = try fixture.retention(["run", "--as-of", "2026-11-25T12:00:00Z"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try fixture.database.connect().execute("SELECT string_agg(id::text, ',' ORDER BY id) FROM logs").scalar() == "1,3,4")
        let report = try fixture.ruleReport("logs")
        #expect(report["cutoff"] as? String == "2025-11-25T12:00:00.000000Z")
        #expect(report.int("matched") == 2)
        #expect(report.int("affected") == 2)
    }

    @Test("month ends and leap days follow PostgreSQL's calendar arithmetic", arguments: [
        // asOf, period, anchors (id: time), ids kept
        ("2025-03-31T10:00:00Z", "1 month", "(1,'2025-02-28 09:59:59+00'),(2,'2025-02-28 10:00:00+00'),(3,'2025-03-01 00:00:00+00')", "2,3"),
        ("2024-03-30T00:00:00Z", "1 month", "(1,'2024-02-28 23:59:59+00'),(2,'2024-02-29 00:00:00+00'),(3,'2024-02-29 00:00:01+00')", "2,3"),
        ("2024-02-29T12:00:00Z", "1 year", "(1,'2023-02-28 11:59:59+00'),(2,'2023-02-28 12:00:00+00'),(3,'2023-03-01 00:00:00+00')", "2,3"),
        ("2025-01-31T00:00:00Z", "P1M", "(1,'2024-12-30 23:59:59+00'),(2,'2024-12-31 00:00:00+00')", "2"),
    ])
    func calendarArithmetic(_ asOf: String, _ period: String, _ rows: String, _ kept: String) throws {
        let fixture = try EngineFixture.make("calendar", schemaSQL: "CREATE TABLE logs (id int PRIMARY KEY, created_at timestamptz); INSERT INTO logs VALUES \(rows);")
        defer { fixture.drop() }
        try fixture.writePolicy(#"{"policy": "c", "rules": [{"name": "logs", "table": "logs", "due": {"after": "\#(period)", "from": "created_at"}, "action": "delete"}]}"#)
        let result = try fixture.retention(["run", "--as-of", asOf])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try fixture.database.connect().execute("SELECT string_agg(id::text, ',' ORDER BY id) FROM logs").scalar() == kept)
    }

    @Test("a cutoff before year 1 keeps its era: only rows before 1 December 1 BC go, and the report says BC")
    func beforeChrist() throws {
        let fixture = try EngineFixture.make("era", schemaSQL: """
            SET TimeZone = 'UTC';
            CREATE TABLE logs (id int PRIMARY KEY, created_at timestamptz);
            INSERT INTO logs VALUES (1, '0001-06-01 00:00:00+00'), (2, '0001-01-01 00:00:00+00'), (3, '0001-12-15 00:00:00+00 BC'),
              (4, '0001-12-01 00:00:00+00 BC'), (5, '0001-11-30 23:59:59+00 BC'), (6, '0002-05-01 00:00:00+00 BC'), (7, '0001-12-02 00:00:00+00');
            CREATE TABLE expected AS SELECT id FROM logs WHERE NOT created_at < timestamptz '0001-01-01 00:00:00+00' - interval '1 month';
            """)
        defer { fixture.drop() }
        try fixture.writePolicy(#"{"policy": "e", "rules": [{"name": "logs", "table": "logs", "due": {"after": "1 month", "from": "created_at"}, "action": "delete"}]}"#)
        #expect(try fixture.database.count("SELECT count(*) FROM expected") == 5)
        let result = try fixture.retention(["run", "--as-of", "0001-01-01T00:00:00Z"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try fixture.database.keyDifferences(expected: "expected", actual: "logs", key: "id") == 0)
        let cutoff = try #require(try fixture.ruleReport("logs")["cutoff"] as? String)
        #expect(cutoff.hasSuffix(" BC"), "\(cutoff)")
        #expect(try fixture.database.count("SELECT count(*) WHERE $1::timestamptz = timestamptz '0001-01-01 00:00:00+00' - interval '1 month'", [cutoff]) == 1)
    }

    @Test("the earliest of a removal column and the tenant's termination counts; all-NULL is never due")
    func anchorListWithTenant() throws {
        let fixture = try EngineFixture.make("anchors", schemaSQL: """
            SET TimeZone = 'UTC';
            CREATE TABLE organizations (id bigint PRIMARY KEY, terminated_at timestamptz);
            CREATE TABLE users (id bigint PRIMARY KEY, organization_id bigint NOT NULL REFERENCES organizations, removed_at timestamptz);
            INSERT INTO organizations SELECT g, CASE WHEN g % 3 = 0 THEN timestamptz '2026-09-01' + (g || ' days')::interval END FROM generate_series(1, 60) g;
            INSERT INTO users SELECT g, 1 + g % 60, CASE WHEN g % 4 = 0 THEN timestamptz '2026-08-15' + ((g % 90) || ' days')::interval END FROM generate_series(1, 3000) g;
            CREATE TABLE expected AS SELECT u.id FROM users u JOIN organizations o ON o.id = u.organization_id
              WHERE least(u.removed_at, o.terminated_at) IS NULL OR least(u.removed_at, o.terminated_at) >= timestamptz '2026-10-26 00:00:00+00';
            """)
        defer { fixture.drop() }
        try fixture.writePolicy("""
            {"policy": "a", "tenants": {"table": "organizations", "key": "id", "terminatedAt": "terminated_at"},
             "rules": [{"name": "users", "table": "users", "tenantColumn": "organization_id",
                        "due": {"after": "30 days", "from": ["removed_at", "tenant.terminatedAt"]}, "action": "delete"}]}
            """)
        let before = try fixture.database.count("SELECT count(*) FROM users")
        let expectedKept = try fixture.database.count("SELECT count(*) FROM expected")
        let dry = try fixture.retention(["run", "--dry-run", "--as-of", "2026-11-25T00:00:00Z"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(try fixture.ruleReport("users").int("matched") == before - expectedKept)
        let result = try fixture.retention(["run", "--as-of", "2026-11-25T00:00:00Z"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM users") == expectedKept)
        #expect(try fixture.database.keyDifferences(expected: "expected", actual: "users", key: "id") == 0)
        let report = try fixture.ruleReport("users")
        let tenants = report["tenants"] as? [[String: Any]] ?? []
        let perTenant = try fixture.database.connect().execute("""
            SELECT count(DISTINCT u.organization_id) FROM users u JOIN organizations o ON o.id = u.organization_id WHERE false
            """)
        _ = perTenant
        #expect(tenants.reduce(0) { $0 + $1.int("affected") } == before - expectedKept)
    }

    @Test("financial years starting in July, in the policy's time zone, on a date column", arguments: [
        // asOf instants around the end of FY 2019/20 (1 July 2020 00:00 Stockholm = 2020-06-30T22:00Z) plus 7 years
        "2027-06-30T21:59:59Z", "2027-06-30T22:00:00Z", "2027-06-30T22:00:00.000001Z", "2028-01-01T00:00:00Z",
    ])
    func financialYearJuly(_ asOf: String) throws {
        let fixture = try EngineFixture.make("fyjuly", schemaSQL: """
            CREATE TABLE invoices (id int PRIMARY KEY, issued_at date NOT NULL);
            INSERT INTO invoices SELECT g, date '2018-01-01' + g * 7 FROM generate_series(0, 400) g;
            CREATE TABLE expected AS SELECT id FROM invoices
              WHERE make_timestamptz(CASE WHEN extract(month FROM issued_at) >= 7 THEN extract(year FROM issued_at)::int + 1
                                          ELSE extract(year FROM issued_at)::int END, 7, 1, 0, 0, 0, 'Europe/Stockholm')
                    + interval '7 years' >= '\(asOf)'::timestamptz;
            """)
        defer { fixture.drop() }
        try fixture.writePolicy("""
            {"policy": "fy", "financialYearStartMonth": 7, "timeZone": "Europe/Stockholm",
             "rules": [{"name": "billing", "table": "invoices", "due": {"after": "7 years", "from": "issued_at", "align": "financial-year-end"}, "action": "delete"}]}
            """)
        let result = try fixture.retention(["run", "--as-of", asOf])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try fixture.database.keyDifferences(expected: "expected", actual: "invoices", key: "id") == 0)
    }

    @Test("calendar-year alignment on a timestamp column, both sides of the year end")
    func calendarYear() throws {
        let fixture = try EngineFixture.make("calyear", schemaSQL: """
            CREATE TABLE receipts (id int PRIMARY KEY, issued_at timestamp NOT NULL);
            INSERT INTO receipts VALUES (1, '2019-12-31 23:59:59'), (2, '2020-01-01 00:00:00'), (3, '2019-01-01 00:00:00');
            """)
        defer { fixture.drop() }
        try fixture.writePolicy(#"{"policy": "cy", "rules": [{"name": "r", "table": "receipts", "due": {"after": "7 years", "from": "issued_at", "align": "calendar-year-end"}, "action": "delete"}]}"#)
        // The 2019 year ends at 2020-01-01 00:00; plus 7 years is 2027-01-01 00:00: at that instant not yet due.
        #expect(try fixture.retention(["run", "--as-of", "2027-01-01T00:00:00Z"]).status == 0)
        #expect(try fixture.database.count("SELECT count(*) FROM receipts") == 3)
        #expect(try fixture.retention(["run", "--as-of", "2027-01-01T00:00:00.000001Z"]).status == 0)
        #expect(try fixture.database.connect().execute("SELECT string_agg(id::text, ',' ORDER BY id) FROM receipts").scalar() == "2")
    }
}
