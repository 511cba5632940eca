import Foundation
import Postgres
import Testing
import TestSupport

private let contactsSchema = """
    SET TimeZone = 'UTC';
    \(HMACOracle.sql)
    CREATE TABLE contacts (id int PRIMARY KEY, email text NOT NULL, name text, company varchar(80), ip inet, ip_text text,
                           unsubscribed_at timestamptz, pseudonymised_at timestamptz);
    INSERT INTO contacts SELECT g, CASE WHEN g % 10 = 0 THEN 'Åsa.' || g || '@exämple.se' ELSE 'user' || (g % 700) || '@example.com' END,
        CASE WHEN g % 5 = 0 THEN NULL ELSE 'Name ' || g END, 'Company ' || (g % 30),
        CASE WHEN g % 3 = 0 THEN ('2001:db8:' || to_hex(g) || '::' || to_hex(g))::inet WHEN g % 7 = 0 THEN NULL ELSE ('203.0.' || (g % 250) || '.' || (g % 200))::inet END,
        CASE WHEN g % 4 = 0 THEN '198.51.' || (g % 250) || '.77' WHEN g % 11 = 0 THEN 'not an address' WHEN g % 13 = 0 THEN 'cafe'
             WHEN g % 17 = 0 THEN '1.2.3.4.5' WHEN g % 19 = 0 THEN '999.1.1.1' WHEN g % 23 = 0 THEN '2001:db8::7' END,
        CASE WHEN g % 2 = 0 THEN timestamptz '2026-01-01' + (g || ' hours')::interval END, NULL
    FROM generate_series(1, 3000) g;
    CREATE TABLE suppression (id int PRIMARY KEY, email text, added_at timestamptz NOT NULL, done_at timestamptz);
    INSERT INTO suppression SELECT g, 'user' || (g % 700) || '@example.com', timestamptz '2025-01-01', NULL FROM generate_series(1, 50) g;
    """

private let contactsPolicy = """
    {"policy": "pseudo", "rules": [
      {"name": "unsubscribed", "table": "contacts", "due": {"after": "0 days", "from": "unsubscribed_at"}, "action": "pseudonymise",
       "pseudonymise": {"columns": {"email": "hmac", "name": "null", "company": "redact", "ip": "truncate-ip", "ip_text": "truncate-ip"}, "marker": "pseudonymised_at"}},
      {"name": "suppression", "table": "suppression", "due": {"after": "0 days", "from": "added_at"}, "action": "pseudonymise",
       "pseudonymise": {"columns": {"email": "hmac"}, "marker": "done_at"}}]}
    """

