import Foundation
import Postgres
import Testing
import TestSupport

/// `retention coverage` against a schema built for it: each column's expected outcome is written
/// out below, not derived from the engine's dictionary.
@Suite("Coverage")
struct CoverageTests {
    static let schema = """
        CREATE TABLE customers (id int PRIMARY KEY, billing_email text, "Telefon" text, namn text, ip_addr text,
                                domain_name text, filename text, created_at timestamptz);
        CREATE TABLE events (id int PRIMARY KEY, customer_id int REFERENCES customers, email text, src inet, created_at timestamptz);
        CREATE TABLE orgs (id int PRIMARY KEY, title text, terminated_at timestamptz);
        CREATE TABLE sessions (id int PRIMARY KEY, org_id int REFERENCES orgs, client inet, memo text, title text);
        COMMENT ON COLUMN sessions.memo IS 'free text; GDPR applies';
        CREATE TABLE visits (at timestamptz NOT NULL, visitor inet, page text) PARTITION BY RANGE (at);
        CREATE TABLE visits_2025 PARTITION OF visits FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
        CREATE TABLE visits_2026 PARTITION OF visits FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        INSERT INTO visits SELECT timestamptz '2025-06-01' + g * interval '1 day', NULL, 'v' || g || '@example.org' FROM generate_series(1, 300) g;
        CREATE TABLE logs (at timestamptz NOT NULL, user_email text) PARTITION BY RANGE (at);
        CREATE TABLE logs_2026 PARTITION OF logs FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        CREATE TABLE staff (id int PRIMARY KEY, email text, work_phone text, display_name text, home_address text, pseudonymised_at timestamptz);
        CREATE TABLE staff_notes (id int PRIMARY KEY, staff_id int REFERENCES staff, author_email text);
        CREATE TABLE products (id int PRIMARY KEY, name text, sku text);
        COMMENT ON COLUMN staff.display_name IS 'a team alias, reviewed: retention:not-personal';
        CREATE TABLE orders (id int PRIMARY KEY, staff_id int REFERENCES staff, delivery_address text);
        CREATE TABLE contacts_import (id int PRIMARY KEY, misc text, ref_a text, ref_b text, note text);
        -- ref_a: valid personnummer, their Luhn check digit computed here in SQL; ref_b: the same
        -- with the check digit off by one (never valid); misc: e-mails; note: plain words.
        INSERT INTO contacts_import
          SELECT g, 'person' || g || '@example.org', body || luhn, body || ((luhn::int + 1) % 10), 'row number ' || g
          FROM generate_series(1, 120) g,
               LATERAL (SELECT to_char(date '1960-01-01' + g * 97, 'YYMMDD') || lpad((g * 7 % 1000)::text, 3, '0') AS body) b,
               LATERAL (SELECT ((10 - (SELECT sum(CASE WHEN i % 2 = 1 THEN (d * 2) / 10 + (d * 2) % 10 ELSE d END)
                                       FROM (SELECT i, substr(b.body, i, 1)::int AS d FROM generate_series(1, 9) i) x) % 10) % 10)::text AS luhn) l;
        CREATE SCHEMA crm;
        CREATE TABLE crm.leads (id int PRIMARY KEY, "contactEmail" text, lead_source text);
        """

    static let policy = """
        {"policy": "cov", "notPersonal": ["staff.work_phone"],
         "tenants": {"table": "orgs", "key": "id", "terminatedAt": "terminated_at"},
         "rules": [
           {"name": "customer-names", "table": "customers", "due": {"after": "1 year", "from": "created_at"},
            "action": "pseudonymise", "pseudonymise": {"columns": {"namn": "redact"}, "marker": "created_at"}},
           {"name": "events", "table": "events", "due": {"after": "1 year", "from": "created_at"}, "action": "delete"},
           {"name": "logs", "table": "logs", "due": {"after": "1 year", "from": "at"}, "action": "delete"},
           {"name": "staff-leavers", "table": "staff", "due": {"after": "1 year", "from": "pseudonymised_at"}, "action": "delete"}],
         "subjects": {"table": "staff", "key": "id", "identifiers": ["email"], "targets": [
           {"name": "staff-row", "category": "Staff", "table": "staff", "match": {"id": "id"},
            "action": "pseudonymise", "pseudonymise": {"columns": {"email": "redact"}, "marker": "pseudonymised_at"}},
           {"name": "staff-orders", "category": "Orders", "table": "orders", "match": {"staff_id": "id"}, "action": "delete"}]}}
        """

