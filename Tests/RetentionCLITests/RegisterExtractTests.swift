import Foundation
import Testing
import TestSupport

@Suite("Register extracts")
struct RegisterExtractTests {
    @Test("extract lists every matching row of every target, all columns, grouped by target with category and basis; --out is mode 0600; nothing changes")
    func extract() throws {
        let fixture = try SubjectFixture.make("extract")
        defer { fixture.drop() }
        let db = fixture.database
        let expected: [String: String] = [
            "user-comments": "SELECT id FROM comments WHERE author_id IN (41, 42)",
            "user-checkins": "SELECT id FROM checkins WHERE user_id IN (41, 42)",
            "user-audit": "SELECT id FROM audit_rows WHERE actor_id IN (41, 42)",
            "payment-methods": "SELECT id FROM payment_methods WHERE user_id IN (41, 42)",
            "user-invoices": "SELECT id FROM invoices WHERE owner_user_id IN (41, 42)",
            "newsletter": "SELECT id FROM marketing_contacts WHERE email = 'shared@example.com'",
            "user-account": "SELECT id FROM users WHERE id IN (41, 42)",
        ]
        var ids: [String: [Int]] = [:]
        for (target, sql) in expected {
            ids[target] = try db.connect().execute(sql + " ORDER BY id").rows.map { Int($0[0]!)! }
        }
        let body = try db.connect().execute("SELECT body FROM comments WHERE author_id = 41 ORDER BY id LIMIT 1").requiredScalar()
        let before = try fixture.checksums()
        let out = fixture.engine.directory + "/extract.json"
        let result = try fixture.retention(["extract", "--policy", fixture.policy, "--subject", "email=shared@example.com", "--out", out])
        #expect(result.status == 0, "\(result.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: out)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any] ?? [:]
        let targets = document["targets"] as? [[String: Any]] ?? []
        #expect(Set(targets.compactMap { $0["name"] as? String }) == Set(expected.keys))
        for target in targets {
            let name = target["name"] as? String ?? ""
            let rows = target["rows"] as? [[String: Any]] ?? []
            #expect(rows.compactMap { ($0["id"] as? NSNumber)?.intValue } == ids[name], "\(name)")
        }
        let invoices = targets.first { $0["name"] as? String == "user-invoices" }
        #expect(invoices?["basis"] as? String == "Bokföringslagen: kept 7 years after the financial year")
        #expect(invoices?["category"] as? String == "Billing data")
        let comments = targets.first { $0["name"] as? String == "user-comments" }?["rows"] as? [[String: Any]]
        #expect(comments?.first?["body"] as? String == body, "all columns")
        #expect(try fixture.checksums() == before)
        let unknown = try fixture.retention(["extract", "--policy", fixture.policy, "--subject", "phone=1"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("--subject names column \"phone\""))
    }

    @Test("extract --format html: the person's page holds exactly the JSON extract's rows (every field), is mode 0600, and loads in headless Chromium with its tables",
          .enabled(if: HTMLReportBrowserTests.chromium != nil, "Chromium is not installed"))
    func html() throws {
        let fixture = try SubjectFixture.make("extracthtml")
        defer { fixture.drop() }
        let db = fixture.database
        // An HTML-looking value in a comment: shown as text, never as markup.
        try db.connect().execute("UPDATE comments SET body = '<b>bold</b> & more' WHERE id = (SELECT min(id) FROM comments WHERE author_id = 9)")
        let out = fixture.engine.directory + "/extract.html"
        let result = try fixture.retention(["extract", "--policy", fixture.policy, "--subject", "email=user9@example.com", "--format", "html", "--out", out])
        #expect(result.status == 0, "\(result.stderr)")
        #expect((try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let (status, dom) = try TestProcess.run(HTMLReportBrowserTests.chromium!, ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://" + out])
        #expect(status == 0)
        // The rows plain SQL finds for user 9, as table rows of the page.
        let expectedRows = try db.count("""
            SELECT (SELECT count(*) FROM comments WHERE author_id = 9) + (SELECT count(*) FROM checkins WHERE user_id = 9)
                 + (SELECT count(*) FROM audit_rows WHERE actor_id = 9) + (SELECT count(*) FROM payment_methods WHERE user_id = 9)
                 + (SELECT count(*) FROM invoices WHERE owner_user_id = 9) + (SELECT count(*) FROM marketing_contacts WHERE email = 'user9@example.com')
                 + (SELECT count(*) FROM users WHERE id = 9)
            """)
        let bodyRows = dom.components(separatedBy: "<tbody>").dropFirst().map { $0.components(separatedBy: "</tbody>")[0].components(separatedBy: "<tr>").count - 1 }
        #expect(bodyRows.reduce(0, +) == Int(expectedRows), "\(bodyRows)")
        #expect(dom.contains("&lt;b&gt;bold&lt;/b&gt; &amp; more") && !dom.contains("<b>bold</b>"))
        let body = try db.connect().execute("SELECT body FROM comments WHERE author_id = 9 AND id <> (SELECT min(id) FROM comments WHERE author_id = 9) ORDER BY id LIMIT 1").requiredScalar()
        #expect(dom.contains(body), "every field")
        #expect(dom.contains("Billing data") && dom.contains("The data we hold about you"))
        // Nobody else's e-mail is on the page.
        #expect(try db.connect().execute("SELECT email FROM users WHERE id <> 9").rows.allSatisfy { !dom.contains($0[0]! + "<") })
    }
}
