import Foundation
import Postgres
@testable import RetentionCore
import Testing
import TestSupport

/// The subjects schema on Citus: users (the subject table) distributed by their key or a
/// reference table; tenants in a reference table; check-ins (tied to a tenant), payment methods and the invoices kept under Bokföringslagen
/// distributed by the person's key (co-located when users are); messages distributed by their
/// own id and matched by the sender's e-mail; marketing contacts a reference table; audit rows a
/// Citus local table, pseudonymised. Users 41 and 42 share an e-mail, as do two messages and a
/// contact.
private func citusSubjectSchema(users: String) -> String {
    """
    SET citus.shard_count = 8;
    SET TimeZone = 'UTC';
    CREATE EXTENSION IF NOT EXISTS pgcrypto;
    CREATE TABLE orgs (id int PRIMARY KEY, terminated_at timestamptz);
    SELECT create_reference_table('orgs');
    INSERT INTO orgs SELECT g, NULL FROM generate_series(1, 5) g;
    CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text, pseudonymised_at timestamptz);
    \(users);
    CREATE INDEX ON users (email);
    CREATE TABLE checkins (user_id bigint NOT NULL, id bigint NOT NULL, org_id int NOT NULL, note text, PRIMARY KEY (user_id, id));
    SELECT create_distributed_table('checkins', 'user_id');
    CREATE TABLE payment_methods (user_id bigint NOT NULL, id bigint NOT NULL, card_last4 text, PRIMARY KEY (user_id, id));
    SELECT create_distributed_table('payment_methods', 'user_id', colocate_with => 'checkins');
    CREATE TABLE invoices (owner_user_id bigint NOT NULL, id bigint NOT NULL, payment_method_id bigint, issued_at timestamptz NOT NULL,
                           amount numeric NOT NULL, PRIMARY KEY (owner_user_id, id),
                           FOREIGN KEY (owner_user_id, payment_method_id) REFERENCES payment_methods (user_id, id));
    SELECT create_distributed_table('invoices', 'owner_user_id', colocate_with => 'checkins');
    CREATE TABLE messages (id bigint PRIMARY KEY, sender_email text, body text);
    SELECT create_distributed_table('messages', 'id');
    CREATE INDEX ON messages (sender_email);
    CREATE TABLE marketing_contacts (id bigint PRIMARY KEY, email text NOT NULL, name text);
    SELECT create_reference_table('marketing_contacts');
    CREATE INDEX ON marketing_contacts (email);
    INSERT INTO users SELECT g, 'user' || g || '@example.com', 'User ' || g, NULL FROM generate_series(1, 50) g;
    UPDATE users SET email = 'shared@example.com' WHERE id IN (41, 42);
    INSERT INTO checkins SELECT 1 + g % 50, g, 1 + (g / 50) % 5, 'checkin ' || g FROM generate_series(1, 500) g;
    INSERT INTO payment_methods SELECT 1 + g % 50, g, lpad(g::text, 4, '0') FROM generate_series(1, 100) g;
    INSERT INTO invoices SELECT 1 + g % 50, g, CASE WHEN g % 4 = 0 THEN g % 50 + 50 END, timestamptz '2024-01-01' + g * interval '1 day', g * 10
        FROM generate_series(1, 150) g WHERE (1 + g % 50) % 3 = 0;
    INSERT INTO messages SELECT g, 'user' || (1 + g % 50) || '@example.com', 'message ' || g FROM generate_series(1, 400) g;
    UPDATE messages SET sender_email = 'shared@example.com' WHERE id IN (40, 41);
    INSERT INTO marketing_contacts SELECT g, 'user' || g || '@example.com', 'User ' || g FROM generate_series(1, 30) g;
    INSERT INTO marketing_contacts VALUES (100, 'outsider@example.com', 'Outsider'), (102, 'shared@example.com', 'Shared');
    CREATE TABLE audit_rows (id bigint PRIMARY KEY, actor_id bigint, actor_email text, pseudonymised_at timestamptz);
    SELECT citus_add_local_table_to_metadata('audit_rows');
    CREATE INDEX ON audit_rows (actor_id);
    INSERT INTO audit_rows SELECT g, 1 + g % 50, 'user' || (1 + g % 50) || '@example.com', NULL FROM generate_series(1, 300) g;
    """
}

