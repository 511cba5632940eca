import Foundation
import Testing
import TestSupport

@Suite("Foreign keys, partitions, composite keys, --tenant and --rule")
struct ForeignKeyAndScopeTests {
    static let rentalSchema = """
        SET TimeZone = 'UTC';
        CREATE TABLE rentals (id int PRIMARY KEY, customer int NOT NULL, rented_at timestamptz NOT NULL);
        CREATE TABLE payments (id int NOT NULL, rental_id int NOT NULL, paid_at timestamptz NOT NULL, amount numeric,
                               PRIMARY KEY (id, paid_at)) PARTITION BY RANGE (paid_at);
        CREATE TABLE payments_2019 PARTITION OF payments FOR VALUES FROM ('2019-01-01') TO ('2020-01-01');
        CREATE TABLE payments_2020 PARTITION OF payments FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
        CREATE TABLE payments_2021 PARTITION OF payments FOR VALUES FROM ('2021-01-01') TO ('2030-01-01');
        -- As in Pagila: the foreign keys are declared on the partitions, not on the parent.
        ALTER TABLE payments_2019 ADD CONSTRAINT payments_2019_rental_fkey FOREIGN KEY (rental_id) REFERENCES rentals(id);
        ALTER TABLE payments_2020 ADD CONSTRAINT payments_2020_rental_fkey FOREIGN KEY (rental_id) REFERENCES rentals(id);
        ALTER TABLE payments_2021 ADD CONSTRAINT payments_2021_rental_fkey FOREIGN KEY (rental_id) REFERENCES rentals(id);
        INSERT INTO rentals SELECT g, g % 7, timestamptz '2019-01-01' + g * interval '1 day' FROM generate_series(1, 1500) g;
        INSERT INTO payments SELECT g, g, timestamptz '2019-01-01' + g * interval '1 day' + interval '3 hours', g FROM generate_series(1, 1500) g WHERE g % 2 = 0;
        CREATE INDEX ON payments (rental_id);
        """

    static let rentalPolicy = """
        {"policy": "rentals", "rules": [
          {"name": "rentals", "table": "rentals", "due": {"after": "1 year", "from": "rented_at"}, "action": "delete"},
          {"name": "payments", "table": "payments", "due": {"after": "3 years", "from": "paid_at"}, "action": "delete"}]}
        """

