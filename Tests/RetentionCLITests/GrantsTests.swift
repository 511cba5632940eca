import Foundation
import Postgres
import Testing
import TestSupport

@Suite("Least privilege")
struct GrantsTests {
    @Test("the whole demo policy runs as the generated role, which cannot read or change a table outside the policy")
    func demoPolicyAsRole() throws {
        let fixture = try EngineFixture.make("grants", schemaSQL: "SELECT 1;")
        defer { fixture.drop() }
        let connection = try fixture.database.connect()
        #expect(try PostgresTools.psqlFile(fixture.database.url, Repository.root + "/Deploy/demo-schema.sql") == 0)
        // A small slice of demo-like data, enough for every rule to act.
        try connection.executeScript("""
            SET TimeZone = 'UTC';
            INSERT INTO organizations (name, plan, created_at, terminated_at) VALUES ('Live', 'team', '2020-01-01', NULL), ('Gone', 'team', '2020-01-01', '2026-09-01');
            INSERT INTO users (organization_id, email, name, role, created_at, removed_at)
              SELECT 1 + g % 2, 'u' || g || '@example.com', 'U ' || g, 'user', '2021-01-01', CASE WHEN g % 5 = 0 THEN timestamptz '2026-01-01' END FROM generate_series(1, 50) g;
            INSERT INTO objectives (organization_id, owner_id, title, created_at) SELECT 1 + g % 2, g, 'O', '2022-01-01' FROM generate_series(1, 50) g;
            INSERT INTO audit_log (organization_id, user_id, action, ip, created_at) SELECT 1, 1, 'login', '203.0.113.9', timestamptz '2024-01-01' + (g || ' days')::interval FROM generate_series(1, 900) g;
            INSERT INTO analytics_events (organization_id, user_id, event, occurred_at, duration_ms) SELECT 1, 1, 'view', timestamptz '2024-01-01' + (g || ' days')::interval, g FROM generate_series(1, 900) g;
            INSERT INTO invoices (organization_id, number, amount, currency, issued_at) SELECT 1, 'I-' || g, 10, 'SEK', date '2017-01-01' + g * 30 FROM generate_series(1, 100) g;
            INSERT INTO marketing_contacts (email, name, company, subscribed_at, unsubscribed_at) SELECT 'm' || g || '@example.com', 'M', 'C', '2020-01-01', CASE WHEN g % 2 = 0 THEN timestamptz '2025-01-01' END FROM generate_series(1, 40) g;
            CREATE TABLE secrets (id int PRIMARY KEY, payload text);
            INSERT INTO secrets VALUES (1, 'not for the engine');
            """)
        let policy = Repository.root + "/Jobs/demo-policy.json"
        let grants = try fixture.retention(["grants", "--policy", policy, "--role", "retention_engine"])
        #expect(grants.status == 0, "\(grants.stderr)")
        try connection.executeScript(grants.stdout)

        let roleURL = "postgresql://retention_engine@127.0.0.1:\(TestDatabase.port)/\(fixture.database.name)"
        let key = fixture.directory + "/key"
        try Data(repeating: 9, count: 32).write(to: URL(fileURLWithPath: key))
        // An erasure request, filed by the owner, processed by the role: user 2's recent audit rows go, its user row is pseudonymised.
        try connection.execute("INSERT INTO audit_log (organization_id, user_id, action, created_at) SELECT 1, 2, 'login', timestamptz '2026-11-01' FROM generate_series(1, 5)")
        let request = try fixture.retention(["request", "add", "--policy", policy, "--subject", "email=u2@example.com"])
        #expect(request.status == 0, "\(request.stderr)")
        let run = try CommandRunner.run(["run", "--policy", policy, "--database-url", roleURL, "--state-dir", fixture.stateDirectory,
                                         "--as-of", "2026-11-25T00:00:00Z", "--pseudonym-key-file", key])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(!run.stdout.contains("[failed"))
        #expect(try fixture.database.count("SELECT count(*) FROM users WHERE organization_id = 2") == 0)
        #expect(try fixture.database.count("SELECT count(*) FROM marketing_contacts WHERE pseudonymised_at IS NOT NULL") == 20)
        #expect(try fixture.database.count("SELECT count(*) FROM retention.erasure_requests WHERE status = 'done'") == 1)
        #expect(try fixture.database.count("SELECT count(*) FROM audit_log WHERE user_id = 2") == 0)
        #expect(try fixture.database.count("SELECT count(*) FROM users WHERE id = 2 AND pseudonymised_at IS NOT NULL AND email <> 'u2@example.com'") == 1)

        let asRole = try Connection(conninfo: roleURL)
        for statement in ["SELECT * FROM secrets", "DELETE FROM secrets", "UPDATE secrets SET payload = 'x'", "SELECT name FROM organizations",
                          "UPDATE marketing_contacts SET subscribed_at = now()", "DELETE FROM retention.legal_holds", "DROP TABLE users"] {
            do {
                try asRole.execute(statement)
                Issue.record("the role could run: \(statement)")
            } catch let error as PostgresError {
                #expect(error.sqlState == .insufficientPrivilege || error.sqlState?.rawValue == "42501", "\(statement): \(error)")
            }
        }
        #expect(try fixture.database.count("SELECT count(*) FROM secrets") == 1)
    }

