import Foundation
import Testing
import TestSupport

@Suite("Erasure requests survive a restore")
struct SubjectRestoreTests {
    @Test("dump, erase a person by request, restore the dump, replay since the dump: the person's rows are gone again, kept ones and everyone else's identical; the ledger holds no value")
    func restoreAndReplay() throws {
        let fixture = try SubjectFixture.make("subjrestore")
        defer { fixture.drop() }
        let db = fixture.database
        let email = "user9@example.com"
        let since = try db.connect().execute("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')").requiredScalar()
        let dump = fixture.engine.directory + "/backup.dump"
        #expect(try PostgresTools.run("pg_dump", ["--format=custom", "--file=" + dump, db.url]) == 0)
        _ = try fixture.add("email=\(email)")
        #expect(try fixture.run().status == 0)
        let ledger = try String(contentsOfFile: fixture.engine.stateDirectory + "/erasures.jsonl", encoding: .utf8)
        #expect(ledger.contains("\"kind\":\"subject-erasure\""))
        #expect(!ledger.contains(email) && !ledger.contains("user9"), "the ledger names no one")

        let restored = try TestDatabase.create("subjrestored")
        defer { restored.drop() }
        #expect(try PostgresTools.run("pg_restore", ["--dbname=" + restored.url, "--no-owner", dump]) == 0)
        #expect(try restored.count("SELECT count(*) FROM comments WHERE author_id = 9") > 0)
        let others = try restored.checksum("""
            (SELECT 'c' || t::text AS r FROM comments t WHERE author_id <> 9 UNION ALL SELECT 'k' || t::text FROM checkins t WHERE user_id <> 9
             UNION ALL SELECT 'a' || t::text FROM audit_rows t WHERE actor_id IS DISTINCT FROM 9 UNION ALL SELECT 'p' || t::text FROM payment_methods t WHERE user_id <> 9
             UNION ALL SELECT 'm' || t::text FROM marketing_contacts t WHERE email <> '\(email)' UNION ALL SELECT 'u' || t::text FROM users t WHERE id <> 9
             UNION ALL SELECT 'i' || t::text FROM invoices t)
            """)
        let keptMethods = try restored.count("SELECT count(*) FROM payment_methods p WHERE user_id = 9 AND EXISTS (SELECT 1 FROM invoices i WHERE i.payment_method_id = p.id)")
        let replay = try CommandRunner.run(["replay", "--policy", fixture.policy, "--since", since, "--database-url", restored.url,
                                            "--state-dir", fixture.engine.stateDirectory, "--pseudonym-key-file", fixture.keyFile])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout.contains("erasure requests: 1"), "\(replay.stdout)")
        #expect(try restored.count("SELECT count(*) FROM comments WHERE author_id = 9") == 0)
        #expect(try restored.count("SELECT count(*) FROM checkins WHERE user_id = 9") == 0)
        #expect(try restored.count("SELECT count(*) FROM audit_rows WHERE actor_id = 9") == 0)
        #expect(try restored.count("SELECT count(*) FROM payment_methods WHERE user_id = 9") == keptMethods)
        #expect(try restored.count("SELECT count(*) FROM marketing_contacts WHERE email = $1", [email]) == 0)
        #expect(try restored.count("SELECT count(*) FROM users WHERE id = 9 AND name IS NULL AND email <> $1", [email]) == 1)
        #expect(try restored.checksum("""
            (SELECT 'c' || t::text AS r FROM comments t WHERE author_id <> 9 UNION ALL SELECT 'k' || t::text FROM checkins t WHERE user_id <> 9
             UNION ALL SELECT 'a' || t::text FROM audit_rows t WHERE actor_id IS DISTINCT FROM 9 UNION ALL SELECT 'p' || t::text FROM payment_methods t WHERE user_id <> 9
             UNION ALL SELECT 'm' || t::text FROM marketing_contacts t WHERE email <> '\(email)' UNION ALL SELECT 'u' || t::text FROM users t WHERE id <> 9
             UNION ALL SELECT 'i' || t::text FROM invoices t)
            """) == others)
    }
}
