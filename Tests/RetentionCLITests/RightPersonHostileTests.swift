import Foundation
import Postgres
import Testing
import TestSupport

/// The defects a hostile trial of erasure requests found, each reproduced and checked against
/// plain SQL computed before the run.
@Suite("Erasure requests against a hostile user")
struct RightPersonHostileTests {
    /// A comment of user 12 referenced from a table no target empties: the request stays open.
    private static let blockUser12 = """
        CREATE TABLE pinned (id int PRIMARY KEY, comment_id bigint REFERENCES comments);
        INSERT INTO pinned SELECT 1, min(id) FROM comments WHERE user_id = 12;
        """

    @Test("a value the person held alone when the request was filed, shared by a new account before the request completes, is ambiguous from then on")
    func sharedSinceFiling() throws {
        let fixture = try RightPersonFixture.make("rhlater", extraSQL: Self.blockUser12)
        defer { fixture.drop() }
        let db = fixture.database
        let (id, _) = try fixture.add("email=p12@example.com")
        #expect(try fixture.run().status == 0)
        #expect(try fixture.status(id) == "open", "a pinned comment keeps it open")
        #expect(try db.count("SELECT count(*) FROM phone_log WHERE phone = '+46700012'") == 0)
        try db.connect().executeScript("""
            INSERT INTO users VALUES (99, 'family@example.com', '+46700012', 'Family', NULL, NULL);
            INSERT INTO phone_log VALUES (9999, '+46700012', 'call of the family member');
            DELETE FROM pinned;
            """)
        let family = try db.checksum("(SELECT t::text AS r FROM phone_log t WHERE id = 9999)")
        #expect(try fixture.run().status == 0)
        #expect(try db.checksum("(SELECT t::text AS r FROM phone_log t WHERE id = 9999)") == family)
        #expect(try db.count("SELECT count(*) FROM comments WHERE user_id = 12") == 0)
        #expect(try fixture.reported(id).targets["call-log"]?.int("ambiguous") == 1)
        #expect(try fixture.status(id) == "open")
    }

