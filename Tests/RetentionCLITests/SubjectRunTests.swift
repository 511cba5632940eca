import Foundation
import Testing
import TestSupport

/// The rows of one person in every table, by primary key, computed with plain SQL.
private func personRows(_ db: TestDatabase, userIDs: String, emails: String) throws -> [String: Int64] {
    [
        "comments": try db.count("SELECT count(*) FROM comments WHERE author_id IN (\(userIDs))"),
        "checkins": try db.count("SELECT count(*) FROM checkins WHERE user_id IN (\(userIDs))"),
        "audit_rows": try db.count("SELECT count(*) FROM audit_rows WHERE actor_id IN (\(userIDs))"),
        "payment_methods_free": try db.count("SELECT count(*) FROM payment_methods p WHERE user_id IN (\(userIDs)) AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.payment_method_id = p.id)"),
        "payment_methods_kept": try db.count("SELECT count(*) FROM payment_methods p WHERE user_id IN (\(userIDs)) AND EXISTS (SELECT 1 FROM invoices i WHERE i.payment_method_id = p.id)"),
        "invoices": try db.count("SELECT count(*) FROM invoices WHERE owner_user_id IN (\(userIDs))"),
        "marketing_contacts": try db.count("SELECT count(*) FROM marketing_contacts WHERE email IN (\(emails))"),
        "users": try db.count("SELECT count(*) FROM users WHERE id IN (\(userIDs))"),
    ]
}

/// A checksum of every row that is not the person's, in every table.
private func othersChecksum(_ db: TestDatabase, userIDs: String, emails: String) throws -> String {
    try db.checksum("""
        (SELECT 'c' || t::text AS r FROM comments t WHERE author_id NOT IN (\(userIDs))
         UNION ALL SELECT 'k' || t::text FROM checkins t WHERE user_id NOT IN (\(userIDs))
         UNION ALL SELECT 'a' || t::text FROM audit_rows t WHERE actor_id IS NULL OR actor_id NOT IN (\(userIDs))
         UNION ALL SELECT 'p' || t::text FROM payment_methods t WHERE user_id NOT IN (\(userIDs))
         UNION ALL SELECT 'i' || t::text FROM invoices t
         UNION ALL SELECT 'm' || t::text FROM marketing_contacts t WHERE email NOT IN (\(emails))
         UNION ALL SELECT 'u' || t::text FROM users t WHERE id NOT IN (\(userIDs)))
        """)
}

/// The report's entry for request `id`, target by target.
private func requestReport(_ fixture: SubjectFixture, _ id: String) throws -> (status: String?, targets: [String: [String: Any]]) {
    try fixture.reportedRequests()[Int64(id) ?? -1] ?? (nil, [:])
}

/// Every file of the state directory, as text.
private func stateText(_ fixture: SubjectFixture) throws -> String {
    let root = fixture.engine.stateDirectory
    let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
    return files.compactMap { FileManager.default.contents(atPath: root + "/" + $0).map { String(decoding: $0, as: UTF8.self) } }.joined(separator: "\n")
}

