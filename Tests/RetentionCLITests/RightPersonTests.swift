import Foundation
import Postgres
import Testing
import TestSupport

/// Erasure requests and extracts reach the right person, or nobody: each case computed with plain
/// SQL first, then checked after the engine ran.
@Suite("Erasure requests: the right person, or nobody")
struct RightPersonTests {
    /// A checksum of the rows of `table` that `condition` selects.
    private func rows(_ db: TestDatabase, _ table: String, _ condition: String) throws -> String {
        try db.checksum("(SELECT t::text AS r FROM \(table) t WHERE \(condition))")
    }

    @Test("a value that the subject column's type would cut, round or refuse is refused at add and extract (exit 2, one line, nothing filed)")
    func truncatingSubjectColumn() throws {
        let targets = RightPersonSchema.targets.replacingOccurrences(of: "\"email\": \"hmac\", ", with: "")
        let fixture = try RightPersonFixture.make("rpcut", extraSQL: """
            DELETE FROM comments WHERE user_id = 62; DELETE FROM users WHERE id = 62;
            ALTER TABLE users ALTER COLUMN email TYPE varchar(16);
            """, policy: RightPersonSchema.policy(targets: targets))
        defer { fixture.drop() }
        let before = try fixture.database.checksum("retention.erasure_requests")
        for subject in ["email=erik@example.com.au", "id=1.5", "id=61.0", "email=   ", "email="] {
            let add = try fixture.retention(["request", "add", "--policy", fixture.policy, "--subject", subject])
            #expect(add.status == 2, "\(subject): \(add.stderr)")
            #expect(add.stdout.isEmpty && add.stderr.split(separator: "\n").count <= 2, "\(subject): \(add.stderr)")
            let extract = try fixture.retention(["extract", "--policy", fixture.policy, "--subject", subject])
            #expect(extract.status == 2 && extract.stdout.isEmpty, "\(subject): \(extract.stdout)")
            #expect(!extract.stderr.contains("erik@example.com.au"), "the value is not echoed")
        }
        #expect(try fixture.database.checksum("retention.erasure_requests") == before)
        // The exact value still works.
        let (id, _) = try fixture.add("email=erik@example.com")
        #expect(Int(id) != nil)
    }