private let citusSubjectPolicy = """
    {"policy": "subjects", "tenants": {"table": "orgs", "key": "id", "terminatedAt": "terminated_at"},
     "rules": [{"name": "billing", "category": "Billing data", "table": "invoices", "due": {"after": "7 years", "from": "issued_at"}, "action": "delete"}],
     "subjects": {"table": "users", "key": "id", "identifiers": ["email"], "deadline": "1 month", "targets": [
      {"name": "user-checkins", "category": "Content data", "table": "checkins", "tenantColumn": "org_id", "match": {"user_id": "id"}, "action": "delete"},
      {"name": "user-messages", "category": "Content data", "table": "messages", "match": {"sender_email": "email"}, "action": "delete"},
      {"name": "payment-methods", "category": "Billing data", "table": "payment_methods", "match": {"user_id": "id"}, "action": "delete"},
      {"name": "user-invoices", "category": "Billing data", "table": "invoices", "match": {"owner_user_id": "id"}, "action": "keep",
       "keptUntilRule": "billing", "basis": "Bokföringslagen"},
      {"name": "newsletter", "category": "Marketing", "table": "marketing_contacts", "match": {"email": "email"}, "action": "delete"},
      {"name": "user-audit", "category": "Usage and log data", "table": "audit_rows", "match": {"actor_id": "id"}, "action": "pseudonymise",
       "pseudonymise": {"columns": {"actor_email": "hmac"}, "marker": "pseudonymised_at"}},
      {"name": "user-account", "category": "Account and profile data", "table": "users", "match": {"id": "id"}, "action": "pseudonymise",
       "pseudonymise": {"columns": {"email": "hmac", "name": "null"}, "marker": "pseudonymised_at"}}]}}
    """

/// The tables a request changes, with the columns that identify a row, the columns compared
/// (a pseudonymised row's marker by whether it is set) and, for a distributed one, its
/// distribution column.
private let changedTables: [(table: String, key: String, columns: String, distribution: String?)] = [
    ("checkins", "user_id, id", "*", "user_id"), ("messages", "id", "*", "id"), ("payment_methods", "user_id, id", "*", "user_id"),
    ("invoices", "owner_user_id, id", "*", "owner_user_id"), ("marketing_contacts", "id", "*", nil),
    ("audit_rows", "id", "id, actor_id, actor_email, pseudonymised_at IS NOT NULL AS marked", nil),
    ("users", "id", "id, email, name, pseudonymised_at IS NOT NULL AS marked", "id"),
]

@Suite("Citus: erasure requests on distributed and reference tables", .serialized,
       .enabled(if: CitusCluster.unavailableReason == nil, "\(CitusCluster.unavailableReason ?? "")"))
struct CitusSubjectTests {
    /// The schema with users distributed by their key, or a reference table.
    static let subjectTables = ["SELECT create_distributed_table('users', 'id')", "SELECT create_reference_table('users')"]

    /// `hashed`: whether the account target hashes the e-mail (else redacts it: Citus refuses a
    /// hash on a reference table).
    static func fixture(_ label: String, users: String = subjectTables[0], hashed: Bool = true) throws -> SubjectFixture {
        let engine = try CitusCluster.shared.get().fixture(label, sql: citusSubjectSchema(users: users))
        let path = try engine.writePolicy(hashed ? citusSubjectPolicy : citusSubjectPolicy.replacingOccurrences(of: "\"email\": \"hmac\"", with: "\"email\": \"redact\""))
        let key = (0..<32).map { UInt8(($0 * 37 + 11) % 256) }
        let keyFile = engine.directory + "/pseudonym.key"
        try Data(key).write(to: URL(fileURLWithPath: keyFile))
        return SubjectFixture(engine: engine, policy: path, keyFile: keyFile, keyHex: key.map { String(format: "%02x", $0) }.joined())
    }

