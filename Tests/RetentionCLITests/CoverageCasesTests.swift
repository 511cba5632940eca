import Foundation
import Postgres
import Testing
import TestSupport

/// One schema with every case of a coverage scan that must see what is there: values inside
/// values, Swedish and English names and the special categories, materialized views, wide values,
/// decoys that only look personal, a name that would forge a line, the archive schema, and a
/// table locked by a migration. Every expected line is written out below.
@Suite("Coverage cases")
struct CoverageCasesTests {
    /// A name that starts a summary line of its own (a name keeps 63 bytes at most).
    static let forgedName = "\ncoverage: 0 uncovered of 0 personal-looking columns"

    static let schema = """
        CREATE DOMAIN contact_text AS text;
        -- Values inside values: free text, jsonb nested under any key, json, text[], a domain over text.
        CREATE TABLE support_tickets (id int PRIMARY KEY, body text, meta jsonb, doc json, tags text[], misc contact_text, subject text);
        INSERT INTO support_tickets SELECT g, 'Hej, kontakta mig på anna' || g || '@foretag.se',
            jsonb_build_object('source', 'web', 'contact', jsonb_build_object('channels', jsonb_build_array(jsonb_build_object('kind', 'sms', 'value', '070-' || (1000000 + g))))),
            json_build_object('x', json_build_object('y', 'kund' || g || '@example.org')),
            ARRAY['vip', 'c' || g || '@example.net'], 'm' || g || '@example.se', 'Order ' || g || ' delayed'
          FROM generate_series(1, 40) g;
        -- Names alone, on empty columns: Swedish and English forms, and GDPR Art. 9 special categories of any type.
        CREATE TABLE kund_profiler (id int PRIMARY KEY, epostadress text, mejl text, telefonnr text, mobilnr text, personnr text,
            emailaddress text, phonenumber text, social_security_number text, health_notes text, religion text, ethnicity text,
            sexual_orientation text, political_views text, union_member boolean, biometric_template bytea, genetic_markers text);
        -- A materialized view with a personal-looking column.
        CREATE MATERIALIZED VIEW ticket_contacts AS SELECT id, misc::text AS contact_email FROM support_tickets;
        -- Decoys: types that cannot hold what the name says, descriptors, a denying comment, version strings.
        CREATE TABLE app_users (id int PRIMARY KEY, email_verified_at timestamptz, phone_verified boolean, email_opt_in boolean,
            ip_allowlist_enabled boolean, mobile_app_version text, card_brand text, checksum text, build text);
        COMMENT ON COLUMN app_users.checksum IS 'Contains no PII';
        INSERT INTO app_users SELECT g, now(), true, false, true, '10.' || (g % 5) || '.' || (g % 7) || '.0', 'visa', md5(g::text),
            '10.2.' || (g % 9) || '.' || (g % 3) FROM generate_series(1, 60) g;
        -- Addresses: by values that cannot be versions, and by type.
        CREATE TABLE visits_log (id int PRIMARY KEY, client_addr text, src inet, path text);
        INSERT INTO visits_log SELECT g, '203.0.113.' || g, '198.51.100.1', '/p/' || g FROM generate_series(1, 30) g;
        -- Wide values: only a prefix of each is read.
        CREATE TABLE wide_notes (id int PRIMARY KEY, body text);
        INSERT INTO wide_notes SELECT g, 'Kontakt: w' || g || '@example.org. ' || repeat('lorem ipsum dolor ', 60000) FROM generate_series(1, 5) g;
        -- A column name that would forge a summary line if printed raw.
        CREATE TABLE forged (id int PRIMARY KEY, "\(forgedName)" text);
        INSERT INTO forged SELECT g, 'f' || g || '@example.org' FROM generate_series(1, 10) g;
        -- A table a migration holds locked during the scan.
        CREATE TABLE locked_box (id int PRIMARY KEY, misc text);
        INSERT INTO locked_box SELECT g, 'l' || g || '@example.org' FROM generate_series(1, 10) g;
        -- An archived leaf, with every column.
        CREATE SCHEMA IF NOT EXISTS retention_archive;
        CREATE TABLE retention_archive.visits_2024_01 (at timestamptz, visitor_email text, page text);
        INSERT INTO retention_archive.visits_2024_01 SELECT now(), 'a' || g || '@example.org', '/p' FROM generate_series(1, 10) g;
        CREATE TABLE sessions_old (id int PRIMARY KEY, user_email text, created_at timestamptz);
        ANALYZE;
        """

    static let policy = """
        {"policy": "cases", "rules": [
          {"name": "sessions", "table": "sessions_old", "due": {"after": "1 year", "from": "created_at"}, "action": "delete"}]}
        """

