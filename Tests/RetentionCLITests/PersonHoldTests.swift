import Foundation
import Testing
import TestSupport

/// The subjects schema with rows past due for three rules on targets' tables: check-ins deleted
/// (one in five not due yet), comments pseudonymised, marketing contacts (found by e-mail) deleted.
private let personHoldSQL = """
    ALTER TABLE checkins ADD COLUMN created_at timestamptz NOT NULL DEFAULT '2020-01-01';
    UPDATE checkins SET created_at = '2999-01-01' WHERE id % 5 = 0;
    ALTER TABLE comments ADD COLUMN created_at timestamptz NOT NULL DEFAULT '2020-01-01', ADD COLUMN redacted_at timestamptz;
    ALTER TABLE marketing_contacts ADD COLUMN created_at timestamptz NOT NULL DEFAULT '2020-01-01';
    """

private let personHoldRules = """
    {"name": "old-checkins", "category": "Content data", "table": "checkins", "due": {"after": "1 year", "from": "created_at"}, "action": "delete"},
    {"name": "old-comments", "category": "Content data", "table": "comments", "tenantColumn": "org_id", "due": {"after": "1 year", "from": "created_at"},
     "action": "pseudonymise", "pseudonymise": {"columns": {"body": "redact"}, "marker": "redacted_at"}},
    {"name": "old-contacts", "category": "Marketing", "table": "marketing_contacts", "due": {"after": "1 year", "from": "created_at"}, "action": "delete"},
    """

