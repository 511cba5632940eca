import Foundation
import Testing
import TestSupport

@Suite("The demo policy's subjects map on the demo data")
struct DemoSubjectsTests {
    @Test("an Owner's erasure request: content, check-ins, audit rows and the marketing contact erased, invoices kept under Bokföringslagen, the user row pseudonymised; a person not found: done")
    func ownerRequest() throws {
        let fixture = try EngineFixture.make("demosubjects", schemaSQL: "SELECT 1;")
        defer { fixture.drop() }
        let db = fixture.database
        let asOf = "2026-11-25T00:00:00Z"
        let policy = try fixture.loadDemo(asOf: asOf, scale: "0.02")
        let validate = try fixture.retention(["validate", "--policy", policy])
        #expect(validate.status == 0, "\(validate.stderr)")
        let owner = try db.connect().execute("""
            SELECT u.id::text, u.email FROM users u JOIN organizations o ON o.id = u.organization_id
            WHERE u.role = 'owner' AND o.terminated_at IS NULL AND u.removed_at IS NULL AND EXISTS (SELECT 1 FROM invoices i WHERE i.owner_user_id = u.id)
            ORDER BY u.id LIMIT 1
            """).rows[0]
        let (userID, email) = (owner[0]!, owner[1]!)
        let key = fixture.directory + "/key"
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: key))
        // The nightly rules first (the billing rule removes invoices past 7 years), then the requests.
        let rules = try fixture.retention(["run", "--as-of", asOf, "--pseudonym-key-file", key])
        #expect(rules.status == 0, "\(rules.stdout)\n\(rules.stderr)")
        let invoices = try db.checksum("(SELECT * FROM invoices WHERE owner_user_id = \(userID))")
        let invoiceCount = try db.count("SELECT count(*) FROM invoices WHERE owner_user_id = \(userID)")
        #expect(invoiceCount > 0)
        let found = try fixture.retention(["request", "add", "--policy", policy, "--subject", "email=\(email)", "--reference", "DSR-DEMO-1"])
        let missing = try fixture.retention(["request", "add", "--policy", policy, "--subject", "email=nobody@example.invalid"])
        #expect(found.status == 0 && missing.status == 0, "\(found.stderr)\(missing.stderr)")
        let run = try fixture.retention(["run", "--as-of", asOf, "--pseudonym-key-file", key])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        for table in ["comments", "check_ins", "audit_log"] {
            #expect(try db.count("SELECT count(*) FROM \(table) WHERE user_id = \(userID)") == 0, "\(table)")
        }
        #expect(try db.count("SELECT count(*) FROM marketing_contacts WHERE email = $1", [email]) == 0)
        #expect(try db.checksum("(SELECT * FROM invoices WHERE owner_user_id = \(userID))") == invoices)
        #expect(try db.count("SELECT count(*) FROM users WHERE id = \(userID) AND pseudonymised_at IS NOT NULL AND name IS NULL AND email <> $1", [email]) == 1)
        #expect(try db.count("SELECT count(*) FROM retention.erasure_requests WHERE status = 'done'") == 2)
        let receipt = try fixture.retention(["request", "receipt", found.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "--format", "md"])
        #expect(receipt.stdout.contains("\(invoiceCount) records kept because of a legal obligation: Bokföringslagen"), "\(receipt.stdout)")
        #expect(!receipt.stdout.contains(email))
    }
}