    /// Every line the scan prints, in order. Not listed: `app_users.*` (a timestamp or boolean
    /// cannot hold an e-mail, phone or address; `mobile_app_version` and `card_brand` describe;
    /// the comment denies; `build` holds versions), `support_tickets.subject`, `visits_log.path`,
    /// `retention_archive.visits_2024_01.page` (nothing personal), `sessions_old.*` (deleted by the rule).
    static let expectedLines = [
        #"public.forged."\ncoverage: 0 uncovered of 0 personal-looking columns": sample e-mail 10/10 (100%); confidence high"#,
        #"public.kund_profiler.epostadress: name "epostadress"; confidence medium"#,
        #"public.kund_profiler.mejl: name "mejl"; confidence medium"#,
        #"public.kund_profiler.telefonnr: name "telefonnr"; confidence medium"#,
        #"public.kund_profiler.mobilnr: name "mobilnr"; confidence medium"#,
        #"public.kund_profiler.personnr: name "personnr"; confidence medium"#,
        #"public.kund_profiler.emailaddress: name "emailaddress"; confidence medium"#,
        #"public.kund_profiler.phonenumber: name "phonenumber"; confidence medium"#,
        #"public.kund_profiler.social_security_number: name "socialsecurity"; confidence medium"#,
        #"public.kund_profiler.health_notes: name "health" (special category: health); confidence medium"#,
        #"public.kund_profiler.religion: name "religion" (special category: religious or philosophical beliefs); confidence medium"#,
        #"public.kund_profiler.ethnicity: name "ethnicity" (special category: racial or ethnic origin); confidence medium"#,
        #"public.kund_profiler.sexual_orientation: name "sexual" (special category: sex life or sexual orientation); confidence medium"#,
        #"public.kund_profiler.political_views: name "political" (special category: political opinions); confidence medium"#,
        #"public.kund_profiler.union_member: name "union" (special category: trade union membership); confidence medium"#,
        #"public.kund_profiler.biometric_template: name "biometric" (special category: biometric data); confidence medium"#,
        #"public.kund_profiler.genetic_markers: name "genetic" (special category: genetic data); confidence medium"#,
        #"public.support_tickets.body: sample e-mail inside values 40/40 (100%); confidence high"#,
        #"public.support_tickets.meta: sample phone inside values 40/40 (100%); confidence high"#,
        #"public.support_tickets.doc: sample e-mail inside values 40/40 (100%); confidence high"#,
        #"public.support_tickets.tags: sample e-mail inside values 40/40 (100%); confidence high"#,
        #"public.support_tickets.misc: sample e-mail 40/40 (100%); confidence high"#,
        #"public.ticket_contacts.contact_email: name "email", sample e-mail 40/40 (100%); confidence high; materialized view: deleted rows stay in it until it is refreshed (run --refresh-views)"#,
        #"public.visits_log.client_addr: sample IP address 30/30 (100%); confidence high"#,
        #"public.visits_log.src: type inet; confidence high"#,
        #"public.wide_notes.body: sample e-mail inside values 5/5 (100%); confidence high"#,
        #"retention_archive.visits_2024_01.visitor_email: name "email", sample e-mail 10/10 (100%); confidence high"#,
        #"public.locked_box: not sampled: lock timeout; 1 columns judged without their values"#,
        #"coverage: 27 uncovered of 28 personal-looking columns in 10 tables; 1 tables not sampled"#,
    ]

    /// What a reviewer marks personal in this schema, as stored: every column listed above, and
    /// `locked_box.misc` (e-mails, unseen while locked).
    static let personal: Set<String> = [
        "public.forged.\(forgedName)",
        "public.kund_profiler.epostadress", "public.kund_profiler.mejl", "public.kund_profiler.telefonnr", "public.kund_profiler.mobilnr",
        "public.kund_profiler.personnr", "public.kund_profiler.emailaddress", "public.kund_profiler.phonenumber",
        "public.kund_profiler.social_security_number", "public.kund_profiler.health_notes", "public.kund_profiler.religion",
        "public.kund_profiler.ethnicity", "public.kund_profiler.sexual_orientation", "public.kund_profiler.political_views",
        "public.kund_profiler.union_member", "public.kund_profiler.biometric_template", "public.kund_profiler.genetic_markers",
        "public.support_tickets.body", "public.support_tickets.meta", "public.support_tickets.doc", "public.support_tickets.tags",
        "public.support_tickets.misc", "public.ticket_contacts.contact_email", "public.visits_log.client_addr", "public.visits_log.src",
        "public.wide_notes.body", "retention_archive.visits_2024_01.visitor_email", "public.locked_box.misc",
    ]