@Suite("pseudonymise")
struct PseudonymiseTests {
    static func keyFile(_ fixture: EngineFixture, _ bytes: [UInt8]) throws -> String {
        let path = fixture.directory + "/key"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static let key: [UInt8] = Array("0123456789abcdef0123456789abcdef-and-more".utf8)
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
    /// The runs' time: the contacts unsubscribed before it are due.
    static let asOf = "2026-03-01T00:00:00Z"

    /// A database with the contacts and their policy, and a key file holding `key`.
    static func contacts(_ label: String, key: [UInt8] = PseudonymiseTests.key) throws -> (fixture: EngineFixture, keyPath: String) {
        let fixture = try EngineFixture.make(label, schemaSQL: contactsSchema)
        do {
            try fixture.writePolicy(contactsPolicy)
            return (fixture, try keyFile(fixture, key))
        } catch {
            fixture.drop()
            throw error
        }
    }

    /// Table `expected`: each due contact's id and the pseudonym of its e-mail under `key`, as
    /// an independent HMAC computation says.
    static func expectPseudonyms(_ connection: Connection, key: [UInt8]) throws {
        try connection.executeScript("""
            CREATE TABLE expected AS SELECT id, expected_hmac(convert_to(email, 'UTF8'), '\\x\(hex(key))'::bytea) AS email
            FROM contacts WHERE unsubscribed_at < '\(asOf)'::timestamptz;
            """)
    }

    @Test("exactly the due rows change, as an independent HMAC computation says (pgcrypto, or RFC 2104 in SQL); other rows are byte-identical; a second run changes nothing")
    func exactChange() throws {
        let (fixture, keyPath) = try PseudonymiseTests.contacts("pseudo")
        defer { fixture.drop() }
        let keyHex = PseudonymiseTests.hex(PseudonymiseTests.key)
        let asOf = PseudonymiseTests.asOf
        try fixture.database.connect().executeScript("""
            CREATE TABLE expected AS SELECT id,
              CASE WHEN due THEN expected_hmac(convert_to(email, 'UTF8'), '\\x\(keyHex)'::bytea) ELSE email END AS email,
              CASE WHEN due THEN NULL ELSE name END AS name,
              CASE WHEN due THEN '[redacted]' ELSE company END AS company,
              CASE WHEN due AND ip IS NOT NULL THEN (CASE WHEN family(ip) = 4 THEN host(network(set_masklen(ip, 24))) ELSE host(network(set_masklen(ip, 48))) END)::inet ELSE ip END AS ip,
              CASE WHEN due AND ip_text IN ('not an address', 'cafe', '1.2.3.4.5', '999.1.1.1') THEN '[redacted]'
                   WHEN due AND ip_text = '2001:db8::7' THEN '2001:db8::'
                   WHEN due AND ip_text IS NOT NULL THEN regexp_replace(ip_text, '\\.[0-9]+$', '.0') ELSE ip_text END AS ip_text,
              due
            FROM (SELECT *, unsubscribed_at IS NOT NULL AND unsubscribed_at < '\(asOf)'::timestamptz AS due FROM contacts) c;
            CREATE TABLE pairs AS SELECT s.id AS sid, c.id AS cid FROM suppression s JOIN contacts c ON c.email = s.email
              WHERE c.unsubscribed_at < '\(asOf)'::timestamptz;
            """)
        let dueCount = try fixture.database.count("SELECT count(*) FROM expected WHERE due")
        let untouched = try fixture.database.checksum("(SELECT * FROM contacts WHERE id IN (SELECT id FROM expected WHERE NOT due))", orderBy: "id")
        let result = try fixture.retention(["run", "--as-of", asOf, "--pseudonym-key-file", keyPath, "--batch-size", "200"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try fixture.ruleReport("unsubscribed").int("affected") == dueCount)
        #expect(try fixture.database.count("""
            SELECT count(*) FROM contacts c JOIN expected e USING (id)
            WHERE (c.email, c.name, c.company, c.ip, c.ip_text) IS DISTINCT FROM (e.email, e.name, e.company, e.ip, e.ip_text)
            """) == 0)
        #expect(try fixture.database.count("SELECT count(*) FROM contacts WHERE pseudonymised_at IS NOT NULL") == dueCount)
        #expect(try fixture.database.checksum("(SELECT * FROM contacts WHERE id IN (SELECT id FROM expected WHERE NOT due))", orderBy: "id") == untouched)
        // The same e-mail gets the same pseudonym in every table.
        #expect(try fixture.database.count("SELECT count(*) FROM pairs") > 0)
        #expect(try fixture.database.count("""
            SELECT count(*) FROM pairs p JOIN suppression s ON s.id = p.sid JOIN contacts c ON c.id = p.cid WHERE s.email <> c.email OR length(s.email) <> 64
            """) == 0)
        let after = try fixture.database.checksum("contacts", orderBy: "id")
        let again = try fixture.retention(["run", "--as-of", asOf, "--pseudonym-key-file", keyPath])
        #expect(again.status == 0)
        #expect(try fixture.database.checksum("contacts", orderBy: "id") == after)
        #expect(try fixture.ruleReport("unsubscribed").int("matched") == 0)
    }

    @Test("the key and its HMAC pads reach no server log, even with every statement and its parameters logged",
          .enabled(if: ProcessInfo.processInfo.environment["PGTHROWAWAY_LOG"] != nil, "PGTHROWAWAY_LOG is not set: run the tests with Deploy/test.sh"))
    func keyNeverLogged() throws {
        let logPath = ProcessInfo.processInfo.environment["PGTHROWAWAY_LOG"]!
        let key = (0..<40).map { _ in UInt8.random(in: 0...255) }
        let (fixture, keyPath) = try PseudonymiseTests.contacts("pseudolog", key: key)
        defer { fixture.drop() }
        let hex = PseudonymiseTests.hex
        let block = key + [UInt8](repeating: 0, count: 64 - key.count)
        let secrets = [hex(key), hex(block.map { $0 ^ 0x36 }), hex(block.map { $0 ^ 0x5c })].flatMap { [$0, $0.uppercased()] }
        // The expected pseudonyms are computed on a session that logs nothing, as it holds the key.
        let quiet = try fixture.database.connect()
        try quiet.execute("SET log_statement = 'none'")
        try quiet.execute("SET log_min_duration_statement = -1")
        try PseudonymiseTests.expectPseudonyms(quiet, key: key)
        try quiet.executeScript("""
            ALTER DATABASE \(fixture.database.name) SET log_statement = 'all';
            ALTER DATABASE \(fixture.database.name) SET log_min_duration_statement = 0;
            """)
        let logStart = (try FileManager.default.attributesOfItem(atPath: logPath)[.size] as? NSNumber)?.intValue ?? 0
        let result = try fixture.retention(["run", "--as-of", PseudonymiseTests.asOf, "--pseudonym-key-file", keyPath, "--batch-size", "500"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM expected") > 0)
        #expect(try fixture.database.count("SELECT count(*) FROM contacts c JOIN expected e USING (id) WHERE c.email IS DISTINCT FROM e.email") == 0)
        let log = try #require(FileManager.default.contents(atPath: logPath)).dropFirst(logStart)
        let text = String(decoding: log, as: UTF8.self)
        // The log did record the run's statements, so the absence below means something.
        #expect(text.contains("@\(fixture.database.name) ") && text.contains("UPDATE"), "the server log holds none of the run's statements")
        #expect(log.range(of: Data(key)) == nil, "the key's bytes are in the server log")
        for secret in secrets { #expect(!text.contains(secret), "the server log holds \(secret.prefix(8))…") }
    }

    @Test("a worker whose connection is terminated reconnects with the pads loaded again, and every pseudonym is right")
    func reconnectReloadsPads() throws {
        let (fixture, keyPath) = try PseudonymiseTests.contacts("pseudore")
        defer { fixture.drop() }
        try PseudonymiseTests.expectPseudonyms(fixture.database.connect(), key: PseudonymiseTests.key)
        let running = try fixture.start(["run", "--as-of", PseudonymiseTests.asOf, "--pseudonym-key-file", keyPath, "--batch-size", "40", "--pause", "30", "--concurrency", "2"])
        let admin = try fixture.database.connect()
        var terminated: Int64 = 0
        for _ in 0..<4 {
            Thread.sleep(forTimeInterval: 0.3)
            terminated += try admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'retention worker' AND datname = $1", [fixture.database.name]).int64()
        }
        let result = running.wait()
        #expect(terminated > 0)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM contacts c JOIN expected e USING (id) WHERE c.email IS DISTINCT FROM e.email") == 0)
    }

    @Test("a missing, short or unreadable key is one clear line, exit 2, nothing changed")
    func badKeys() throws {
        let (fixture, _) = try PseudonymiseTests.contacts("pseudokey")
        defer { fixture.drop() }
        let before = try fixture.database.checksum("contacts", orderBy: "id")
        let short = try PseudonymiseTests.keyFile(fixture, Array(repeating: 7, count: 31))
        let cases: [([String], [String: String], String)] = [
            ([], [:], "needs the pseudonym key"),
            (["--pseudonym-key-file", fixture.directory + "/nokey"], [:], "could not read pseudonym key file"),
            (["--pseudonym-key-file", short], [:], "holds 31 bytes"),
            ([], ["RETENTION_PSEUDONYM_KEY_FILE": short], "holds 31 bytes"),
        ]
        for (arguments, environment, message) in cases {
            let result = try fixture.retention(["run", "--as-of", PseudonymiseTests.asOf] + arguments, environment: environment)
            #expect(result.status == 2)
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(!result.stderr.contains("0123456789abcdef"))
        }
        #expect(try fixture.database.checksum("contacts", orderBy: "id") == before)
    }
}
