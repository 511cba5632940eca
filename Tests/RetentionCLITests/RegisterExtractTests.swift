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
}