    /// Every column the scan must list, in schema, table and column order. Not listed: `namn`
    /// (pseudonymised by a rule), `events.*` and `logs.*` (deleted by rules; `logs` partitioned),
    /// `staff.email` (the subject target pseudonymises it), `staff.work_phone` (notPersonal),
    /// `staff.display_name` (the reviewed comment), `orders.*` (a subject target deletes them),
    /// `domain_name`, `filename`, `products.name`, `lead_source`, `title` (not personal).
    /// `contacts_import.ref_b` and `note` (no value matches). `staff.home_address` is listed although a rule deletes staff rows later: an erasure
    /// request pseudonymises only the columns its target names.
    static let expected = [
        "crm.leads.\"contactEmail\"",
        "public.contacts_import.misc", "public.contacts_import.ref_a",
        "public.customers.billing_email", "public.customers.\"Telefon\"", "public.customers.ip_addr",
        "public.sessions.client", "public.sessions.memo",
        "public.staff.home_address", "public.staff_notes.author_email",
        "public.visits.visitor", "public.visits.page",
    ]

    static func listed(_ stdout: String) -> [String] {
        stdout.split(separator: "\n").compactMap { line in
            line.hasPrefix("coverage:") ? nil : line.split(separator: ":").first.map(String.init)
        }
    }

    @Test("lists exactly the uncovered personal-looking columns; partitions once, as their parent; exit 1 only with --fail-on")
    func testSchema() throws {
        let fixture = try EngineFixture.make("coverage", schemaSQL: Self.schema)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy(Self.policy)
        let plain = try fixture.retention(["coverage", "--policy", policy])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(Self.listed(plain.stdout) == Self.expected, "\(plain.stdout)")
        #expect(plain.stdout.contains("public.sessions.memo: comment \"gdpr\""))
        #expect(plain.stdout.contains("public.contacts_import.misc: sample e-mail 120/120 (100%); confidence high"), "\(plain.stdout)")
        #expect(plain.stdout.contains("public.contacts_import.ref_a: sample personnummer 120/120 (100%); confidence high"), "\(plain.stdout)")
        #expect(plain.stdout.contains("public.visits.page: sample e-mail 300/300 (100%); confidence high"), "\(plain.stdout)")
        // The natural home: the pseudonymise rule or target already on the table, else a target
        // for a table referencing the subject table, else a tenant rule for one referencing the tenants.
        #expect(plain.stdout.contains(#"public.customers.billing_email: name "email"; confidence medium; home: add it to rule "customer-names""#), "\(plain.stdout)")
        #expect(plain.stdout.contains(#"public.staff.home_address: name "address"; confidence medium; home: add it to subject target "staff-row""#))
        #expect(plain.stdout.contains(#"public.staff_notes.author_email: name "email"; confidence medium; home: a subject target matching staff_id (references staff)"#))
        #expect(plain.stdout.contains(#"public.sessions.client: type inet; confidence high; home: a rule with tenantColumn org_id (references orgs)"#))
        // No sampled value, nor a piece of one, is printed.
        let sampled = try fixture.database.connect().execute("SELECT misc, ref_a, ref_b, substr(ref_a, 1, 6) FROM contacts_import").rows.flatMap { $0.compactMap { $0 } }
        #expect(!sampled.contains { plain.stdout.contains($0) })
        #expect(!plain.stdout.contains("example.org"))

        let failing = try fixture.retention(["coverage", "--policy", policy, "--fail-on", "uncovered", "--format", "json"])
        #expect(failing.status == 1, "\(failing.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(failing.stdout.utf8)) as? [String: Any])
        let uncovered = try #require(document["uncovered"] as? [[String: Any]])
        // JSON names are as stored, unquoted.
        #expect(uncovered.map { "\($0["table"] ?? "").\($0["column"] ?? "")" } == Self.expected.map { $0.replacingOccurrences(of: "\"", with: "") })
        #expect(uncovered.first { $0["column"] as? String == "ref_a" }?["evidence"] as? [String] == ["sample personnummer 120/120 (100%)"])
        #expect(uncovered.first { $0["column"] as? String == "ref_a" }?["home"] is NSNull)

        // Covering the rest: the scan is clean and --fail-on passes.
        let complete = try fixture.writePolicy(Self.policy.replacingOccurrences(of: "\"notPersonal\": [\"staff.work_phone\"]", with: """
            "notPersonal": ["staff.work_phone", "crm.leads.contactEmail", "customers.billing_email", "customers.Telefon",
                            "customers.ip_addr", "sessions.client", "sessions.memo", "visits.visitor", "visits.page", "public.staff.home_address",
                            "contacts_import.misc", "contacts_import.ref_a", "staff_notes.author_email"]
            """), name: "complete.json")
        let clean = try fixture.retention(["coverage", "--policy", complete, "--fail-on", "uncovered"])
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        #expect(Self.listed(clean.stdout).isEmpty, "\(clean.stdout)")
    }