    @Test("every case: values inside values, names and special categories, materialized views, decoys, a forged name, the archive, a locked table; no value printed")
    func everyCase() throws {
        let fixture = try EngineFixture.make("coveragecases", schemaSQL: Self.schema)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy(Self.policy)
        let migration = try fixture.database.connect()
        try migration.execute("BEGIN")
        try migration.execute("LOCK TABLE locked_box IN ACCESS EXCLUSIVE MODE")
        let text = try fixture.retention(["coverage", "--policy", policy])
        let gate = try fixture.retention(["coverage", "--policy", policy, "--fail-on", "uncovered", "--format", "json"])
        try migration.execute("ROLLBACK")
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(lines == Self.expectedLines, "\(text.stdout)")
        #expect(lines.filter { $0.hasPrefix("coverage:") }.count == 1)
        #expect(gate.status == 1, "\(gate.stderr)")

        // Precision and recall, over columns (a table not sampled counts for the columns it could not read).
        let document = try #require(try JSONSerialization.jsonObject(with: Data(gate.stdout.utf8)) as? [String: Any])
        let uncovered = (document["uncovered"] as? [[String: Any]] ?? []).map { "\($0["table"] ?? "").\($0["column"] ?? "")" }
        let unread = (document["notSampled"] as? [[String: Any]] ?? []).flatMap { table in
            (table["columns"] as? [String] ?? []).map { "\(table["table"] ?? "").\($0)" }
        }
        let found = Set(uncovered + unread)
        let hits = found.intersection(Self.personal).count
        #expect(hits == found.count && hits == Self.personal.count, "\(found.symmetricDifference(Self.personal))")
        print("coverage cases: precision \(hits)/\(found.count), recall \(hits)/\(Self.personal.count)")

        // No sampled value, nor the local part of one, is printed in either format.
        let connection = try fixture.database.connect()
        let values = try connection.execute("""
            SELECT body, meta::text, doc::text, array_to_string(tags, ' '), misc::text FROM support_tickets
            UNION ALL SELECT mobile_app_version, build, checksum, NULL, NULL FROM app_users
            UNION ALL SELECT client_addr, NULL, NULL, NULL, NULL FROM visits_log
            UNION ALL SELECT "\(Self.forgedName)", NULL, NULL, NULL, NULL FROM forged
            UNION ALL SELECT misc, NULL, NULL, NULL, NULL FROM locked_box
            UNION ALL SELECT visitor_email, NULL, NULL, NULL, NULL FROM retention_archive.visits_2024_01
            """).rows.flatMap { $0.compactMap { $0 } }
        // Each value whole, and every e-mail address, its local part, and run of digits in it.
        let pattern = try NSRegularExpression(pattern: #"([A-Za-z0-9.]+)@[A-Za-z0-9.]+|[0-9][0-9.-]{5,}"#)
        let pieces = values.flatMap { value -> [String] in
            let range = NSRange(value.startIndex..., in: value)
            return [value] + pattern.matches(in: value, range: range).flatMap { match in
                (0..<match.numberOfRanges).compactMap { Range(match.range(at: $0), in: value).map { String(value[$0]) } }
            }
        }
        #expect(pieces.contains("anna1@foretag.se") && pieces.contains("anna1") && pieces.contains("070-1000001") && pieces.contains("10.2.3.0"))
        for output in [text.stdout, gate.stdout] {
            #expect(!pieces.contains { output.contains($0) }, "\(output)")
            for domain in ["foretag.se", "example.org", "example.net", "example.se", "203.0.113", "070-10"] { #expect(!output.contains(domain)) }
        }
    }

    @Test("wide values: 250 rows of 1 MB each are scanned in seconds, reading a prefix of each")
    func wideValues() throws {
        let fixture = try EngineFixture.make("coveragewide", schemaSQL: """
            CREATE TABLE wide (id int PRIMARY KEY, body text);
            INSERT INTO wide SELECT g, 'Skriv till w' || g || '@example.org. ' || repeat(md5(g::text), 32768) FROM generate_series(1, 250) g;
            ANALYZE wide;
            """)
        defer { fixture.drop() }
        #expect(try fixture.database.count("SELECT count(*) FROM wide WHERE length(body) >= 1048576") == 250)
        let policy = try fixture.writePolicy(#"{"policy": "p", "rules": [{"name": "a", "table": "elsewhere", "due": {"after": "1 year", "from": "c"}, "action": "delete"}]}"#)
        let started = Date()
        let result = try fixture.retention(["coverage", "--policy", policy])
        let seconds = Date().timeIntervalSince(started)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("public.wide.body: sample e-mail inside values 250/250 (100%); confidence high\n"), "\(result.stdout)")
        // The target is 2 s, measured alone at 0.45 s (debug build); the bound leaves room for a
        // loaded machine. Reading whole values took 252 s and 0.5 GB.
        #expect(seconds < 5, "took \(seconds) s")
        print("coverage of 250 rows of 1 MB: \(String(format: "%.2f", seconds)) s")
    }
}