    @Test("row-level security that hides rows from the role: grants says what it needs, validate and run refuse naming the table; with BYPASSRLS the run deletes exactly the due rows")
    func rowLevelSecurity() throws {
        let fixture = try EngineFixture.make("grantsrls", schemaSQL: """
            SET TimeZone = 'UTC';
            CREATE TABLE notes (id int PRIMARY KEY, created_at timestamptz NOT NULL);
            INSERT INTO notes SELECT g, timestamptz '2020-01-01' + (g || ' hours')::interval FROM generate_series(1, 2000) g;
            ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
            CREATE POLICY even_only ON notes USING (id % 2 = 0);
            CREATE TABLE expected AS SELECT id FROM notes WHERE created_at >= timestamptz '2020-02-01 00:00+00';
            """)
        let role = "rls_" + fixture.database.name
        defer { fixture.drop(role: role) }
        let policy = try fixture.writePolicy("""
            {"policy": "rls", "rules": [{"name": "notes", "table": "notes", "due": {"after": "1 year", "from": "created_at"}, "action": "delete"}]}
            """)
        let grants = try fixture.retention(["grants", "--policy", policy, "--role", role])
        #expect(grants.status == 0, "\(grants.stderr)")
        #expect(grants.stdout.contains("-- row-level security is enabled on public.notes"), "\(grants.stdout)")
        #expect(grants.stdout.contains("--   ALTER ROLE \(Identifier.quote(role)) BYPASSRLS;"), "\(grants.stdout)")
        let connection = try fixture.database.connect()
        try connection.executeScript(grants.stdout)
        let before = try fixture.database.checksum("notes")

        let roleURL = "postgresql://\(role)@127.0.0.1:\(TestDatabase.port)/\(fixture.database.name)"
        let asRole = ["--database-url", roleURL]
        let validate = try CommandRunner.run(["validate", "--policy", policy] + asRole)
        #expect(validate.status == 2)
        #expect(validate.stderr.contains("rule \"notes\", key \"table\": row-level security on public.notes hides rows from role \(role)"), "\(validate.stderr)")
        #expect(validate.stderr.contains("BYPASSRLS"))
        let refused = try CommandRunner.run(["run", "--policy", policy, "--state-dir", fixture.stateDirectory, "--as-of", "2021-02-01T00:00:00Z"] + asRole)
        #expect(refused.status == 2, "\(refused.stdout)")
        #expect(try fixture.database.checksum("notes") == before)

        try connection.execute("ALTER ROLE \(Identifier.quote(role)) BYPASSRLS")
        let run = try CommandRunner.run(["run", "--policy", policy, "--state-dir", fixture.stateDirectory, "--as-of", "2021-02-01T00:00:00Z"] + asRole)
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(try fixture.database.keyDifferences(expected: "expected", actual: "notes", key: "id") == 0)
    }

    @Test("partitions: grants makes the role a member of a non-superuser owner, and the run as that role drops the wholly due partition; a superuser owner is never granted")
    func partitionOwner() throws {
        let fixture = try EngineFixture.make("grantsparts", schemaSQL: """
            SET TimeZone = 'UTC';
            DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_owner') THEN CREATE ROLE app_owner; END IF; END $$;
            CREATE TABLE logs (id bigint NOT NULL, created_at timestamptz NOT NULL, PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at);
            CREATE TABLE logs_2023 PARTITION OF logs FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
            CREATE TABLE logs_2024 PARTITION OF logs FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
            INSERT INTO logs SELECT g, timestamptz '2023-01-01' + g * interval '1 hour' FROM generate_series(1, 15000) g;
            CREATE TABLE expected AS SELECT id FROM logs WHERE created_at >= '2024-06-01';
            """)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy(#"{"policy": "parts", "rules": [{"name": "logs", "table": "logs", "due": {"after": "0 days", "from": "created_at"}, "action": "delete", "partitions": "drop"}]}"#)
        let asSuperuser = try fixture.retention(["grants", "--policy", policy, "--role", "retention_parts"])
        #expect(asSuperuser.status == 0, "\(asSuperuser.stderr)")
        #expect(!asSuperuser.stdout.contains("GRANT postgres") && !asSuperuser.stdout.contains("GRANT \"postgres\""), "\(asSuperuser.stdout)")
        #expect(asSuperuser.stdout.contains("NOT GRANTED"))

        let connection = try fixture.database.connect()
        try connection.executeScript("ALTER TABLE logs OWNER TO app_owner; ALTER TABLE logs_2023 OWNER TO app_owner; ALTER TABLE logs_2024 OWNER TO app_owner;")
        let grants = try fixture.retention(["grants", "--policy", policy, "--role", "retention_parts"])
        #expect(grants.status == 0, "\(grants.stderr)")
        #expect(grants.stdout.contains("GRANT \"app_owner\" TO \"retention_parts\""), "\(grants.stdout)")
        try connection.executeScript(grants.stdout)
        let roleURL = "postgresql://retention_parts@127.0.0.1:\(TestDatabase.port)/\(fixture.database.name)"
        let run = try CommandRunner.run(["run", "--policy", policy, "--database-url", roleURL, "--state-dir", fixture.stateDirectory,
                                         "--as-of", "2024-06-01T00:00:00Z"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(try fixture.database.keyDifferences(expected: "expected", actual: "logs", key: "id") == 0)
        let removed = (try fixture.ruleReport("logs")["partitions"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(removed == ["public.logs_2023"], "\(removed)")
    }
}