    @Test("a usage or policy error exits 2")
    func errors() throws {
        let fixture = try EngineFixture.make("coverageerr", schemaSQL: "SELECT 1;")
        defer { fixture.drop() }
        let bad = try fixture.writePolicy(#"{"policy": "p", "notPersonal": ["nodot"], "rules": [{"name": "a", "table": "t", "due": {"after": "1 year", "from": "c"}, "action": "delete"}]}"#)
        #expect(try fixture.retention(["coverage", "--policy", bad]).status == 2)
        let good = try fixture.writePolicy(#"{"policy": "p", "rules": [{"name": "a", "table": "t", "due": {"after": "1 year", "from": "c"}, "action": "delete"}]}"#, name: "good.json")
        #expect(try fixture.retention(["coverage", "--policy", good, "--fail-on", "everything"]).status == 2)
        #expect(try fixture.retention(["coverage", "--policy", good, "--format", "xml"]).status == 2)
        #expect(try fixture.retention(["coverage"]).status == 2)
    }

    @Test("the demo database and policy: exit 0; after ALTER TABLE users ADD COLUMN phone, exit 1 naming it")
    func demo() throws {
        let fixture = try EngineFixture.make("coveragedemo", schemaSQL: "SELECT 1;")
        defer { fixture.drop() }
        #expect(try PostgresTools.psqlFile(fixture.database.url, Repository.root + "/Deploy/demo-schema.sql") == 0)
        let policy = Repository.root + "/Jobs/demo-policy.json"
        let before = try fixture.retention(["coverage", "--policy", policy, "--fail-on", "uncovered"])
        #expect(before.status == 0, "\(before.stdout)\(before.stderr)")
        let connection = try fixture.database.connect()
        try connection.executeScript("""
            ALTER TABLE users ADD COLUMN phone text;
            INSERT INTO organizations (name, plan, created_at) VALUES ('Org', 'team', '2020-01-01');
            INSERT INTO users (organization_id, email, name, role, created_at, phone)
              VALUES (1, 'a@example.com', 'A', 'user', '2021-01-01', '+46 70 123 45 67'), (1, 'b@example.com', 'B', 'user', '2021-01-01', '070-765 43 21');
            """)
        let after = try fixture.retention(["coverage", "--policy", policy, "--fail-on", "uncovered"])
        #expect(after.status == 1)
        #expect(Self.listed(after.stdout) == ["public.users.phone"], "\(after.stdout)")
        #expect(after.stdout.contains("public.users.phone: name \"phone\", sample phone 2/2 (100%); confidence high; home: add it to subject target \"user-account\""), "\(after.stdout)")
        #expect(!after.stdout.contains("123 45") && !after.stdout.contains("765"))
    }

    @Test("1,000 tables with rows are scanned and sampled within a minute")
    func thousandTables() throws {
        let fixture = try EngineFixture.make("coveragescale", schemaSQL: """
            DO $$ BEGIN
              FOR i IN 1..1000 LOOP
                EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, contact text, note text, created_at timestamptz)', i);
                EXECUTE format('INSERT INTO t%s SELECT g, ''c'' || g || ''@example.net'', ''n'' || g, now() FROM generate_series(1, 50) g', i);
              END LOOP;
            END $$;
            """)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy(#"{"policy": "p", "notPersonal": ["t1.contact"], "rules": [{"name": "a", "table": "t2", "due": {"after": "1 year", "from": "created_at"}, "action": "delete"}]}"#)
        let started = Date()
        let result = try fixture.retention(["coverage", "--policy", policy, "--format", "json"])
        let seconds = Date().timeIntervalSince(started)
        #expect(result.status == 0, "\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        // t1.contact is declared not personal and t2 is deleted by the rule: the other 998 e-mail columns are found by value.
        #expect((document["uncovered"] as? [[String: Any]])?.count == 998)
        #expect(document["tablesScanned"] as? Int == 1000)
        #expect(seconds < 60, "took \(seconds) s")
        print("coverage of 1,000 tables: \(String(format: "%.1f", seconds)) s")
    }

    @Test("Pagila: the columns a reviewer marks personal, against what coverage finds", .enabled(if: PagilaDataset.folder != nil))
    func pagila() throws {
        let fixture = try EngineFixture.make("coveragepagila", schemaSQL: "SELECT 1;")
        defer { fixture.drop() }
        try PagilaTests.loadPagila(fixture)
        let result = try fixture.retention(["coverage", "--policy", Repository.root + "/Jobs/pagila-policy.json"])
        #expect(result.status == 0, "\(result.stderr)")
        let found = Self.listed(result.stdout)
        // What a reviewer marks personal in Pagila (rental and payment are deleted by the policy).
        let personal: Set<String> = [
            "public.actor.first_name", "public.actor.last_name",
            "public.address.address", "public.address.address2", "public.address.postal_code", "public.address.phone",
            "public.customer.first_name", "public.customer.last_name", "public.customer.email",
            "public.staff.first_name", "public.staff.last_name", "public.staff.email", "public.staff.username", "public.staff.picture",
        ]
        #expect(found == [
            "public.actor.first_name", "public.actor.last_name",
            "public.address.address", "public.address.address2", "public.address.postal_code", "public.address.phone",
            "public.customer.first_name", "public.customer.last_name", "public.customer.email",
            "public.staff.first_name", "public.staff.last_name", "public.staff.email", "public.staff.username", "public.staff.picture",
        ], "\(result.stdout)")
        let hits = Set(found).intersection(personal).count
        print("Pagila: precision \(hits)/\(found.count), recall \(hits)/\(personal.count)")
    }

    @Test("a table the role cannot read is a finding of its own: not sampled: permission denied; --fail-on uncovered fails on it, uncovered-sampled does not")
    func unreadableTable() throws {
        let fixture = try EngineFixture.make("coveragepriv", schemaSQL: """
            CREATE TABLE open_box (id int PRIMARY KEY, misc text);
            INSERT INTO open_box SELECT g, 'p' || g || '@example.org' FROM generate_series(1, 20) g;
            CREATE TABLE closed_box (id int PRIMARY KEY, misc text, owner_email text);
            INSERT INTO closed_box SELECT g, 'q' || g || '@example.org', 'x' FROM generate_series(1, 20) g;
            """)
        let role = "cov_" + fixture.database.name
        defer { fixture.drop(role: role) }
        try fixture.database.connect().executeScript("CREATE ROLE \(Identifier.quote(role)) LOGIN; GRANT SELECT ON open_box TO \(Identifier.quote(role));")
        let policy = try fixture.writePolicy(#"{"policy": "p", "rules": [{"name": "a", "table": "elsewhere", "due": {"after": "1 year", "from": "c"}, "action": "delete"}]}"#)
        let url = "postgresql://\(role)@127.0.0.1:\(TestDatabase.port)/\(fixture.database.name)"
        let result = try CommandRunner.run(["coverage", "--policy", policy, "--database-url", url])
        #expect(result.status == 0, "\(result.stderr)")
        // closed_box.misc holds e-mails too: unread, it has no signal of its own, and the table is listed as not sampled.
        #expect(result.stdout == """
            public.closed_box.owner_email: name "email"; confidence medium
            public.open_box.misc: sample e-mail 20/20 (100%); confidence high
            public.closed_box: not sampled: permission denied; 2 columns judged without their values
            coverage: 2 uncovered of 2 personal-looking columns in 2 tables; 1 tables not sampled

            """, "\(result.stdout)")

        // Every column reviewed: the unread table alone fails --fail-on uncovered; uncovered-sampled lets it pass.
        let reviewed = try fixture.writePolicy(#"{"policy": "p", "notPersonal": ["open_box.misc", "closed_box.owner_email"], "rules": [{"name": "a", "table": "elsewhere", "due": {"after": "1 year", "from": "c"}, "action": "delete"}]}"#, name: "reviewed.json")
        let gate = try CommandRunner.run(["coverage", "--policy", reviewed, "--database-url", url, "--fail-on", "uncovered", "--format", "json"])
        #expect(gate.status == 1, "\(gate.stdout)\(gate.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(gate.stdout.utf8)) as? [String: Any])
        #expect((document["uncovered"] as? [Any])?.isEmpty == true)
        let notSampled = try #require(document["notSampled"] as? [[String: Any]])
        #expect(notSampled.count == 1 && notSampled.first?["table"] as? String == "public.closed_box"
                && notSampled.first?["reason"] as? String == "permission denied" && notSampled.first?["columns"] as? [String] == ["misc"], "\(gate.stdout)")
        let relaxed = try CommandRunner.run(["coverage", "--policy", reviewed, "--database-url", url, "--fail-on", "uncovered-sampled"])
        #expect(relaxed.status == 0, "\(relaxed.stdout)\(relaxed.stderr)")
        #expect(relaxed.stdout.contains("public.closed_box: not sampled: permission denied"))
    }
}