private let personHoldPolicy = SubjectSchema.policy().replacingOccurrences(of: #""rules": ["#, with: #""rules": ["# + personHoldRules)

private func personHoldFixture(_ label: String) throws -> SubjectFixture {
    try SubjectFixture.make(label, extraSQL: personHoldSQL, policy: personHoldPolicy)
}

extension SubjectFixture {
    /// `hold add --subject` with the key; returns the result.
    func hold(_ subject: String, reason: String = "Case 2026-12, dispute", _ extra: [String] = []) throws -> CommandResult {
        try retention(["hold", "add", "--subject", subject, "--reason", reason, "--policy", policy, "--pseudonym-key-file", keyFile] + extra)
    }
}

@Suite("Legal holds on one person")
struct PersonHoldTests {
    @Test("a held person keeps every row through the rules and an erasure request, counted as held back; others go exactly; released, the next run erases them")
    func holdAndRelease() throws {
        let fixture = try personHoldFixture("personhold")
        defer { fixture.drop() }
        let db = fixture.database
        let held = try fixture.hold("email=user7@example.com", ["--by", "lawyer"])
        #expect(held.status == 0, "\(held.stderr)")
        let holdID = held.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int(holdID) != nil, "hold add prints the id alone: \(held.stdout)")
        let heldPerson = try fixture.add("id=7")
        let other = try fixture.add("id=8")

        // Expected, in plain SQL before the run: user 7 keeps everything; user 8's rows go by the
        // request; the rules take every other due row.
        let dueCheckins = "created_at < now() - interval '1 year'"
        let heldCheckins = try db.count("SELECT count(*) FROM checkins WHERE user_id = 7 AND \(dueCheckins)")
        let heldComments = try db.count("SELECT count(*) FROM comments WHERE author_id = 7")
        #expect(heldCheckins > 0 && heldComments > 0)
        let checkins = try db.checksum("(SELECT * FROM checkins WHERE user_id = 7 OR (user_id <> 8 AND NOT \(dueCheckins)))")
        let comments = try db.checksum("""
            (SELECT id, org_id, author_id, CASE WHEN author_id = 7 THEN body ELSE '[redacted]' END, created_at, author_id = 7 FROM comments WHERE author_id <> 8)
            """, orderBy: "t.id")
        let contacts = try db.checksum("(SELECT * FROM marketing_contacts WHERE email = 'user7@example.com')")
        let heldUser = try db.checksum("(SELECT * FROM users WHERE id = 7)")
        // `request plan` with the key tells the held person's rows from the others'.
        for (request, heldHere) in [(heldPerson, try db.count("SELECT count(*) FROM checkins WHERE user_id = 7")), (other, Int64(0))] {
            let plan = try fixture.retention(["request", "plan", request, "--policy", fixture.policy, "--format", "json", "--pseudonym-key-file", fixture.keyFile])
            #expect(plan.status == 0, "\(plan.stderr)")
            let targets = (try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])?["targets"] as? [[String: Any]] ?? []
            #expect(targets.first { $0["name"] as? String == "user-checkins" }?.int("heldBack") == heldHere, "\(plan.stdout)")
        }

        let run = try fixture.run()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try db.checksum("checkins") == checkins)
        #expect(try db.checksum("(SELECT id, org_id, author_id, body, created_at, redacted_at IS NULL FROM comments)", orderBy: "t.id") == comments)
        #expect(try db.checksum("marketing_contacts") == contacts)
        #expect(try db.checksum("(SELECT * FROM users WHERE id = 7)") == heldUser)
        #expect(try db.count("SELECT count(*) FROM users WHERE id = 8 AND pseudonymised_at IS NOT NULL AND name IS NULL") == 1)
        #expect(try fixture.engine.ruleReport("old-checkins").int("heldBack") == heldCheckins)
        #expect(try fixture.engine.ruleReport("old-comments").int("heldBack") == heldComments)
        #expect(try fixture.engine.ruleReport("old-contacts").int("heldBack") == 1)
        let requests = try fixture.reportedRequests()
        #expect(requests[Int64(other)!]?.status == "done")
        // The held person's request erased nothing and stays open, its rows reported held.
        #expect(requests[Int64(heldPerson)!]?.status == "open")
        let heldPersonsCheckins = try db.count("SELECT count(*) FROM checkins WHERE user_id = 7")
        #expect(requests[Int64(heldPerson)!]?.targets["user-checkins"]?.int("heldBack") == heldPersonsCheckins)
        #expect(try db.count("SELECT count(*) FROM retention.erasure_requests WHERE request_id = $1::bigint AND status = 'open' AND open_reason IS NOT NULL", [heldPerson]) == 1)

        let released = try fixture.retention(["hold", "release", holdID, "--by", "lawyer"])
        #expect(released.status == 0, "\(released.stderr)")
        let again = try fixture.run()
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try db.count("SELECT count(*) FROM checkins WHERE user_id = 7") == 0)
        #expect(try db.count("SELECT count(*) FROM comments WHERE author_id = 7") == 0)
        #expect(try db.count("SELECT count(*) FROM marketing_contacts") == 0)
        #expect(try db.count("SELECT count(*) FROM users WHERE id = 7 AND pseudonymised_at IS NOT NULL AND name IS NULL") == 1)
        #expect(try db.count("SELECT count(*) FROM retention.erasure_requests WHERE status = 'done'") == 2)
        #expect(try fixture.engine.ruleReport("old-checkins").int("heldBack") == 0)
    }

    @Test("a hold stores only the HMACs of the person's values: the value is in no table of the retention schema, no list and no report")
    func hmacOnly() throws {
        let fixture = try personHoldFixture("personholdhmac")
        defer { fixture.drop() }
        let db = fixture.database
        let email = "user7@example.com"
        let held = try fixture.hold("email=\(email)")
        #expect(held.status == 0, "\(held.stderr)")
        #expect(try fixture.engineRowsContaining(email) == 0)
        // The e-mail's HMAC, and the key's (the person's other value), under the pseudonym key.
        #expect(try db.count("""
            SELECT count(*) FROM retention.legal_hold_values WHERE (subject_column, hmac) IN
              (('email', expected_hmac(convert_to('\(email)', 'UTF8'), decode('\(fixture.keyHex)', 'hex'))),
               ('id', expected_hmac(convert_to('7', 'UTF8'), decode('\(fixture.keyHex)', 'hex'))))
            """) == 2)
        let text = try fixture.retention(["hold", "list"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("\tsubject email\tall rules\t"), "\(text.stdout)")
        let json = try fixture.retention(["hold", "list", "--format", "json"])
        let holds = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(holds.first?["subject"] as? String == "email")
        #expect(holds.first?["tenant"] is NSNull)
        let run = try fixture.run()
        #expect(run.status == 0, "\(run.stderr)")
        let report = try fixture.retention(["report", "--tenant", "3", "--policy", fixture.policy, "--state-dir", fixture.engine.stateDirectory,
                                            "--format", "md", "--pseudonym-key-file", fixture.keyFile])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("on a person named by subject email: in force since"), "\(report.stdout)")
        let reports = fixture.engine.stateDirectory + "/reports"
        let written = try FileManager.default.contentsOfDirectory(atPath: reports).map { try String(contentsOfFile: reports + "/" + $0, encoding: .utf8) }
        for output in [text.stdout, json.stdout, run.stdout, run.stderr, report.stdout] + written {
            #expect(!output.contains(email))
        }
        #expect(try fixture.engineRowsContaining(email) == 0)
    }

    @Test("audit says held for overdue rows a person hold keeps, counted exactly; a dry run counts them as held back")
    func auditAndDryRun() throws {
        let fixture = try personHoldFixture("personholdaudit")
        defer { fixture.drop() }
        let db = fixture.database
        #expect(try fixture.hold("id=7").status == 0)
        let heldCheckins = try db.count("SELECT count(*) FROM checkins WHERE user_id = 7 AND created_at < now() - interval '1 year'")
        let dry = try fixture.run(["--dry-run", "--no-requests"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(try fixture.engine.ruleReport("old-checkins").int("heldBack") == heldCheckins)
        #expect(try fixture.run(["--no-requests"]).status == 0)
        let audit = try fixture.retention(["audit", "--policy", fixture.policy, "--format", "json", "--pseudonym-key-file", fixture.keyFile])
        let promises = (try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [String: Any])?["promises"] as? [[String: Any]] ?? []
        let checkins = promises.first { $0["name"] as? String == "old-checkins" }
        #expect(checkins?["verdict"] as? String == "held", "\(audit.stdout)")
        #expect((checkins?["overdue"] as? [String: Any])?.int("held") == heldCheckins)
        #expect(audit.status == 0, "\(audit.stderr)")
    }

    @Test("a hold on an unknown column, without a subjects map, on a value naming nobody or several people, or with an empty reason is refused: one line, exit 2, nothing stored")
    func badInput() throws {
        let fixture = try personHoldFixture("personholdbad")
        defer { fixture.drop() }
        let noSubjects = try fixture.engine.writePolicy("""
            {"policy": "subjects", "tenants": {"table": "orgs", "key": "id", "terminatedAt": "terminated_at"}, "rules": [\(SubjectSchema.billingRule)]}
            """, name: "nosubjects.json")
        for (subject, reason, policy, message) in [
            ("phone=555", "dispute", fixture.policy, "--subject names column \"phone\", which is neither the subjects' key nor an identifier"),
            ("email=nobody@example.com", "dispute", fixture.policy, "--subject email= names nobody"),
            ("email=shared@example.com", "dispute", fixture.policy, "--subject email= names 2 rows of users, so it is not one person for certain; name the person by \"id\""),
            ("email=user7@example.com", " ", fixture.policy, "--reason must say why"),
            ("email=user7@example.com", "dispute", noSubjects, "has no \"subjects\" map"),
        ] {
            let result = try fixture.retention(["hold", "add", "--subject", subject, "--reason", reason, "--policy", policy, "--pseudonym-key-file", fixture.keyFile])
            #expect(result.status == 2)
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
        #expect(try fixture.database.count("SELECT count(*) FROM retention.legal_holds") == 0)
        #expect(try fixture.database.count("SELECT count(*) FROM retention.legal_hold_values") == 0)
    }
}

extension PersonHoldTests {
    /// Monthly partitions of 2023 of `events`, found through the subjects map by `person_id`;
    /// person 1's one row lives in March, which is wholly due at 2024-06-15 under 12 months.
    static let partitionSQL = """
        SET TimeZone = 'UTC';
        CREATE TABLE people (id int PRIMARY KEY, email text NOT NULL);
        INSERT INTO people VALUES (1, 'held@example.com'), (2, 'other@example.com');
        CREATE TABLE events (id bigint NOT NULL, person_id int REFERENCES people, created_at timestamptz NOT NULL,
                             PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at);
        DO $$ DECLARE m date; BEGIN
          FOR m IN SELECT generate_series(date '2023-01-01', date '2023-12-01', interval '1 month')::date LOOP
            EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)', 'events_' || to_char(m, 'YYYY_MM'),
                           m::timestamptz, (m + interval '1 month')::timestamptz);
          END LOOP; END $$;
        INSERT INTO events SELECT g, CASE WHEN g % 7 = 0 THEN 2 END, timestamptz '2023-01-01' + g * interval '97 minutes' FROM generate_series(1, 5000) g;
        INSERT INTO events VALUES (900001, 1, '2023-03-10');
        """

    static let partitionPolicy = """
        {"policy": "parts",
         "rules": [{"name": "events", "table": "events", "due": {"after": "12 months", "from": "created_at"}, "action": "delete", "partitions": "drop"}],
         "subjects": {"table": "people", "key": "id", "identifiers": ["email"],
                      "targets": [{"name": "person-events", "category": "Usage data", "table": "events", "match": {"person_id": "id"}, "action": "delete"}]}}
        """

    @Test("a partition that holds a held person's row is not dropped: its other due rows go by batches; other wholly due partitions are dropped")
    func partitionWithHeldRow() throws {
        let fixture = try SubjectFixture.make("personholdpart", schemaSQL: Self.partitionSQL, policy: Self.partitionPolicy)
        defer { fixture.drop() }
        let db = fixture.database
        let cutoff = "timestamptz '2023-06-15 12:00:00+00'"
        #expect(try fixture.hold("email=held@example.com").status == 0)
        let kept = try db.checksum("(SELECT * FROM events WHERE created_at >= \(cutoff) OR person_id = 1)", orderBy: "t.id")
        let run = try fixture.run(["--as-of", "2024-06-15T12:00:00Z"])
        #expect(run.status == 0, "\(run.stderr)")
        let rule = try fixture.engine.ruleReport("events")
        let dropped = Set((rule["partitions"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
        #expect(dropped == ["public.events_2023_01", "public.events_2023_02", "public.events_2023_04", "public.events_2023_05"])
        #expect(rule.int("heldBack") == 1)
        #expect(try db.count("SELECT count(*) FROM pg_class WHERE oid = to_regclass('public.events_2023_03')") == 1)
        #expect(try db.checksum("events", orderBy: "t.id") == kept)
    }
}

extension PersonHoldTests {
    @Test("a hold on a person placed while a run goes on protects them from the next batch on")
    func holdMidRun() throws {
        let fixture = try SubjectFixture.make("personholdmid", schemaSQL: """
            CREATE TABLE people (id int PRIMARY KEY, email text NOT NULL);
            INSERT INTO people VALUES (1, 'one@example.com'), (2, 'two@example.com');
            CREATE TABLE events (id bigint PRIMARY KEY, person_id int NOT NULL, created_at timestamptz NOT NULL);
            INSERT INTO events SELECT g, 1 + g % 2, timestamptz '2020-01-01' + g * interval '1 minute' FROM generate_series(1, 40000) g;
            """, policy: """
            {"policy": "mid",
             "rules": [{"name": "events", "table": "events", "due": {"after": "1 year", "from": "created_at"}, "action": "delete"}],
             "subjects": {"table": "people", "key": "id", "identifiers": ["email"],
                          "targets": [{"name": "person-events", "category": "Usage data", "table": "events", "match": {"person_id": "id"}, "action": "delete"}]}}
            """)
        defer { fixture.drop() }
        let running = try fixture.engine.start(["run", "--policy", fixture.policy, "--pseudonym-key-file", fixture.keyFile, "--as-of", "2024-01-01T00:00:00Z",
                                                "--batch-size", "200", "--pause", "50", "--concurrency", "1"])
        Thread.sleep(forTimeInterval: 0.8)
        let held = try fixture.hold("email=two@example.com")
        #expect(held.status == 0, "\(held.stderr)")
        let atHold = try fixture.database.count("SELECT count(*) FROM events WHERE person_id = 2")
        let result = running.wait()
        #expect(result.status == 0, "\(result.stderr)")
        let after = try fixture.database.count("SELECT count(*) FROM events WHERE person_id = 2")
        #expect(atHold > 0)
        #expect(atHold - after <= 200, "at most the batch already under way when the hold was placed")
        #expect(try fixture.database.count("SELECT count(*) FROM events WHERE person_id = 1") == 0)
        #expect(try fixture.engine.ruleReport("events").int("heldBack") == after)
    }
}

extension PersonHoldTests {
    @Test("a run without the pseudonym key cannot tell the held person's rows: while a hold on a person is in force it keeps every row of the tables such a hold reaches, counted as held back")
    func withoutKey() throws {
        let fixture = try personHoldFixture("personholdnokey")
        defer { fixture.drop() }
        let db = fixture.database
        #expect(try fixture.hold("id=7").status == 0)
        let due = try db.count("SELECT count(*) FROM checkins WHERE created_at < now() - interval '1 year'")
        let checkins = try db.checksum("checkins", orderBy: "t.id")
        let run = try fixture.retention(["run", "--policy", fixture.policy, "--no-requests"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try db.checksum("checkins", orderBy: "t.id") == checkins)
        #expect(try fixture.engine.ruleReport("old-checkins").int("heldBack") == due)
    }
}

extension PersonHoldTests {
    @Test("a hold follows no ambiguous value: the e-mail user 41 shares with user 42 is not stored, and the contact found only by it goes with the rules")
    func notThroughAmbiguousValues() throws {
        let fixture = try personHoldFixture("personholdshared")
        defer { fixture.drop() }
        let db = fixture.database
        #expect(try fixture.hold("id=41").status == 0)
        #expect(try db.count("SELECT count(*) FROM retention.legal_hold_values WHERE subject_column = 'email'") == 0)
        #expect(try db.count("""
            SELECT count(*) FROM retention.legal_hold_values WHERE subject_column = 'id' AND hmac = expected_hmac(convert_to('41', 'UTF8'), decode('\(fixture.keyHex)', 'hex'))
            """) == 1)
        let checkins = try db.checksum("(SELECT * FROM checkins WHERE user_id = 41 OR NOT created_at < now() - interval '1 year')", orderBy: "t.id")
        let run = try fixture.run()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try db.checksum("checkins", orderBy: "t.id") == checkins)
        #expect(try db.count("SELECT count(*) FROM marketing_contacts") == 0)
    }
}