    /// A checksum of every table a request may change, the engine's request tables included.
    static func checksums(_ database: TestDatabase) throws -> [String] {
        try (changedTables.map { ($0.table, $0.key) } + ["retention.erasure_requests", "retention.erasure_request_values", "retention.request_batch_results",
                                                        "retention.request_target_results", "retention.erasure_followups"].map { ($0, "1") })
            .map { try database.checksum($0.0, orderBy: $0.1) }
    }

    /// Copies every changed table to a local `expected_` table, where plain SQL then makes what
    /// a run must leave.
    static func snapshot(_ database: TestDatabase) throws {
        for entry in changedTables {
            try database.connect().execute("CREATE TABLE expected_\(entry.table) AS SELECT * FROM \(entry.table)")
        }
    }

    /// Every changed table equals its `expected_` table, row for row; a distributed one on each
    /// shard, as the shards themselves count their rows.
    static func expectExact(_ database: TestDatabase, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for entry in changedTables {
            #expect(try database.checksum("(SELECT \(entry.columns) FROM \(entry.table))", orderBy: entry.key)
                    == database.checksum("(SELECT \(entry.columns) FROM expected_\(entry.table))", orderBy: entry.key),
                    "\(entry.table)", sourceLocation: sourceLocation)
            guard let column = entry.distribution, try database.count("SELECT count(*) FROM pg_dist_partition WHERE logicalrelid = '\(entry.table)'::regclass AND partmethod = 'h'") == 1 else { continue }
            let shards = try database.connect().execute("SELECT shardid::text, result FROM run_command_on_shards('\(entry.table)', 'SELECT count(*) FROM %s')").rows
            let actual = Dictionary(uniqueKeysWithValues: try shards.map { (try $0.text(0), Int64(try $0.text(1)) ?? -1) })
            let expected = Dictionary(uniqueKeysWithValues: try database.connect().execute("""
                SELECT s.shardid::text, count(x.k) FROM pg_dist_shard s
                LEFT JOIN (SELECT get_shard_id_for_distribution_column('\(entry.table)', \(column)) AS shardid, \(column) AS k FROM expected_\(entry.table)) x
                  ON x.shardid = s.shardid
                WHERE s.logicalrelid = '\(entry.table)'::regclass GROUP BY 1
                """).rows.map { (try $0.text(0), try $0.int64(1)) })
            #expect(actual == expected, "\(entry.table) per shard", sourceLocation: sourceLocation)
        }
    }

    /// Makes the `expected_` tables what erasing the people with keys `ids` and (not ambiguous)
    /// e-mails `emails` leaves: their rows gone from the delete targets (payment methods that
    /// invoices reference kept), their user rows pseudonymised, invoices kept.
    /// `hashed`: whether the account's e-mail is hashed (else redacted).
    static func expectErased(_ fixture: SubjectFixture, ids: String, emails: String, hashed: Bool = true) throws {
        let email = hashed ? "encode(hmac(convert_to(email, 'UTF8'), '\\x\(fixture.keyHex)'::bytea, 'sha256'), 'hex')" : "'[redacted]'"
        try CitusCluster.run("""
            DELETE FROM expected_checkins WHERE user_id IN (\(ids));
            DELETE FROM expected_messages WHERE sender_email IN (\(emails));
            DELETE FROM expected_payment_methods p WHERE user_id IN (\(ids))
              AND NOT EXISTS (SELECT 1 FROM expected_invoices i WHERE i.owner_user_id = p.user_id AND i.payment_method_id = p.id);
            DELETE FROM expected_marketing_contacts WHERE email IN (\(emails));
            UPDATE expected_users SET email = \(email), name = NULL, pseudonymised_at = now() WHERE id IN (\(ids));
            UPDATE expected_audit_rows SET actor_email = encode(hmac(convert_to(actor_email, 'UTF8'), '\\x\(fixture.keyHex)'::bytea, 'sha256'), 'hex'),
              pseudonymised_at = now() WHERE actor_id IN (\(ids));
            """, in: fixture.database)
    }

    @Test("by e-mail, by key and by a key whose e-mail another person shares: each person's rows erased, pseudonymised (also in a Citus local table) or kept exactly as plain SQL computed before the run, on every shard; the shared e-mail's rows left alone; the dry run counts what the run does, the receipt says it",
          arguments: subjectTables)
    func eraseExactly(users: String) throws {
        let hashed = users.contains("distributed")
        let fixture = try CitusSubjectTests.fixture("citus_subj_erase", users: users, hashed: hashed)
        defer { fixture.drop() }
        let db = fixture.database
        try CitusSubjectTests.snapshot(db)
        // User 41's e-mail is user 42's too: ambiguous, so rows found only by it are nobody's.
        try CitusSubjectTests.expectErased(fixture, ids: "9, 12, 41", emails: "'user9@example.com', 'user12@example.com'", hashed: hashed)
        let erased = try Dictionary(uniqueKeysWithValues: changedTables.map { entry in
            (entry.table, try db.count("SELECT (SELECT count(*) FROM \(entry.table)) - (SELECT count(*) FROM expected_\(entry.table))"))
        })
        #expect(erased["checkins"] == 30 && erased["messages"] == 16 && erased["marketing_contacts"] == 2, "\(erased)")
        let keptMethods = try db.count("SELECT count(*) FROM expected_payment_methods WHERE user_id IN (9, 12, 41)")
        #expect(keptMethods > 0)
        let byEmail = try fixture.add("email=user9@example.com")
        let byKey = try fixture.add("id=12")
        let ambiguous = try fixture.add("id=41")

        let validate = try fixture.retention(["validate", "--policy", fixture.policy])
        #expect(validate.status == 0, "\(validate.stderr)")
        let before = try CitusSubjectTests.checksums(fixture.database)
        let dry = try fixture.retention(["run", "--policy", fixture.policy, "--dry-run"])
        #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
        let plan = try fixture.retention(["request", "plan", ambiguous, "--policy", fixture.policy])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("user-messages [Content data]: erase 0, ambiguous 2"), "\(plan.stdout)")
        #expect(try CitusSubjectTests.checksums(fixture.database) == before)
        let counted = try fixture.reportedRequests()

        let run = try fixture.run()
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        try CitusSubjectTests.expectExact(db)
        let reported = try fixture.reportedRequests()
        for id in [byEmail, byKey, ambiguous] {
            let request = reported[Int64(id) ?? -1]
            // Rows found only through a shared value keep the request open for review, as on one server.
            #expect(request?.status == (id == ambiguous ? "open" : "done"), "\(id): \(String(describing: request))")
            for (name, target) in request?.targets ?? [:] where name != "user-invoices" {
                #expect(target.int("affected") == counted[Int64(id) ?? -1]?.targets[name]?.int("pending"), "request \(id), \(name)")
            }
        }
        let affected = reported.values.flatMap(\.targets).reduce(into: [String: Int64]()) { $0[$1.key, default: 0] += $1.value.int("affected") }
        #expect(affected["user-checkins"] == erased["checkins"] && affected["user-messages"] == erased["messages"]
                && affected["payment-methods"] == erased["payment_methods"] && affected["newsletter"] == erased["marketing_contacts"]
                && affected["user-account"] == 3 && affected["user-audit"] == 18, "\(affected)")
        #expect(reported[Int64(ambiguous) ?? -1]?.targets["user-messages"]?.int("ambiguous") == 2)
        #expect(try db.count("SELECT count(*) FROM retention.erasure_requests WHERE request_id = $1::bigint AND open_reason LIKE '%2 rows of user-messages found only through a value another person also holds%'", [ambiguous]) == 1)

        let receipt = try fixture.retention(["request", "receipt", byEmail])
        #expect(receipt.status == 0, "\(receipt.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(receipt.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(json["status"] as? String == "done")
        let categories = Dictionary(uniqueKeysWithValues: (json["categories"] as? [[String: Any]] ?? []).map { ($0["category"] as? String ?? "", $0["targets"] as? [[String: Any]] ?? []) })
        let content = categories["Content data"]?.reduce(Int64(0)) { $0 + $1.int("erased") }
        #expect(content == Int64(10 + 8), "\(json)")
        #expect(try categories["Billing data"]?.first { $0["target"] as? String == "user-invoices" }?.int("kept") == db.count("SELECT count(*) FROM invoices WHERE owner_user_id = 9"))
        #expect(categories["Account and profile data"]?.first?.int("pseudonymised") == 1)
        #expect(try fixture.engineRowsContaining("user9@example.com") == 0)
    }

    @Test("extract: the person's rows of every target, none of another person's (rows found only by a shared e-mail withheld), as on one server")
    func extractHasNoOtherPerson() throws {
        let fixture = try CitusSubjectTests.fixture("citus_subj_extract")
        defer { fixture.drop() }
        let result = try fixture.retention(["extract", "--policy", fixture.policy, "--subject", "id=41"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        let sections = Dictionary(uniqueKeysWithValues: (json["targets"] as? [[String: Any]] ?? []).map { ($0["name"] as? String ?? "", $0) })
        func rows(_ name: String) -> [[String: Any]] { sections[name]?["rows"] as? [[String: Any]] ?? [] }
        #expect(rows("user-checkins").count == 10 && rows("user-checkins").allSatisfy { $0.int("user_id") == 41 })
        #expect(rows("payment-methods").count == 2 && rows("payment-methods").allSatisfy { $0.int("user_id") == 41 })
        #expect(rows("user-account").map { $0.int("id") } == [41])
        // The shared e-mail finds user 42's messages and contact too: withheld, never shown.
        #expect(rows("user-messages").isEmpty && sections["user-messages"]?.int("withheld") == 2)
        #expect(rows("newsletter").isEmpty && sections["newsletter"]?.int("withheld") == 1)
        #expect(!result.stdout.contains("User 42") && !result.stdout.contains("\"user_id\": 42"))
    }

    @Test("a payment method kept because a kept invoice references it: the request is done, and once the invoices are gone a later run erases exactly that row (the follow-up)")
    func followUp() throws {
        let fixture = try CitusSubjectTests.fixture("citus_subj_follow")
        defer { fixture.drop() }
        let db = fixture.database
        let id = try fixture.add("id=9")
        let kept = try db.count("SELECT count(*) FROM payment_methods p WHERE user_id = 9 AND EXISTS (SELECT 1 FROM invoices i WHERE i.owner_user_id = 9 AND i.payment_method_id = p.id)")
        let methods = try db.count("SELECT count(*) FROM payment_methods WHERE user_id = 9")
        #expect(kept > 0 && methods > kept)
        #expect(try fixture.run().status == 0)
        #expect(try fixture.reportedRequests()[Int64(id) ?? -1]?.status == "done")
        #expect(try db.count("SELECT count(*) FROM payment_methods WHERE user_id = 9") == kept)
        #expect(try db.count("SELECT count(*) FROM retention.erasure_followups WHERE target = 'payment-methods'") == kept)
        // The invoices go (as the billing rule will delete them); the next run erases the rows they kept.
        try db.connect().execute("DELETE FROM invoices WHERE owner_user_id = 9")
        try CitusSubjectTests.snapshot(db)
        try db.connect().execute("DELETE FROM expected_payment_methods WHERE user_id = 9")
        let run = try fixture.run()
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        try CitusSubjectTests.expectExact(db)
        #expect(try db.count("SELECT count(*) FROM retention.erasure_followups") == 0)
        #expect(try db.count("SELECT coalesce(sum(affected), 0)::bigint FROM retention.request_batch_results WHERE request_id = $1::bigint AND target = 'payment-methods'", [id])
                == methods)
    }

    @Test("replay: the person's rows put back (as a restore would) are erased again from the ledger's HMACs alone, exactly as the run erased them, on every shard")
    func replay() throws {
        let fixture = try CitusSubjectTests.fixture("citus_subj_replay")
        defer { fixture.drop() }
        let db = fixture.database
        let since = try db.connect().execute("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')").requiredScalar()
        try CitusCluster.run("""
            CREATE TABLE restored_checkins AS SELECT * FROM checkins WHERE user_id = 9;
            CREATE TABLE restored_messages AS SELECT * FROM messages WHERE sender_email = 'user9@example.com';
            CREATE TABLE restored_payment_methods AS SELECT * FROM payment_methods WHERE user_id = 9;
            CREATE TABLE restored_marketing_contacts AS SELECT * FROM marketing_contacts WHERE email = 'user9@example.com';
            CREATE TABLE restored_users AS SELECT * FROM users WHERE id = 9;
            CREATE TABLE restored_audit_rows AS SELECT * FROM audit_rows WHERE actor_id = 9;
            """, in: db)
        try CitusSubjectTests.snapshot(db)
        try CitusSubjectTests.expectErased(fixture, ids: "9", emails: "'user9@example.com'")
        _ = try fixture.add("email=user9@example.com")
        #expect(try fixture.run().status == 0)
        try CitusSubjectTests.expectExact(db)
        // The restore: the person's rows as they were before the run.
        try CitusCluster.run("""
            INSERT INTO checkins SELECT * FROM restored_checkins;
            INSERT INTO messages SELECT * FROM restored_messages;
            INSERT INTO payment_methods SELECT * FROM restored_payment_methods ON CONFLICT DO NOTHING;
            INSERT INTO marketing_contacts SELECT * FROM restored_marketing_contacts;
            UPDATE users u SET email = r.email, name = r.name, pseudonymised_at = NULL FROM restored_users r WHERE u.id = r.id;
            UPDATE audit_rows a SET actor_email = r.actor_email, pseudonymised_at = NULL FROM restored_audit_rows r WHERE a.id = r.id;
            """, in: db)
        #expect(try db.count("SELECT count(*) FROM checkins WHERE user_id = 9") == 10)
        let replay = try fixture.retention(["replay", "--policy", fixture.policy, "--since", since, "--pseudonym-key-file", fixture.keyFile,
                                            "--state-dir", fixture.engine.stateDirectory])
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.contains("erasure requests: 1"), "\(replay.stdout)")
        try CitusSubjectTests.expectExact(db)
    }

    @Test("a legal hold on a tenant keeps the person's rows of that tenant (read before each batch and passed as an array): the request stays open; after the release the next run erases them, exactly")
    func heldTenant() throws {
        let fixture = try CitusSubjectTests.fixture("citus_subj_hold")
        defer { fixture.drop() }
        let db = fixture.database
        #expect(try fixture.retention(["hold", "add", "--tenant", "2", "--reason", "audit", "--policy", fixture.policy]).status == 0)
        let held = try db.count("SELECT count(*) FROM checkins WHERE user_id = 9 AND org_id = 2")
        #expect(try held > 0 && held < db.count("SELECT count(*) FROM checkins WHERE user_id = 9"))
        try CitusSubjectTests.snapshot(db)
        try db.connect().execute("DELETE FROM expected_checkins WHERE user_id = 9 AND org_id <> 2")
        try CitusSubjectTests.expectErased(fixture, ids: "9", emails: "'user9@example.com'")
        try CitusCluster.run("INSERT INTO expected_checkins SELECT * FROM checkins WHERE user_id = 9 AND org_id = 2;", in: fixture.database)
        let id = try fixture.add("id=9")
        #expect(try fixture.run().status == 0)
        try CitusSubjectTests.expectExact(db)
        let first = try fixture.reportedRequests()[Int64(id) ?? -1]
        #expect(first?.status == "open" && first?.targets["user-checkins"]?.int("heldBack") == held, "\(String(describing: first))")

        let hold = try db.connect().execute("SELECT hold_id::text FROM retention.legal_holds").requiredScalar()
        #expect(try fixture.retention(["hold", "release", hold]).status == 0)
        try db.connect().execute("DELETE FROM expected_checkins WHERE user_id = 9")
        let second = try fixture.run()
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        try CitusSubjectTests.expectExact(db)
        #expect(try fixture.reportedRequests()[Int64(id) ?? -1]?.status == "done")
    }

    @Test("a batch re-checks the person's values on the row: a row whose match column changed after its pairs were read is not erased; an ambiguous value erases nothing")
    func batchRechecksValues() throws {
        let fixture = try CitusSubjectTests.fixture("citus_subj_recheck")
        defer { fixture.drop() }
        let connection = try fixture.database.connect()
        let policy = try PolicyParser.parse(citusSubjectPolicy)
        let schema = try Schema.load(for: policy, connection: connection)
        let targets = try SubjectTargets(policy: policy, schema: schema, personHolds: .everyRowWhileAnyHold(citusHeld: false))
        #expect(targets.readsValuesFirst)
        let plan = try #require(targets.plans.first { $0.target.name == "user-messages" })
        let values = PersonValues(values: [PersonValues.Value(requestID: 1, subjectColumn: "email", value: "user9@example.com", ambiguous: false),
                                           PersonValues.Value(requestID: 2, subjectColumn: "email", value: "user10@example.com", ambiguous: true)])
        var builder = SQLBuilder()
        let pairs = try connection.execute(SubjectStatements.pairs(plan, in: plan.table.identifier, values: .listed(values), limit: 1000, held: [],
                                                                   &builder), builder.parameters).rows
        #expect(pairs.count == 8 && pairs.allSatisfy { $0[0] == "1" }, "the ambiguous value finds no pair")
        // Message 8 passes to user 11 after the pairs were read; message 9 (user 10's) is named by request 2, whose value is ambiguous.
        try connection.execute("UPDATE messages SET sender_email = 'user11@example.com' WHERE id = 8")
        let picked = try pairs.map { SubjectStatements.PickedRow(requestID: 1, keys: [try $0.text(1)], texts: []) }
            + [SubjectStatements.PickedRow(requestID: 2, keys: ["9"], texts: [])]
        let batch = SubjectStatements.batch(plan, in: plan.table.identifier, values: .listed(values), picked: picked, held: [])
        let changed = try connection.execute(batch.sql, batch.parameters).rows
        #expect(changed.count == 7 && changed.allSatisfy { $0[0] == "1" })
        #expect(try fixture.database.count("SELECT count(*) FROM messages WHERE id IN (8, 9)") == 2)
        #expect(try fixture.database.count("SELECT count(*) FROM messages WHERE sender_email = 'user9@example.com'") == 0)
    }

    @Test("EXPLAIN: a batch's pairs and its change on a table distributed by the person's key, on one distributed by another column and on a reference table are each one plan run on the workers, nothing pulled to the coordinator")
    func batchIsPushedDown() throws {
        let fixture = try CitusSubjectTests.fixture("citus_subj_explain")
        defer { fixture.drop() }
        let connection = try fixture.database.connect()
        let policy = try PolicyParser.parse(citusSubjectPolicy)
        let schema = try Schema.load(for: policy, connection: connection)
        let targets = try SubjectTargets(policy: policy, schema: schema, personHolds: .everyRowWhileAnyHold(citusHeld: false))
        let values = PersonValues(values: [PersonValues.Value(requestID: 1, subjectColumn: "id", value: "9", ambiguous: false),
                                           PersonValues.Value(requestID: 1, subjectColumn: "email", value: "user9@example.com", ambiguous: false)])
        for (name, keys) in [("user-checkins", ["9", "8"]), ("user-messages", ["8"]), ("payment-methods", ["9", "8"]), ("newsletter", ["9"])] {
            let plan = try #require(targets.plans.first { $0.target.name == name })
            var builder = SQLBuilder()
            let pairs = SubjectStatements.pairs(plan, in: plan.table.identifier, values: .listed(values), limit: 100, held: [], texts: true, &builder)
            let change = SubjectStatements.batch(plan, in: plan.table.identifier, values: .listed(values),
                                                 picked: [SubjectStatements.PickedRow(requestID: 1, keys: keys, texts: [])], held: [])
            for (sql, parameters) in [(pairs, builder.parameters), (change.sql, change.parameters)] {
                let text = try connection.execute("EXPLAIN " + sql, parameters).rows.map { try $0.text(0) }.joined(separator: "\n")
                #expect(text.contains("Custom Scan (Citus Adaptive)") && text.contains("Task Count: "), "\(name): \(text)")
                #expect(!text.contains("Distributed Subplan") && !text.contains("intermediate_result"), "\(name): \(text)")
                #expect(!text.contains("Task Count: 0\n"), "\(name): \(text)")
            }
            let changeText = try connection.execute("EXPLAIN " + change.sql, change.parameters).rows.map { try $0.text(0) }.joined(separator: "\n")
            #expect(changeText.contains("->  Delete on "), "the change runs on the shards: \(changeText)")
            if name == "payment-methods" {
                #expect(changeText.contains("invoices_"), "the foreign key is checked on the shard: \(changeText)")
            }
        }
    }

    @Test("what requests cannot do on Citus is refused in validate (exit 2, one line each, naming the target and key): a match column of another type, a marker two targets share, a hash on a reference table, a reference table a distributed one references")
    func refusals() throws {
        let fixture = try CitusSubjectTests.fixture("citus_subj_refuse", users: CitusSubjectTests.subjectTables[1])
        defer { fixture.drop() }
        try CitusCluster.run("""
            CREATE TABLE visits (id bigint PRIMARY KEY, email varchar(100), org_id int);
            SELECT create_distributed_table('visits', 'id');
            CREATE INDEX ON visits (email);
            CREATE TABLE contact_events (id bigint PRIMARY KEY, contact_id bigint REFERENCES marketing_contacts);
            SELECT create_distributed_table('contact_events', 'id');
            """, in: fixture.database)
        let policy = try fixture.engine.writePolicy("""
            {"policy": "refused", "rules": [
              {"name": "billing", "table": "invoices", "due": {"after": "7 years", "from": "issued_at"}, "action": "delete"}],
             "subjects": {"table": "users", "key": "id", "identifiers": ["email"], "deadline": "1 month", "targets": [
              {"name": "visits", "category": "Usage", "table": "visits", "match": {"email": "email"}, "action": "delete"},
              {"name": "newsletter", "category": "Marketing", "table": "marketing_contacts", "match": {"email": "email"}, "action": "delete"},
              {"name": "account", "category": "Account", "table": "users", "match": {"id": "id"}, "action": "pseudonymise",
               "pseudonymise": {"columns": {"email": "hmac"}, "marker": "pseudonymised_at"}},
              {"name": "account-name", "category": "Account", "table": "users", "match": {"id": "id"}, "action": "pseudonymise",
               "pseudonymise": {"columns": {"name": "null"}, "marker": "pseudonymised_at"}}]}}
            """, name: "refused.json")
        let before = try CitusSubjectTests.checksums(fixture.database)
        let validate = try fixture.retention(["validate", "--policy", policy])
        #expect(validate.status == 2)
        let lines = validate.stderr.split(separator: "\n").filter { $0.contains("error") }
        #expect(lines.count == 5, "\(validate.stderr)")
        #expect(validate.stderr.contains("\"newsletter\", key \"table\": rows of public.marketing_contacts (Citus reference table) are referenced from public.contact_events through foreign key"), "\(validate.stderr)")
        #expect(validate.stderr.contains("\"visits\", key \"match.email\": column \"email\" of public.visits is character varying(100) but subject column \"email\" is text; on Citus"), "\(validate.stderr)")
        #expect(validate.stderr.contains("\"account\", key \"pseudonymise.marker\": on Citus the marker \"pseudonymised_at\" of public.users must be this target's alone"), "\(validate.stderr)")
        #expect(validate.stderr.contains("\"account-name\", key \"pseudonymise.marker\": on Citus"), "\(validate.stderr)")
        #expect(validate.stderr.contains("\"account\", key \"pseudonymise.columns\": column \"email\" of public.users (Citus reference table) cannot be hashed"), "\(validate.stderr)")
        let run = try fixture.retention(["run", "--policy", policy, "--pseudonym-key-file", fixture.keyFile])
        #expect(run.status == 2)
        #expect(try CitusSubjectTests.checksums(fixture.database) == before)
    }

    @Test("a hold on one person is refused (exit 2, nothing held): the engine cannot tell the person's rows on Citus tables")
    func holdOnPersonRefused() throws {
        let fixture = try CitusSubjectTests.fixture("citus_subj_hold")
        defer { fixture.drop() }
        let hold = try fixture.retention(["hold", "add", "--subject", "email=user1@example.com", "--reason", "Case 1", "--policy", fixture.policy,
                                          "--pseudonym-key-file", fixture.keyFile])
        #expect(hold.status == 2 && hold.stderr.contains("a Citus table, where the engine cannot tell one person's rows"), "\(hold.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM retention.legal_holds") == 0)
    }
}
