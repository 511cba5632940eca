import Foundation
import Testing
import TestSupport

@Suite("Erasure requests: add, list, plan, extend, cancel")
struct RequestCommandTests {
    @Test("add prints the id; list (text and JSON) shows status, deadline and days left but never the value; events record who")
    func addAndList() throws {
        let fixture = try SubjectFixture.make("reqadd")
        defer { fixture.drop() }
        let id = try fixture.add("email=user9@example.com", ["--reference", "TICKET-9", "--received-at", "2026-01-31T10:00:00Z", "--by", "dpo"])
        let expectedDeadline = try fixture.database.connect().execute(
            "SELECT to_char((timestamptz '2026-01-31 10:00:00+00' + interval '1 month') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')").requiredScalar()
        let json = try fixture.retention(["request", "list", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let list = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(list.count == 1)
        #expect(list.first?["id"] as? Int == Int(id))
        #expect(list.first?["status"] as? String == "open")
        #expect(list.first?["deadline"] as? String == expectedDeadline)
        #expect(list.first?["reference"] as? String == "TICKET-9")
        #expect(list.first?["overdue"] as? Bool == true)
        let text = try fixture.retention(["request", "list"])
        #expect(text.stdout.contains("OVERDUE"), "\(text.stdout)")
        for output in [json.stdout, text.stdout] { #expect(!output.contains("user9@example.com")) }
        let overdue = try fixture.retention(["request", "list", "--overdue", "--format", "json"])
        #expect((try JSONSerialization.jsonObject(with: Data(overdue.stdout.utf8)) as? [Any])?.count == 1)
        #expect(try fixture.database.count("SELECT count(*) FROM retention.erasure_request_events WHERE event = 'added' AND acted_by = 'dpo'") == 1)

        let fresh = try fixture.add("id=12")
        let days = try fixture.database.count("SELECT floor(extract(epoch FROM received_at + interval '1 month' - now()) / 86400)::bigint FROM retention.erasure_requests WHERE request_id = $1::bigint", [fresh])
        let all = try JSONSerialization.jsonObject(with: Data(try fixture.retention(["request", "list", "--format", "json"]).stdout.utf8)) as? [[String: Any]] ?? []
        #expect(all.first { $0["id"] as? Int == Int(fresh) }?["daysLeft"] as? Int == Int(days))
    }

    @Test("a bad subject column, value, category or reason is one line, exit 2, nothing recorded", arguments: [
        (["--subject", "phone=123"], "--subject names column \"phone\""),
        (["--subject", "id=abc"], "--subject value does not read back unchanged as bigint"),
        (["--subject", "email"], "must be NAME=VALUE"),
        (["--subject", "email=a@b", "--category", "Gossip"], "--category \"Gossip\" is not a category"),
    ])
    func badAdd(arguments: [String], message: String) throws {
        let fixture = try SubjectFixture.make("reqbad")
        defer { fixture.drop() }
        let result = try fixture.retention(["request", "add", "--policy", fixture.policy] + arguments)
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM retention.erasure_requests") == 0)
    }

    @Test("extend adds two months once, with the reason; cancel needs the key and leaves only the value's HMAC")
    func extendAndCancel() throws {
        let fixture = try SubjectFixture.make("reqext")
        defer { fixture.drop() }
        let id = try fixture.add("email=user9@example.com", ["--received-at", "2026-03-31T00:00:00Z"])
        let expected = try fixture.database.connect().execute(
            "SELECT to_char((timestamptz '2026-03-31 00:00:00+00' + interval '1 month' + interval '2 months') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')").requiredScalar()
        let extended = try fixture.retention(["request", "extend", id, "--reason", "considerable effort: 4 systems", "--by", "dpo"])
        #expect(extended.status == 0, "\(extended.stderr)")
        #expect(extended.stdout.contains(expected), "\(extended.stdout) vs \(expected)")
        let again = try fixture.retention(["request", "extend", id, "--reason", "more"])
        #expect(again.status == 2)
        #expect(again.stderr.contains("already extended"))
        #expect(try fixture.database.count("SELECT count(*) FROM retention.erasure_request_events WHERE event = 'extended' AND reason = 'considerable effort: 4 systems' AND acted_by = 'dpo'") == 1)

        let before = try fixture.checksums().prefix(8)
        let noKey = try fixture.retention(["request", "cancel", id, "--reason", "withdrawn"])
        #expect(noKey.status == 2)
        #expect(noKey.stderr.contains("--pseudonym-key-file is required"))
        let cancelled = try fixture.retention(["request", "cancel", id, "--reason", "withdrawn by the person", "--pseudonym-key-file", fixture.keyFile])
        #expect(cancelled.status == 0, "\(cancelled.stderr)")
        #expect(try fixture.database.count("""
            SELECT count(*) FROM retention.erasure_requests WHERE request_id = $1::bigint AND status = 'cancelled' AND subject_value IS NULL
              AND subject_hmac = expected_hmac(convert_to('user9@example.com', 'UTF8'), decode('\(fixture.keyHex)', 'hex'))
            """, [id]) == 1)
        #expect(try fixture.engineRowsContaining("user9@example.com") == 0)
        #expect(Array(try fixture.checksums().prefix(8)) == Array(before), "cancel touches no data")
        #expect(try fixture.retention(["request", "cancel", id, "--reason", "x", "--pseudonym-key-file", fixture.keyFile]).status == 2)
    }

    @Test("plan counts per target exactly what plain SQL finds, with basis and until when for kept rows, and changes nothing")
    func plan() throws {
        let fixture = try SubjectFixture.make("reqplan")
        defer { fixture.drop() }
        let id = try fixture.add("email=user9@example.com")
        let db = fixture.database
        let comments = try db.count("SELECT count(*) FROM comments WHERE author_id = 9")
        let checkins = try db.count("SELECT count(*) FROM checkins WHERE user_id = 9")
        let audit = try db.count("SELECT count(*) FROM audit_rows WHERE actor_id = 9")
        let keptMethods = try db.count("SELECT count(*) FROM payment_methods p WHERE user_id = 9 AND EXISTS (SELECT 1 FROM invoices i WHERE i.payment_method_id = p.id)")
        let methods = try db.count("SELECT count(*) FROM payment_methods WHERE user_id = 9")
        let invoices = try db.count("SELECT count(*) FROM invoices WHERE owner_user_id = 9")
        let until = try db.connect().execute("SELECT to_char(max(date_trunc('year', issued_at::timestamptz) + interval '1 year') + interval '7 years', 'YYYY-MM-DD') FROM invoices WHERE owner_user_id = 9").requiredScalar()
        #expect(comments > 0 && checkins > 0 && audit > 0 && keptMethods > 0 && methods > keptMethods && invoices > 0)
        let before = try fixture.checksums()
        let result = try fixture.retention(["request", "plan", id, "--policy", fixture.policy, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let plan = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        let targets = Dictionary(uniqueKeysWithValues: (plan["targets"] as? [[String: Any]] ?? []).map { ($0["name"] as? String ?? "", $0) })
        #expect(targets["user-comments"]?.int("pending") == comments)
        #expect(targets["user-checkins"]?.int("pending") == checkins)
        #expect(targets["user-audit"]?.int("pending") == audit)
        #expect(targets["payment-methods"]?.int("pending") == methods - keptMethods)
        #expect(targets["payment-methods"]?.int("kept") == keptMethods)
        #expect(targets["payment-methods"]?["basis"] as? String == "Bokföringslagen: kept 7 years after the financial year")
        #expect(targets["user-invoices"]?.int("kept") == invoices)
        #expect(targets["user-invoices"]?["keptUntil"] as? String == until)
        #expect(targets["newsletter"]?.int("pending") == 1)
        #expect(targets["user-account"]?.int("pending") == 1)
        #expect(!result.stdout.contains("user9@example.com"))
        let text = try fixture.retention(["request", "plan", id, "--policy", fixture.policy])
        #expect(text.stdout.contains("user-invoices [Billing data]: keep \(invoices) (Bokföringslagen: kept 7 years after the financial year) until \(until)"), "\(text.stdout)")
        // A line for the request and one per target (the separators were once escaped into one line).
        #expect(text.stdout.split(separator: "\n").count == 1 + targets.count && !text.stdout.contains("\\n"), "\(text.stdout)")
        #expect(try fixture.checksums() == before)
    }
}