    @Test("a char(n) column cuts nobody's value to another's: refused as a subject value, never matched in a target")
    func characterColumns() throws {
        let targets = RightPersonSchema.targets + #", {"name": "tickets", "category": "Support", "table": "tickets", "match": {"email": "email"}, "action": "delete"}"#
        let fixture = try RightPersonFixture.make("rhchar", extraSQL: """
            ALTER TABLE users ADD COLUMN code char(6);
            UPDATE users SET code = 'abc' || lpad(id::text, 3, '0');
            CREATE TABLE tickets (id bigint PRIMARY KEY, email char(16) NOT NULL);
            INSERT INTO tickets VALUES (1, 'erik@example.com'), (2, 'p3@example.com');
            """, policy: RightPersonSchema.policy(targets: targets, identifiers: #"["email", "phone", "code"]"#))
        defer { fixture.drop() }
        let db = fixture.database
        let refused = try fixture.retention(["request", "add", "--policy", fixture.policy, "--subject", "code=abc001XYZ"])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(try fixture.extract("email=erik@example.com.au")["tickets"]?.isEmpty == true)
        let (id, _) = try fixture.add("email=erik@example.com.au")
        #expect(try fixture.run(["--request", id]).status == 0)
        #expect(try db.count("SELECT count(*) FROM tickets WHERE id = 1") == 1, "Erik One's ticket stays")
    }

    @Test("two people whose e-mails differ only in case are told apart in a citext target: the other's row is ambiguous, neither extracted nor erased")
    func citextTargetOfTextSubjects() throws {
        let fixture = try RightPersonFixture.make("rhcase", extraSQL: "UPDATE users SET email = 'P5@EXAMPLE.com' WHERE id = 59;")
        defer { fixture.drop() }
        let db = fixture.database
        let theirs = try db.checksum("(SELECT t::text AS r FROM ci_contacts t WHERE id = 5)")
        let extract = try fixture.extract("email=p5@example.com")
        #expect(extract["crm-contacts"]?.isEmpty == true)
        let (id, _) = try fixture.add("email=p5@example.com")
        #expect(try fixture.run().status == 0)
        #expect(try db.checksum("(SELECT t::text AS r FROM ci_contacts t WHERE id = 5)") == theirs)
        #expect(try fixture.reported(id).targets["crm-contacts"]?.int("ambiguous") == 1)
        #expect(try db.count("SELECT count(*) FROM comments WHERE user_id = 5") == 0)
    }

    @Test("a value that names two subject rows is said at add; an extract that finds nobody says so")
    func warnings() throws {
        let fixture = try RightPersonFixture.make("rhwarn")
        defer { fixture.drop() }
        let (_, shared) = try fixture.add("phone=+46700000000")
        #expect(shared.stderr.contains("names 2 subject rows"), "\(shared.stderr)")
        let nobody = try fixture.retention(["extract", "--policy", fixture.policy, "--subject", "email=nobody@example.com"])
        #expect(nobody.status == 0 && nobody.stderr.contains("finds nobody"), "\(nobody.stderr)")
    }

    @Test("an identifier added to the policy after the request was first worked on is found from the person's row")
    func identifierAddedLater() throws {
        let withoutPhone = RightPersonSchema.targets
            .replacingOccurrences(of: #"{"name": "call-log", "category": "Support", "table": "phone_log", "match": {"phone": "phone"}, "action": "delete"},"#, with: "")
            .replacingOccurrences(of: #", "phone": "redact""#, with: "")
        let fixture = try RightPersonFixture.make("rhadded", extraSQL: Self.blockUser12,
                                                  policy: RightPersonSchema.policy(targets: withoutPhone, identifiers: #"["email"]"#))
        defer { fixture.drop() }
        let db = fixture.database
        let (id, _) = try fixture.add("email=p12@example.com")
        #expect(try fixture.run().status == 0)
        let calls = try db.count("SELECT count(*) FROM phone_log WHERE phone = '+46700012'")
        #expect(calls > 0)
        try db.connect().execute("DELETE FROM pinned")
        let full = try fixture.engine.writePolicy(RightPersonSchema.policy(), name: "full.json")
        #expect(try fixture.run(policy: full).status == 0)
        #expect(try db.count("SELECT count(*) FROM phone_log WHERE phone = '+46700012'") == 0)
        #expect(try fixture.reported(id).targets["call-log"]?.int("affected") == calls)
        #expect(try fixture.status(id) == "done")
    }

    @Test("a domain whose CHECK raises with the value: the value names nobody (exit 2), and the server log never holds it")
    func raisingDomain() throws {
        let fixture = try RightPersonFixture.make("rhdomain", extraSQL: """
            CREATE FUNCTION check_phone(text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
            BEGIN IF $1 <> '' AND $1 !~ '^[+]' THEN RAISE EXCEPTION 'invalid phone: %', $1; END IF; RETURN true; END $$;
            CREATE DOMAIN phone_t AS text CHECK (check_phone(VALUE));
            ALTER TABLE users ALTER COLUMN phone TYPE phone_t;
            """)
        defer { fixture.drop() }
        let logPath = ProcessInfo.processInfo.environment["PGTHROWAWAY_LOG"]
        let logStart = logPath.flatMap { (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? NSNumber)?.intValue } ?? 0
        let secret = "SECRET4711"
        let added = try fixture.retention(["request", "add", "--policy", fixture.policy, "--subject", "phone=\(secret)"])
        #expect(added.status == 2, "\(added.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM retention.erasure_requests") == 0)
        if let logPath, let log = FileManager.default.contents(atPath: logPath) {
            #expect(!String(decoding: log.dropFirst(logStart), as: UTF8.self).contains(secret), "the server log holds the value")
        }
    }

    @Test("a 1 MB identifier and a no-break space: the request is done; the space is nobody's value")
    func wideAndBlankValues() throws {
        let fixture = try RightPersonFixture.make("rhwide", extraSQL: """
            DROP INDEX users_phone_idx; -- a btree cannot hold a 1 MB entry; the engine's own tables must
            UPDATE users SET phone = repeat('9', 1000000) WHERE id = 50;
            UPDATE users SET phone = U&'\\00A0' WHERE id = 7;
            INSERT INTO phone_log SELECT 2000 + g, U&'\\00A0', 'no-break space ' || g FROM generate_series(1, 5) g;
            """)
        defer { fixture.drop() }
        let db = fixture.database
        let spaces = try db.checksum("(SELECT t::text AS r FROM phone_log t WHERE phone = U&'\\00A0')")
        let (wide, _) = try fixture.add("email=p50@example.com")
        let (blank, _) = try fixture.add("email=p7@example.com")
        #expect(try fixture.run().status == 0)
        #expect(try fixture.status(wide) == "done")
        #expect(try fixture.status(blank) == "done")
        #expect(try db.checksum("(SELECT t::text AS r FROM phone_log t WHERE phone = U&'\\00A0')") == spaces)
        #expect(try db.count("SELECT count(*) FROM comments WHERE user_id IN (7, 50)") == 0)
    }

    @Test("validate refuses a subjects key that is neither the primary key nor unique and NOT NULL")
    func keyMustTellPeopleApart() throws {
        let fixture = try RightPersonFixture.make("rhkey")
        defer { fixture.drop() }
        let targets = #"{"name": "user-comments", "category": "Content data", "table": "comments", "match": {"user_id": "id"}, "action": "delete"}"#
        let policy = try fixture.engine.writePolicy(RightPersonSchema.policy(targets: targets, identifiers: #"["id"]"#, key: "phone"), name: "bykey.json")
        let result = try fixture.retention(["validate", "--policy", policy])
        #expect(result.status == 2)
        #expect(result.stderr.contains("key \"subjects.key\"") && result.stderr.contains("does not tell one person from another"), "\(result.stderr)")
    }

    @Test("after a rule hashed a removed user's e-mail, a request by that e-mail still finds the account (by the HMAC) and erases the person's rows")
    func foundByHashedIdentifier() throws {
        let fixture = try RightPersonFixture.make("rhhashed", policy: RightPersonSchema.policy(rules: RightPersonSchema.hashRemovedEmails))
        defer { fixture.drop() }
        let db = fixture.database
        #expect(try fixture.run(["--no-requests"]).status == 0)
        #expect(try db.count("SELECT count(*) FROM users WHERE id = 20 AND email <> 'p20@example.com' AND name IS NOT NULL") == 1)
        let comments = try db.count("SELECT count(*) FROM comments WHERE user_id = 20")
        let others = try db.checksum("(SELECT t::text AS r FROM comments t WHERE user_id IS DISTINCT FROM 20)")
        let (id, _) = try fixture.add("email=p20@example.com")
        #expect(try fixture.run().status == 0)
        #expect(try db.count("SELECT count(*) FROM comments WHERE user_id = 20") == 0)
        #expect(try fixture.reported(id).targets["user-comments"]?.int("affected") == comments)
        #expect(try db.count("SELECT count(*) FROM users WHERE id = 20 AND name IS NULL AND phone = '[redacted]'") == 1)
        #expect(try db.checksum("(SELECT t::text AS r FROM comments t WHERE user_id IS DISTINCT FROM 20)") == others)
    }

    @Test("a request received in the future is refused; a deadline cannot be extended past three months after receipt")
    func datesWithinTheLaw() throws {
        let fixture = try RightPersonFixture.make("rhdates", policy: RightPersonSchema.policy(deadline: "2 months"))
        defer { fixture.drop() }
        let future = try fixture.retention(["request", "add", "--policy", fixture.policy, "--subject", "email=p1@example.com", "--received-at", "2999-01-01T00:00:00Z"])
        #expect(future.status == 2 && future.stderr.contains("in the future"), "\(future.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM retention.erasure_requests") == 0)
        let (id, _) = try fixture.add("email=p1@example.com")
        let extended = try fixture.retention(["request", "extend", id, "--reason", "complex"])
        #expect(extended.status == 2 && extended.stderr.contains("more than three months after receipt"), "\(extended.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM retention.erasure_requests WHERE NOT extended") == 1)
    }
}