    @Test("a target column narrower than the person's value never matches the other person the cut value names; extract and run leave Erik One alone")
    func truncatingTargetColumn() throws {
        let fixture = try RightPersonFixture.make("rpcutt")
        defer { fixture.drop() }
        let db = fixture.database
        let erikOne = try rows(db, "short_contacts", "email = 'erik@example.com'")
        let otherComments = try rows(db, "comments", "user_id IS DISTINCT FROM 62")
        let extract = try fixture.extract("email=erik@example.com.au")
        #expect(extract["newsletter"]?.isEmpty == true, "\(extract["newsletter"] ?? [])")
        #expect(extract["user-comments"]?.count == Int(try db.count("SELECT count(*) FROM comments WHERE user_id = 62")))
        let (id, _) = try fixture.add("email=erik@example.com.au")
        let run = try fixture.run()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try rows(db, "short_contacts", "email = 'erik@example.com'") == erikOne)
        #expect(try rows(db, "comments", "user_id IS DISTINCT FROM 62") == otherComments)
        #expect(try db.count("SELECT count(*) FROM comments WHERE user_id = 62") == 0)
        #expect(try fixture.status(id) == "done")
    }

    @Test("an empty phone is nobody's: the rows of everyone else whose phone is '' are neither extracted nor erased, and the request is done")
    func emptyPlaceholder() throws {
        let fixture = try RightPersonFixture.make("rpempty")
        defer { fixture.drop() }
        let db = fixture.database
        let emptyRows = try db.count("SELECT count(*) FROM phone_log WHERE phone = ''")
        #expect(emptyRows > 25)
        let others = try rows(db, "phone_log", "true")
        let extract = try fixture.extract("email=p3@example.com")
        #expect(extract["call-log"]?.isEmpty == true)
        #expect(extract["user-comments"]?.count == Int(try db.count("SELECT count(*) FROM comments WHERE user_id = 3")))
        let (id, _) = try fixture.add("email=p3@example.com")
        let run = try fixture.run()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try rows(db, "phone_log", "true") == others)
        #expect(try db.count("SELECT count(*) FROM comments WHERE user_id = 3") == 0)
        #expect(try fixture.status(id) == "done")
        #expect(try fixture.reported(id).targets["call-log"]?.int("ambiguous") == 0)
    }

    @Test("a phone two people share is ambiguous: its rows are counted, neither erased nor extracted, and the request stays open with the reason in plan, report and list")
    func sharedIdentifier() throws {
        let fixture = try RightPersonFixture.make("rpshared")
        defer { fixture.drop() }
        let db = fixture.database
        let shared = try db.count("SELECT count(*) FROM phone_log WHERE phone = '+46700000000'")
        #expect(shared > 0)
        let sharedRows = try rows(db, "phone_log", "phone = '+46700000000'")
        let elevenComments = try rows(db, "comments", "user_id = 11")
        let extract = try fixture.extract("email=p10@example.com")
        #expect(extract["call-log"]?.isEmpty == true)
        let (id, _) = try fixture.add("email=p10@example.com")
        let plan = try fixture.retention(["request", "plan", id, "--policy", fixture.policy, "--format", "json"])
        let planned = try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any]
        let callLog = (planned?["targets"] as? [[String: Any]])?.first { $0["name"] as? String == "call-log" }
        #expect(callLog?.int("ambiguous") == shared, "\(plan.stdout)")
        let run = try fixture.run()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try rows(db, "phone_log", "phone = '+46700000000'") == sharedRows)
        #expect(try rows(db, "comments", "user_id = 11") == elevenComments)
        #expect(try db.count("SELECT count(*) FROM comments WHERE user_id = 10") == 0)
        let (status, targets) = try fixture.reported(id)
        #expect(status == "open")
        #expect(targets["call-log"]?.int("ambiguous") == shared)
        #expect(targets["call-log"]?.int("affected") == 0)
        let list = try fixture.retention(["request", "list"])
        #expect(list.stdout.contains("\(shared) rows of call-log found only through a value another person also holds"), "\(list.stdout)")
        #expect(!list.stdout.contains("\\t") && list.stdout.contains("\t"), "fields are separated by real tabs: \(list.stdout)")
    }

    @Test("10,000 people, 5 % sharing a phone and 2 % with '': the union of what 150 requests erased is exactly plain SQL's unambiguous set, and no extract holds another person's row")
    func manyPeople() throws {
        let fixture = try RightPersonFixture.make("rpmany", extraSQL: """
            TRUNCATE comments, short_contacts, phone_log, ci_contacts;
            DELETE FROM users;
            INSERT INTO users SELECT g, 'm' || g || '@example.com',
                CASE WHEN g % 50 = 0 THEN '' WHEN g % 20 = 0 THEN '+4671' || (g % 97) ELSE '+4672' || g END, 'M ' || g, NULL, NULL
                FROM generate_series(1, 10000) g;
            INSERT INTO phone_log SELECT g, u.phone, 'call' FROM generate_series(1, 30000) g JOIN users u ON u.id = 1 + g % 10000;
            INSERT INTO comments SELECT g, 1 + g % 10000, 'c' FROM generate_series(1, 20000) g;
            CREATE TABLE asked AS SELECT id FROM users WHERE id % 67 = 1;
            """)
        defer { fixture.drop() }
        let db = fixture.database
        // Plain SQL: a phone is the asker's when no other user holds it and it is not empty.
        try db.connect().executeScript("""
            CREATE TABLE expected_calls AS SELECT p.id FROM phone_log p JOIN users u ON u.phone = p.phone JOIN asked a ON a.id = u.id
              WHERE u.phone !~ '^\\s*$' AND NOT EXISTS (SELECT 1 FROM users o WHERE o.phone = u.phone AND o.id <> u.id);
            CREATE TABLE ambiguous_calls AS SELECT DISTINCT p.id FROM phone_log p JOIN users u ON u.phone = p.phone JOIN asked a ON a.id = u.id
              WHERE u.phone !~ '^\\s*$' AND EXISTS (SELECT 1 FROM users o WHERE o.phone = u.phone AND o.id <> u.id);
            """)
        let asked = try db.connect().execute("SELECT id FROM asked ORDER BY id").rows.map { try $0.text(0) }
        #expect(asked.count == 150)
        // No extract holds a row of another person.
        for person in asked.prefix(20) {
            let extract = try fixture.extract("email=m\(person)@example.com")
            let calls = (extract["call-log"] ?? []).compactMap { ($0["id"] as? NSNumber)?.int64Value }
            let foreign = try db.count("SELECT count(*) FROM unnest($1::bigint[]) c(id) WHERE c.id NOT IN (SELECT id FROM expected_calls)", ["{\(calls.map(String.init).joined(separator: ","))}"])
            #expect(foreign == 0, "person \(person)'s extract holds \(foreign) calls of others")
        }
        for person in asked { try fixture.add("email=m\(person)@example.com") }
        let survivorsExpected = try db.checksum("(SELECT t::text AS r FROM phone_log t WHERE id NOT IN (SELECT id FROM expected_calls))")
        let sharingAskers = try db.count("SELECT count(DISTINCT u.id) FROM asked a JOIN users u USING (id) WHERE u.phone !~ '^\\s*$' AND EXISTS (SELECT 1 FROM users o WHERE o.phone = u.phone AND o.id <> u.id)")
        #expect(sharingAskers > 0)
        let run = try fixture.run()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try db.checksum("(SELECT t::text AS r FROM phone_log t)") == survivorsExpected)
        #expect(try db.count("SELECT count(*) FROM comments WHERE user_id IN (SELECT id FROM asked)") == 0)
        let reported = try db.count("SELECT coalesce(sum(ambiguous), 0) FROM retention.request_target_results WHERE target = 'call-log'")
        #expect(reported == (try db.count("SELECT count(*) FROM ambiguous_calls")))
        #expect(try db.count("SELECT count(*) FROM retention.erasure_requests WHERE status = 'open'") == sharingAskers)
    }

    @Test("a rule that deletes the person's user row the same night no longer unlinks their comments first: the request erases them")
    func rulesDoNotUnlinkFirst() throws {
        let policy = RightPersonSchema.policy(rules: RightPersonSchema.deleteRemovedUsers)
        let fixture = try RightPersonFixture.make("rpunlink", policy: policy)
        defer { fixture.drop() }
        let db = fixture.database
        let comments = try db.count("SELECT count(*) FROM comments WHERE user_id = 20")
        #expect(comments > 0)
        let (id, _) = try fixture.add("email=p20@example.com")
        let run = try fixture.run()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try db.count("SELECT count(*) FROM comments WHERE user_id = 20 OR (user_id IS NULL AND id % 62 = 19)") == 0)
        #expect(try fixture.reported(id).targets["user-comments"]?.int("affected") == comments)
        #expect(try db.count("SELECT count(*) FROM users WHERE id IN (20, 21)") == 0, "the rule still deletes the removed users")
    }

    @Test("a pseudonymise rule that set the shared marker does not make the request skip the account: name and phone go, the e-mail is hashed once")
    func sharedMarker() throws {
        let policy = RightPersonSchema.policy(rules: RightPersonSchema.hashRemovedEmails)
        let fixture = try RightPersonFixture.make("rpmarker", policy: policy)
        defer { fixture.drop() }
        let db = fixture.database
        let rule = try fixture.run(["--no-requests"])
        #expect(rule.status == 0, "\(rule.stderr)")
        let hashed = "expected_hmac(convert_to('p20@example.com', 'UTF8'), decode('\(fixture.keyHex)', 'hex'))"
        #expect(try db.count("SELECT count(*) FROM users WHERE id = 20 AND email = \(hashed) AND name IS NOT NULL AND pseudonymised_at IS NOT NULL") == 1)
        let (id, _) = try fixture.add("id=20")
        let run = try fixture.run()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try db.count("SELECT count(*) FROM users WHERE id = 20 AND email = \(hashed) AND name IS NULL AND phone = '[redacted]'") == 1)
        #expect(try fixture.reported(id).targets["user-account"]?.int("affected") == 1)
        #expect(try fixture.status(id) == "done")
    }

    @Test("a request filed under one policy name is answered by the policy re-issued under another; a category or subject column the policy no longer has keeps it open and fails the run")
    func policyChanges() throws {
        let fixture = try RightPersonFixture.make("rprename")
        defer { fixture.drop() }
        let db = fixture.database
        let (renamed, _) = try fixture.add("email=p30@example.com")
        let (marketing, _) = try fixture.add("email=p31@example.com", ["--category", "Marketing"])
        let (byPhone, _) = try fixture.add("phone=+46700032")
        let withoutPhone = RightPersonSchema.policy(name: "right-2026-12-01", targets: RightPersonSchema.targets
            .replacingOccurrences(of: "\"category\": \"Marketing\"", with: "\"category\": \"Newsletters\"")
            .replacingOccurrences(of: "{\"name\": \"call-log\", \"category\": \"Support\", \"table\": \"phone_log\", \"match\": {\"phone\": \"phone\"}, \"action\": \"delete\"},", with: ""))
            .replacingOccurrences(of: "\"identifiers\": [\"email\", \"phone\"]", with: "\"identifiers\": [\"email\"]")
        let narrowed = try fixture.engine.writePolicy(withoutPhone, name: "narrowed.json")
        let run = try fixture.run(policy: narrowed)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(try fixture.status(renamed) == "done")
        #expect(try db.count("SELECT count(*) FROM comments WHERE user_id = 30") == 0)
        #expect(try fixture.status(marketing) == "open")
        #expect(try fixture.status(byPhone) == "open")
        #expect(try db.count("SELECT count(*) FROM comments WHERE user_id IN (31, 32)") == 20)
        let list = try fixture.retention(["request", "list"])
        #expect(list.stdout.contains("category \"Marketing\" is not in the policy"), "\(list.stdout)")
        #expect(list.stdout.contains("named by \"phone\", which is no longer"), "\(list.stdout)")
        #expect(try fixture.engine.latestReport()["status"] as? String == "failed")
    }

    @Test("validate refuses a subjects deadline beyond three months (exit 2, one line) and warns above one month")
    func deadlineLimits() throws {
        let fixture = try RightPersonFixture.make("rpdeadline")
        defer { fixture.drop() }
        let long = try fixture.engine.writePolicy(RightPersonSchema.policy(deadline: "5 years"), name: "long.json")
        let result = try fixture.retention(["validate", "--policy", long])
        #expect(result.status == 2)
        #expect(result.stderr.contains("deadline") && result.stderr.contains("Art. 12(3)"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        let twoMonths = try fixture.engine.writePolicy(RightPersonSchema.policy(deadline: "2 months"), name: "two.json")
        let warned = try fixture.retention(["validate", "--policy", twoMonths])
        #expect(warned.status == 0, "\(warned.stderr)")
        #expect((warned.stdout + warned.stderr).contains("more than the one month"), "\(warned.stdout)\(warned.stderr)")
    }

    @Test("a value that finds nobody (a stray space) is said at once on stderr by add and by plan")
    func strayValue() throws {
        let fixture = try RightPersonFixture.make("rpstray")
        defer { fixture.drop() }
        let (id, added) = try fixture.add("email=p1@example.com ")
        #expect(added.stderr.contains("finds nobody"), "\(added.stderr)")
        let plan = try fixture.retention(["request", "plan", id, "--policy", fixture.policy])
        #expect(plan.stderr.contains("finds nobody"), "\(plan.stderr)")
        let (_, found) = try fixture.add("email=p1@example.com")
        #expect(!found.stderr.contains("finds nobody"), "\(found.stderr)")
        let (_, newsletterOnly) = try fixture.add("email=p1@example.com", ["--category", "Marketing"])
        #expect(newsletterOnly.stderr.isEmpty)
    }

    @Test("extend adds two months in the policy's time zone: received 1 June 00:30 in Stockholm, due 1 July, extended to 1 September")
    func extendInZone() throws {
        let fixture = try RightPersonFixture.make("rpextend", policy: RightPersonSchema.policy(timeZone: "Europe/Stockholm"))
        defer { fixture.drop() }
        let (id, _) = try fixture.add("email=p1@example.com", ["--received-at", "2026-05-31T22:30:00Z"])
        let deadline = { try fixture.database.connect().execute("SELECT to_char(deadline AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM retention.erasure_requests WHERE request_id = $1::bigint", [id]).requiredScalar() }
        #expect(try deadline() == "2026-06-30 22:30")
        let extended = try fixture.retention(["request", "extend", id, "--reason", "complex request"])
        #expect(extended.status == 0, "\(extended.stderr)")
        #expect(try deadline() == "2026-08-31 22:30")
    }

    @Test("the receipt says what each line's records are and writes the singular")
    func receiptWording() throws {
        let fixture = try RightPersonFixture.make("rpreceipt")
        defer { fixture.drop() }
        let (id, _) = try fixture.add("email=p40@example.com")
        #expect(try fixture.run().status == 0)
        let receipt = try fixture.retention(["request", "receipt", id, "--format", "md"])
        #expect(receipt.status == 0)
        #expect(receipt.stdout.contains("User comments: 10 records erased."), "\(receipt.stdout)")
        #expect(receipt.stdout.contains("User account: 1 record pseudonymised"), "\(receipt.stdout)")
        #expect(receipt.stdout.contains("Newsletter: 1 record erased."), "\(receipt.stdout)")
        #expect(!receipt.stdout.contains("1 records"), "\(receipt.stdout)")
    }

    @Test("with log_statement = 'all', the identifier reaches the server log neither from add, nor extract, nor the run")
    func identifierNeverLogged() throws {
        guard let logPath = ProcessInfo.processInfo.environment["PGTHROWAWAY_LOG"] else { return }
        let fixture = try RightPersonFixture.make("rplog")
        defer { fixture.drop() }
        try fixture.database.connect().execute("ALTER DATABASE \(Identifier.quote(fixture.database.name)) SET log_statement = 'all'")
        let logStart = (try FileManager.default.attributesOfItem(atPath: logPath)[.size] as? NSNumber)?.intValue ?? 0
        let email = "p44@example.com"
        let (id, _) = try fixture.add("email=\(email)")
        _ = try fixture.extract("email=\(email)")
        #expect(try fixture.run().status == 0)
        #expect(try fixture.status(id) == "done")
        let log = String(decoding: try #require(FileManager.default.contents(atPath: logPath)).dropFirst(logStart), as: UTF8.self)
        #expect(log.contains("@\(fixture.database.name) ") && log.contains("retention.erasure_requests"), "the log recorded the statements")
        #expect(!log.contains(email), "the server log holds the identifier")
    }

    @Test("replay after a restore re-erases a citext row the run matched in other case, under a renamed policy; another key is refused")
    func replayCitextAndKey() throws {
        let fixture = try RightPersonFixture.make("rpreplay")
        defer { fixture.drop() }
        let db = fixture.database
        let since = try db.connect().execute("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')").requiredScalar()
        let dump = fixture.engine.directory + "/backup.dump"
        #expect(try PostgresTools.run("pg_dump", ["--format=custom", "--file=" + dump, db.url]) == 0)
        _ = try fixture.add("email=p5@example.com")
        #expect(try fixture.run().status == 0)
        #expect(try db.count("SELECT count(*) FROM ci_contacts WHERE id = 5") == 0, "the run matched P5@Example.COM")
        let restored = try TestDatabase.create("rpreplayed")
        defer { restored.drop() }
        #expect(try PostgresTools.run("pg_restore", ["--dbname=" + restored.url, "--no-owner", dump]) == 0)
        let others = try restored.checksum("(SELECT t::text AS r FROM ci_contacts t WHERE id <> 5)")
        let renamed = try fixture.engine.writePolicy(RightPersonSchema.policy(name: "right-renamed"), name: "renamed.json")
        let otherKey = fixture.engine.directory + "/other.key"
        try Data((0..<32).map { UInt8($0) }).write(to: URL(fileURLWithPath: otherKey))
        let refused = try CommandRunner.run(["replay", "--policy", renamed, "--since", since, "--database-url", restored.url,
                                             "--state-dir", fixture.engine.stateDirectory, "--pseudonym-key-file", otherKey])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("fingerprint"), "\(refused.stderr)")
        #expect(try restored.count("SELECT count(*) FROM ci_contacts WHERE id = 5") == 1)
        let replay = try CommandRunner.run(["replay", "--policy", renamed, "--since", since, "--database-url", restored.url,
                                            "--state-dir", fixture.engine.stateDirectory, "--pseudonym-key-file", fixture.keyFile])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(try restored.count("SELECT count(*) FROM ci_contacts WHERE id = 5") == 0)
        #expect(try restored.count("SELECT count(*) FROM comments WHERE user_id = 5") == 0)
        #expect(try restored.checksum("(SELECT t::text AS r FROM ci_contacts t WHERE id <> 5)") == others)
    }

    @Test("a run killed after the request's ledger entry but before any batch, then cancel: replay after a restore erases nothing of the person")
    func cancelledNotReplayed() throws {
        let fixture = try RightPersonFixture.make("rpcancel")
        defer { fixture.drop() }
        let db = fixture.database
        let since = try db.connect().execute("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')").requiredScalar()
        let everything = try db.checksum("(SELECT t::text AS r FROM comments t)")
        let (id, _) = try fixture.add("email=p7@example.com")
        // A migration holds the comments table against changes (reads still pass).
        let migration = try db.connect()
        try migration.execute("BEGIN")
        try migration.execute("LOCK TABLE comments IN EXCLUSIVE MODE")
        let running = try fixture.engine.start(["run", "--policy", fixture.policy, "--pseudonym-key-file", fixture.keyFile])
        let ledger = fixture.engine.stateDirectory + "/erasures.jsonl"
        var waited = 0
        while waited < 300, !((try? String(contentsOfFile: ledger, encoding: .utf8))?.contains("subject-erasure") ?? false) {
            Thread.sleep(forTimeInterval: 0.1)
            waited += 1
        }
        #expect(waited < 300, "the run wrote the request's ledger entry")
        // The run dies, and its session with it (a killed client's backend would go on waiting
        // for the lock and then erase), before the migration lets go.
        running.signal(SIGKILL)
        _ = running.wait()
        try migration.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        try migration.execute("ROLLBACK")
        #expect(try db.checksum("(SELECT t::text AS r FROM comments t)") == everything, "nothing was erased")
        let cancel = try fixture.retention(["request", "cancel", id, "--reason", "the person withdrew it", "--pseudonym-key-file", fixture.keyFile,
                                            "--state-dir", fixture.engine.stateDirectory])
        #expect(cancel.status == 0, "\(cancel.stderr)")
        let replay = try CommandRunner.run(["replay", "--policy", fixture.policy, "--since", since, "--database-url", db.url,
                                            "--state-dir", fixture.engine.stateDirectory, "--pseudonym-key-file", fixture.keyFile])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(try db.checksum("(SELECT t::text AS r FROM comments t)") == everything)
        #expect(try db.count("SELECT count(*) FROM users WHERE id = 7 AND pseudonymised_at IS NULL") == 1)
    }

    @Test("a person's rows in months a detach rule archived are extracted and erased with the live ones; everyone else's archived rows stay")
    func archivedPartitions() throws {
        let activity = """
            {"name": "user-activity", "category": "Usage and log data", "table": "activity", "match": {"user_id": "id"}, "action": "delete"},
            """
        let rule = """
            {"name": "old-activity", "table": "activity", "due": {"after": "12 months", "from": "created_at"}, "action": "delete", "partitions": "detach"}
            """
        let fixture = try RightPersonFixture.make("rparchive", extraSQL: """
            CREATE TABLE activity (id bigint NOT NULL, user_id bigint NOT NULL, created_at timestamptz NOT NULL, what text,
                                   PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at);
            DO $$ BEGIN FOR m IN 0..23 LOOP
                EXECUTE format('CREATE TABLE %I PARTITION OF activity FOR VALUES FROM (%L) TO (%L)', 'activity_' || to_char(date '2024-06-01' + m * interval '1 month', 'YYYY_MM'),
                               date '2024-06-01' + m * interval '1 month', date '2024-06-01' + (m + 1) * interval '1 month');
            END LOOP; END $$;
            INSERT INTO activity SELECT g, 1 + g % 62, timestamptz '2024-06-01' + g * interval '37 minutes', 'did ' || g FROM generate_series(1, 24000) g
                WHERE timestamptz '2024-06-01' + g * interval '37 minutes' < '2026-06-01';
            """, policy: RightPersonSchema.policy(rules: rule, targets: activity + RightPersonSchema.targets))
        defer { fixture.drop() }
        let db = fixture.database
        let archive = try fixture.run(["--no-requests", "--as-of", "2026-06-01T00:00:00Z"])
        #expect(archive.status == 0, "\(archive.stderr)")
        let archived = try db.connect().execute("""
            SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'retention_archive' AND c.relkind = 'r' ORDER BY 1
            """).rows.map { try $0.text(0) }
        #expect(archived.count >= 10, "\(archived)")
        let union = "(" + (["activity"] + archived).map { "SELECT id, user_id FROM \($0)" }.joined(separator: " UNION ALL ") + ")"
        let person = try db.count("SELECT count(*) FROM \(union) a WHERE user_id = 7")
        let inArchive = person - (try db.count("SELECT count(*) FROM activity WHERE user_id = 7"))
        #expect(inArchive > 0)
        let others = try db.checksum("(SELECT a::text AS r FROM \(union) a WHERE user_id <> 7)")
        let extract = try fixture.extract("email=p7@example.com")
        #expect(extract["user-activity"]?.count == Int(person))
        let (id, _) = try fixture.add("email=p7@example.com")
        let processed = try fixture.run(["--request", id])
        #expect(processed.status == 0, "\(processed.stderr)")
        #expect(try db.count("SELECT count(*) FROM \(union) a WHERE user_id = 7") == 0)
        #expect(try db.checksum("(SELECT a::text AS r FROM \(union) a WHERE user_id <> 7)") == others)
        #expect(try fixture.reported(id).targets["user-activity"]?.int("affected") == person)
        #expect(try fixture.status(id) == "done")
    }
}