    @Test("a partitioned table is emptied through its partitions; referenced rows wait for their payments and are counted as blocked")
    func partitionsAndBlocked() throws {
        let fixture = try EngineFixture.make("fk", schemaSQL: ForeignKeyAndScopeTests.rentalSchema + """
            CREATE TABLE expected_payments AS SELECT id FROM payments WHERE paid_at >= timestamptz '2021-11-25 00:00:00+00';
            CREATE TABLE expected_rentals AS SELECT r.id FROM rentals r WHERE r.rented_at >= timestamptz '2023-11-25 00:00:00+00'
                OR EXISTS (SELECT 1 FROM expected_payments p JOIN payments q USING (id) WHERE q.rental_id = r.id);
            """)
        defer { fixture.drop() }
        try fixture.writePolicy(ForeignKeyAndScopeTests.rentalPolicy)
        let validate = try fixture.retention(["validate", "--policy", fixture.directory + "/policy.json"])
        #expect(validate.status == 0, "\(validate.stderr)")
        let blockedExpected = try fixture.database.count("SELECT count(*) FROM expected_rentals e JOIN rentals r USING (id) WHERE r.rented_at < timestamptz '2023-11-25 00:00:00+00'")
        #expect(blockedExpected > 0)
        let result = try fixture.retention(["run", "--as-of", "2024-11-25T00:00:00Z"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try fixture.database.keyDifferences(expected: "expected_payments", actual: "payments", key: "id") == 0)
        #expect(try fixture.database.keyDifferences(expected: "expected_rentals", actual: "rentals", key: "id") == 0)
        let rentals = try fixture.ruleReport("rentals")
        #expect(rentals.int("blocked") == blockedExpected)
        let blockedBy = rentals["blockedBy"] as? [[String: Any]] ?? []
        #expect(blockedBy.map { $0["constraint"] as? String ?? "" }.allSatisfy { $0.hasPrefix("payments_20") })
        #expect(blockedBy.reduce(0) { $0 + $1.int("rows") } == blockedExpected)
    }

    @Test("a table with a composite primary key")
    func compositeKey() throws {
        let fixture = try EngineFixture.make("composite", schemaSQL: """
            CREATE TABLE memberships (org int, member int, ended_at timestamptz, PRIMARY KEY (org, member));
            INSERT INTO memberships SELECT g % 10, g, CASE WHEN g % 3 > 0 THEN timestamptz '2024-01-01' + (g || ' hours')::interval END FROM generate_series(1, 5000) g;
            CREATE TABLE expected AS SELECT org, member FROM memberships WHERE ended_at IS NULL OR ended_at >= timestamptz '2024-03-01 00:00:00+00';
            """)
        defer { fixture.drop() }
        try fixture.writePolicy(#"{"policy": "m", "rules": [{"name": "m", "table": "memberships", "due": {"after": "0 days", "from": "ended_at"}, "action": "delete"}]}"#)
        #expect(try fixture.retention(["run", "--as-of", "2024-03-01T00:00:00Z", "--batch-size", "100"]).status == 0)
        #expect(try fixture.database.keyDifferences(expected: "expected", actual: "memberships", key: "org, member") == 0)
        #expect(try fixture.ruleReport("m").int("batches") >= 10)
        #expect(try fixture.database.count("SELECT max(affected) FROM retention.batch_results") == 100)
    }

    @Test("--tenant touches one tenant's rows and --rule one rule; an unknown rule is a usage error")
    func tenantAndRule() throws {
        let rows = OrgTables.Rows(count: 2000, start: "2020-01-01", unit: "day")
        let fixture = try EngineFixture.make("scope", schemaSQL: OrgTables.schema(orgs: 5, notes: rows, logs: rows))
        defer { fixture.drop() }
        try fixture.writePolicy(OrgTables.policy("s", rules: [
            #"{"name": "notes", "table": "notes", "tenantColumn": "org_id", "due": {"after": "1 year", "from": "created_at"}, "action": "delete"}"#,
            #"{"name": "logs", "table": "logs", "tenantColumn": "org_id", "due": {"after": "1 year", "from": "created_at"}, "action": "delete"}"#]))
        let cutoff = "timestamptz '2024-06-01 00:00:00+00'"
        let notesBefore = try fixture.database.checksum("(SELECT * FROM notes WHERE org_id <> 3 OR created_at >= \(cutoff))")
        let logsBefore = try fixture.database.checksum("logs")
        let result = try fixture.retention(["run", "--as-of", "2025-06-01T00:00:00Z", "--tenant", "3", "--rule", "notes"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM notes WHERE org_id = 3 AND created_at < \(cutoff)") == 0)
        #expect(try fixture.database.checksum("notes") == notesBefore)
        #expect(try fixture.database.checksum("logs") == logsBefore)
        let tenants = try fixture.ruleReport("notes")["tenants"] as? [[String: Any]] ?? []
        #expect(tenants.map { $0["tenant"] as? String } == ["3"])

        let unknown = try fixture.retention(["run", "--rule", "nope"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no rule \"nope\""))
        let missingTenant = try fixture.retention(["run", "--tenant", "99"])
        #expect(missingTenant.status == 2)
        #expect(try fixture.database.checksum("logs") == logsBefore)
    }

    @Test("a dry run changes nothing and counts what a run then removes")
    func dryRunChangesNothing() throws {
        let fixture = try EngineFixture.make("dry", schemaSQL: ForeignKeyAndScopeTests.rentalSchema)
        defer { fixture.drop() }
        try fixture.writePolicy(ForeignKeyAndScopeTests.rentalPolicy)
        let tables = ["rentals", "payments", "retention.runs", "retention.batch_results", "retention.rule_results"]
        let before = try tables.map { try fixture.database.checksum($0) }
        let dry = try fixture.retention(["run", "--dry-run", "--as-of", "2024-11-25T00:00:00Z"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(try tables.map { try fixture.database.checksum($0) } == before)
        let dryRentals = try fixture.ruleReport("rentals")
        let dryPayments = try fixture.ruleReport("payments")
        #expect(dryRentals.int("affected") == 0)
        let run = try fixture.retention(["run", "--as-of", "2024-11-25T00:00:00Z"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try fixture.ruleReport("payments").int("affected") == dryPayments.int("matched"))
        #expect(try fixture.ruleReport("rentals").int("affected") == dryRentals.int("matched") - dryRentals.int("blocked"))
        #expect(try fixture.ruleReport("rentals").int("blocked") == dryRentals.int("blocked"))
    }
}

@Suite("Review fixes: cascades, --tenant scope, holds during a run, infinite anchors")
struct ScopeAndCascadeTests {
    @Test("a cascade from a table with its own rule blocks like any key: invoices kept 7 years keep their organization")
    func cascadeFromCoveredTable() throws {
        let fixture = try EngineFixture.make("cascade", schemaSQL: """
            SET TimeZone = 'UTC';
            CREATE TABLE orgs (id int PRIMARY KEY, terminated_at timestamptz);
            CREATE TABLE invoices (id int PRIMARY KEY, org_id int NOT NULL REFERENCES orgs ON DELETE CASCADE, issued_at date NOT NULL);
            CREATE INDEX ON invoices (org_id);
            INSERT INTO orgs VALUES (1, '2024-01-01'), (2, '2024-01-01'), (3, NULL);
            INSERT INTO invoices VALUES (1, 1, '2015-01-01'), (2, 1, '2023-06-01'), (3, 2, '2015-01-01'), (4, 3, '2023-01-01');
            """)
        defer { fixture.drop() }
        try fixture.writePolicy("""
            {"policy": "c", "rules": [
              {"name": "orgs", "table": "orgs", "due": {"after": "30 days", "from": "terminated_at"}, "action": "delete"},
              {"name": "invoices", "table": "invoices", "due": {"after": "7 years", "from": "issued_at", "align": "calendar-year-end"}, "action": "delete"}]}
            """)
        let run = try fixture.retention(["run", "--as-of", "2024-06-01T00:00:00Z"])
        #expect(run.status == 0, "\(run.stderr)")
        // Invoice 2 (2023) is not due: organization 1 stays, and so does the invoice; organization 2's only invoice was due.
        #expect(try fixture.database.connect().execute("SELECT string_agg(id::text, ',' ORDER BY id) FROM invoices").scalar() == "2,4")
        #expect(try fixture.database.connect().execute("SELECT string_agg(id::text, ',' ORDER BY id) FROM orgs").scalar() == "1,3")
        #expect(try fixture.ruleReport("orgs").int("blocked") == 1)
    }

    @Test("--tenant leaves rules without a tenant column alone")
    func tenantSkipsUntenantedRules() throws {
        let rows = OrgTables.Rows(count: 10, start: "2020-01-01", unit: "day")
        let fixture = try EngineFixture.make("tenantscope", schemaSQL: OrgTables.schema(orgs: 2, notes: rows, logs: rows))
        defer { fixture.drop() }
        try fixture.writePolicy(OrgTables.policy("t", rules: [
            #"{"name": "notes", "table": "notes", "tenantColumn": "org_id", "due": {"after": "1 year", "from": "created_at"}, "action": "delete"}"#,
            #"{"name": "logs", "table": "logs", "due": {"after": "1 year", "from": "created_at"}, "action": "delete"}"#]))
        let run = try fixture.retention(["run", "--as-of", "2024-01-01T00:00:00Z", "--tenant", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM notes") == 5)
        #expect(try fixture.database.count("SELECT count(*) FROM logs") == 10)
        #expect(throws: FixtureError.self) { try fixture.ruleReport("logs") }
    }

    @Test("a '-infinity' anchor is due, also on a table the engine would walk by its anchor index")
    func infiniteAnchor() throws {
        let fixture = try EngineFixture.make("infinity", schemaSQL: """
            CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL);
            INSERT INTO events SELECT g, timestamptz '2024-01-01' + g * interval '1 minute' FROM generate_series(1, 50000) g;
            INSERT INTO events VALUES (0, '-infinity'), (-1, 'infinity');
            CREATE INDEX ON events (created_at);
            ANALYZE events;
            """)
        defer { fixture.drop() }
        try fixture.writePolicy(#"{"policy": "i", "rules": [{"name": "e", "table": "events", "due": {"after": "0 days", "from": "created_at"}, "action": "delete"}]}"#)
        let run = try fixture.retention(["run", "--as-of", "2024-01-10T00:00:00Z"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM events WHERE created_at < '2024-01-10T00:00:00Z'") == 0)
        #expect(try fixture.database.count("SELECT count(*) FROM events WHERE id = -1") == 1)
    }
}