@Suite("Erasure requests processed by retention run")
struct SubjectRunTests {
    @Test("a person found by e-mail: their rows in six tables erased or pseudonymised, kept ones untouched and reported, everyone else's identical; done, and no engine table or state file holds the e-mail")
    func byEmail() throws {
        let fixture = try SubjectFixture.make("subjemail")
        defer { fixture.drop() }
        let db = fixture.database
        let email = "user9@example.com"
        let expected = try personRows(db, userIDs: "9", emails: "'\(email)'")
        #expect(expected.values.allSatisfy { $0 > 0 }, "\(expected)")
        let others = try othersChecksum(db, userIDs: "9", emails: "'\(email)'")
        let kept = try db.checksum("(SELECT 'i' || t::text AS r FROM invoices t WHERE owner_user_id = 9 UNION ALL SELECT 'p' || t::text FROM payment_methods t WHERE user_id = 9 AND id IN (SELECT payment_method_id FROM invoices WHERE payment_method_id IS NOT NULL))")
        let id = try fixture.add("email=\(email)", ["--reference", "TICKET-9"])
        let run = try fixture.run()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try db.count("SELECT count(*) FROM comments WHERE author_id = 9") == 0)
        #expect(try db.count("SELECT count(*) FROM checkins WHERE user_id = 9") == 0)
        #expect(try db.count("SELECT count(*) FROM audit_rows WHERE actor_id = 9") == 0)
        #expect(try db.count("SELECT count(*) FROM payment_methods WHERE user_id = 9") == expected["payment_methods_kept"])
        #expect(try db.count("SELECT count(*) FROM marketing_contacts WHERE email = $1", [email]) == 0)
        #expect(try db.count("""
            SELECT count(*) FROM users WHERE id = 9 AND name IS NULL AND pseudonymised_at IS NOT NULL
              AND email = expected_hmac(convert_to('\(email)', 'UTF8'), decode('\(fixture.keyHex)', 'hex'))
            """) == 1)
        #expect(try db.checksum("(SELECT 'i' || t::text AS r FROM invoices t WHERE owner_user_id = 9 UNION ALL SELECT 'p' || t::text FROM payment_methods t WHERE user_id = 9 AND id IN (SELECT payment_method_id FROM invoices WHERE payment_method_id IS NOT NULL))") == kept)
        #expect(try othersChecksum(db, userIDs: "9", emails: "'\(email)'") == others)

        let (status, targets) = try requestReport(fixture, id)
        #expect(status == "done")
        #expect(targets["user-comments"]?.int("affected") == expected["comments"])
        #expect(targets["user-checkins"]?.int("affected") == expected["checkins"])
        #expect(targets["user-audit"]?.int("affected") == expected["audit_rows"])
        #expect(targets["payment-methods"]?.int("affected") == expected["payment_methods_free"])
        #expect(targets["payment-methods"]?.int("kept") == expected["payment_methods_kept"])
        #expect(targets["user-invoices"]?.int("kept") == expected["invoices"])
        #expect(targets["user-invoices"]?["basis"] as? String == "Bokföringslagen: kept 7 years after the financial year")
        #expect(targets["newsletter"]?.int("affected") == 1)
        #expect(targets["user-account"]?.int("affected") == 1)
        #expect(try db.count("SELECT count(*) FROM retention.erasure_requests WHERE request_id = $1::bigint AND status = 'done' AND subject_hmac = expected_hmac(convert_to('\(email)', 'UTF8'), decode('\(fixture.keyHex)', 'hex'))", [id]) == 1)
        #expect(try fixture.engineRowsContaining(email) == 0)
        #expect(try fixture.engineRowsContaining("user9") == 0)
        #expect(!(try stateText(fixture)).contains(email))
        #expect(!run.stdout.contains(email) && !run.stderr.contains(email))
    }

    @Test("matched by key, a person's e-mail is found from their subject row; several subject rows with one e-mail are all the person's")
    func byKeyAndShared() throws {
        let fixture = try SubjectFixture.make("subjkey")
        defer { fixture.drop() }
        let db = fixture.database
        let byKey = try personRows(db, userIDs: "12", emails: "'user12@example.com'")
        let shared = try personRows(db, userIDs: "41, 42", emails: "'shared@example.com'")
        #expect(byKey["marketing_contacts"] == 1 && shared["marketing_contacts"] == 1 && shared["comments"]! > 0)
        let others = try othersChecksum(db, userIDs: "12, 41, 42", emails: "'user12@example.com', 'shared@example.com'")
        _ = try fixture.add("id=12")
        _ = try fixture.add("email=shared@example.com")
        let run = try fixture.run()
        #expect(run.status == 0, "\(run.stderr)")
        for (ids, email) in [("12", "user12@example.com"), ("41, 42", "shared@example.com")] {
            #expect(try db.count("SELECT count(*) FROM comments WHERE author_id IN (\(ids))") == 0)
            #expect(try db.count("SELECT count(*) FROM audit_rows WHERE actor_id IN (\(ids))") == 0)
            #expect(try db.count("SELECT count(*) FROM marketing_contacts WHERE email = $1", [email]) == 0)
            #expect(try db.count("SELECT count(*) FROM users WHERE id IN (\(ids)) AND pseudonymised_at IS NOT NULL AND name IS NULL") == Int64(ids.split(separator: ",").count))
        }
        #expect(try othersChecksum(db, userIDs: "12, 41, 42", emails: "'user12@example.com', 'shared@example.com'") == others)
        #expect(try db.count("SELECT count(*) FROM retention.erasure_requests WHERE status = 'done'") == 2)
    }

    @Test("a person who is not found: done, nothing changed; --category erases only that category")
    func notFoundAndCategory() throws {
        let fixture = try SubjectFixture.make("subjnone")
        defer { fixture.drop() }
        let db = fixture.database
        let before = Array(try fixture.checksums().prefix(8))
        let nobody = try fixture.add("email=nobody@example.com")
        #expect(try fixture.run(["--request", nobody]).status == 0)
        #expect(Array(try fixture.checksums().prefix(8)) == before)
        #expect(try requestReport(fixture, nobody).status == "done")
        #expect(try requestReport(fixture, nobody).targets.values.allSatisfy { $0.int("matched") == 0 })

        let others = try othersChecksum(db, userIDs: "0", emails: "'user9@example.com'")
        let marketing = try fixture.add("email=user9@example.com", ["--category", "Marketing"])
        #expect(try fixture.run().status == 0)
        #expect(try db.count("SELECT count(*) FROM marketing_contacts WHERE email = 'user9@example.com'") == 0)
        #expect(try othersChecksum(db, userIDs: "0", emails: "'user9@example.com'") == others, "nothing but the marketing contact changed")
        #expect(Set(try requestReport(fixture, marketing).targets.keys) == ["newsletter"])
        #expect(try db.count("SELECT count(*) FROM retention.erasure_requests WHERE status = 'done'") == 2)
    }

    @Test("a held tenant's rows are kept (heldBack) and the request stays open with the reason; after the release the next run erases them: done")
    func heldTenant() throws {
        let fixture = try SubjectFixture.make("subjhold")
        defer { fixture.drop() }
        let db = fixture.database
        let heldComments = try db.count("SELECT count(*) FROM comments WHERE author_id = 9 AND org_id = 5")
        let otherComments = try db.count("SELECT count(*) FROM comments WHERE author_id = 9 AND org_id <> 5")
        #expect(heldComments > 0)
        let heldChecksum = try db.checksum("(SELECT * FROM comments WHERE author_id = 9 AND org_id = 5)")
        let hold = try fixture.retention(["hold", "add", "--tenant", "5", "--reason", "Case 2026-3", "--policy", fixture.policy])
        #expect(hold.status == 0, "\(hold.stderr)")
        let id = try fixture.add("email=user9@example.com")
        #expect(try fixture.run().status == 0)
        #expect(try db.checksum("(SELECT * FROM comments WHERE author_id = 9 AND org_id = 5)") == heldChecksum)
        #expect(try db.count("SELECT count(*) FROM comments WHERE author_id = 9 AND org_id <> 5") == 0)
        let first = try requestReport(fixture, id)
        #expect(first.status == "open")
        #expect(first.targets["user-comments"]?.int("heldBack") == heldComments)
        #expect(first.targets["user-comments"]?.int("affected") == otherComments)
        let listed = try fixture.retention(["request", "list"])
        #expect(listed.stdout.contains("open: \(heldComments) rows of user-comments held by a legal hold"), "\(listed.stdout)")
        #expect(try fixture.engineRowsContaining("user9@example.com") > 0, "an open request still holds its identifier")

        #expect(try fixture.retention(["hold", "release", hold.stdout.trimmingCharacters(in: .whitespacesAndNewlines)]).status == 0)
        #expect(try fixture.run().status == 0)
        #expect(try db.count("SELECT count(*) FROM comments WHERE author_id = 9") == 0)
        let second = try requestReport(fixture, id)
        #expect(second.status == "done")
        #expect(second.targets["user-comments"]?.int("affected") == heldComments)
        #expect(try fixture.engineRowsContaining("user9@example.com") == 0)
    }

    @Test("a dry run and plan change nothing; the dry run counts what the run then does")
    func dryRun() throws {
        let fixture = try SubjectFixture.make("subjdry")
        defer { fixture.drop() }
        let expected = try personRows(fixture.database, userIDs: "9", emails: "'user9@example.com'")
        let id = try fixture.add("email=user9@example.com")
        let before = try fixture.checksums()
        let dry = try fixture.retention(["run", "--policy", fixture.policy, "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(try fixture.retention(["request", "plan", id, "--policy", fixture.policy]).status == 0)
        #expect(try fixture.checksums() == before)
        let counted = try requestReport(fixture, id).targets
        #expect(counted["user-comments"]?.int("pending") == expected["comments"])
        #expect(counted["user-audit"]?.int("pending") == expected["audit_rows"])
        #expect(counted["payment-methods"]?.int("pending") == expected["payment_methods_free"])
        #expect(counted["payment-methods"]?.int("kept") == expected["payment_methods_kept"])
        #expect(try fixture.run().status == 0)
        let done = try requestReport(fixture, id).targets
        for name in ["user-comments", "user-checkins", "user-audit", "payment-methods", "newsletter", "user-account"] {
            #expect(done[name]?.int("affected") == counted[name]?.int("pending"), "\(name)")
        }
    }

    @Test("SIGKILL while a large target is erased in batches, then a run: exact, every batch recorded once")
    func killAndResume() throws {
        let fixture = try SubjectFixture.make("subjkill", extraSQL: "INSERT INTO audit_rows SELECT 1000 + g, 9, 'bulk ' || g FROM generate_series(1, 40000) g;")
        defer { fixture.drop() }
        let db = fixture.database
        let total = try db.count("SELECT count(*) FROM audit_rows WHERE actor_id = 9")
        let others = try db.checksum("(SELECT * FROM audit_rows WHERE actor_id IS DISTINCT FROM 9)")
        let id = try fixture.add("email=user9@example.com")
        let running = try fixture.engine.start(["run", "--policy", fixture.policy, "--pseudonym-key-file", fixture.keyFile, "--batch-size", "100", "--no-requests"])
        _ = running.wait()
        let killed = try fixture.engine.start(["run", "--policy", fixture.policy, "--pseudonym-key-file", fixture.keyFile, "--batch-size", "100"])
        var waited = 0.0
        while try db.count("SELECT count(*) FROM retention.request_batch_results WHERE target = 'user-audit'") < 5, waited < 20 {
            Thread.sleep(forTimeInterval: 0.05)
            waited += 0.05
        }
        killed.signal(SIGKILL)
        _ = killed.wait()
        // The server finishes a statement already sent: wait until the killed run's sessions are gone.
        waited = 0
        while try db.count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'retention%'") > 0, waited < 20 {
            Thread.sleep(forTimeInterval: 0.05)
            waited += 0.05
        }
        let counts = try db.connect().execute("SELECT (SELECT count(*) FROM audit_rows WHERE actor_id = 9), (SELECT coalesce(sum(affected), 0)::bigint FROM retention.request_batch_results WHERE target = 'user-audit')").rows[0]
        let left = try counts.int64(0)
        let recorded = try counts.int64(1)
        #expect(left > 0 && left < total, "killed mid-target: \(left) of \(total) left")
        #expect(recorded == total - left, "whole batches, each recorded with it")
        let resumed = try fixture.run()
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try db.count("SELECT count(*) FROM audit_rows WHERE actor_id = 9") == 0)
        #expect(try db.count("SELECT sum(affected)::bigint FROM retention.request_batch_results WHERE target = 'user-audit'") == total)
        #expect(try db.checksum("(SELECT * FROM audit_rows WHERE actor_id IS DISTINCT FROM 9)") == others)
        #expect(try db.count("SELECT count(*) FROM users WHERE id = 9 AND pseudonymised_at IS NOT NULL") == 1)
        #expect(try requestReport(fixture, id).status == "done")
    }

    @Test("the erasure ledger removed while a request erases: no further batch, the request stays open, the run fails")
    func ledgerRemoved() throws {
        let fixture = try SubjectFixture.make("subjledger", extraSQL: "INSERT INTO audit_rows SELECT 1000 + g, 9, 'bulk ' || g FROM generate_series(1, 40000) g;")
        defer { fixture.drop() }
        let db = fixture.database
        let total = try db.count("SELECT count(*) FROM audit_rows WHERE actor_id = 9")
        let id = try fixture.add("email=user9@example.com")
        let running = try fixture.engine.start(["run", "--policy", fixture.policy, "--pseudonym-key-file", fixture.keyFile, "--batch-size", "50"])
        var waited = 0.0
        while try db.count("SELECT count(*) FROM retention.request_batch_results WHERE target = 'user-audit'") < 5, waited < 20 {
            Thread.sleep(forTimeInterval: 0.02)
            waited += 0.02
        }
        try FileManager.default.removeItem(atPath: fixture.engine.stateDirectory + "/erasures.jsonl")
        let result = running.wait()
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("was removed or replaced during the run"), "\(result.stdout)")
        let left = try db.count("SELECT count(*) FROM audit_rows WHERE actor_id = 9")
        #expect(left > 0 && left < total, "\(left) of \(total) left")
        #expect(try db.count("SELECT count(*) FROM retention.erasure_requests WHERE request_id = $1::bigint AND status = 'open'", [id]) == 1)
    }

    @Test("run needs the key when the policy has subjects; --request and --no-requests (or --tenant) exclude each other; an unknown request is exit 2")
    func options() throws {
        let fixture = try SubjectFixture.make("subjopts")
        defer { fixture.drop() }
        let noKey = try fixture.retention(["run", "--policy", fixture.policy])
        #expect(noKey.status == 2)
        #expect(noKey.stderr.contains("erasure requests need the pseudonym key"), "\(noKey.stderr)")
        #expect(try fixture.run(["--request", "1", "--no-requests"]).status == 2)
        // --request runs no rules, and --tenant narrows only rules: together they would do nothing.
        let withTenant = try fixture.run(["--request", "1", "--tenant", "1"])
        #expect(withTenant.status == 2, "\(withTenant.stdout)\(withTenant.stderr)")
        #expect(withTenant.stderr.contains("leave out --tenant"), "\(withTenant.stderr)")
        let unknown = try fixture.run(["--request", "77"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("erasure request 77 (--request) does not exist"), "\(unknown.stderr)")
        #expect(try fixture.retention(["run", "--policy", fixture.policy, "--no-requests"]).status == 0)
    }

    @Test("rows kept only because kept invoices reference them: the request is done, the receipt says until when, and once the billing rule deleted the invoices a later run erases them, exactly")
    func followUps() throws {
        let fixture = try SubjectFixture.make("subjfollow")
        defer { fixture.drop() }
        let db = fixture.database
        let keptMethods = try db.count("SELECT count(*) FROM payment_methods p WHERE user_id = 9 AND EXISTS (SELECT 1 FROM invoices i WHERE i.payment_method_id = p.id)")
        #expect(keptMethods > 0)
        let id = try fixture.add("email=user9@example.com")
        #expect(try fixture.run().status == 0)
        #expect(try db.count("SELECT count(*) FROM retention.erasure_requests WHERE status = 'done'") == 1)
        #expect(try db.count("SELECT count(*) FROM retention.erasure_followups WHERE target = 'payment-methods'") == keptMethods)
        #expect(try fixture.engineRowsContaining("user9@example.com") == 0)
        let receipt = try fixture.retention(["request", "receipt", id, "--format", "md"])
        let until = try db.connect().execute("SELECT kept_until FROM retention.request_target_results WHERE target = 'user-invoices'").requiredScalar()
        #expect(receipt.stdout.contains("kept because of a legal obligation: Bokföringslagen: kept 7 years after the financial year; \(keptMethods == 1 ? "it" : "they") will be erased by \(until)"), "\(receipt.stdout)")
        let freed = try db.count("SELECT affected FROM retention.request_target_results WHERE target = 'payment-methods'")
        // The billing rule deletes every invoice (all due by 2033); everyone's other payment methods stay.
        let others = try db.checksum("(SELECT t::text AS r FROM payment_methods t WHERE user_id <> 9)")
        let later = try fixture.run(["--as-of", "2033-06-01T00:00:00Z"])
        #expect(later.status == 0, "\(later.stderr)")
        #expect(try db.count("SELECT count(*) FROM invoices") == 0)
        #expect(try db.count("SELECT count(*) FROM payment_methods WHERE user_id = 9") == 0)
        #expect(try db.checksum("(SELECT t::text AS r FROM payment_methods t WHERE user_id <> 9)") == others)
        #expect(try db.count("SELECT count(*) FROM retention.erasure_followups") == 0)
        #expect(try db.count("SELECT sum(affected)::bigint FROM retention.request_batch_results WHERE request_id = $1::bigint AND target = 'payment-methods'", [id])
                == freed + keptMethods, "every row of the person's payment methods is counted for the request once")
    }
}
