import Foundation
import Testing
import TestSupport

@Suite("Erasure receipts, the run report's requests and the request metrics")
struct ReceiptTests {
    @Test("the receipt (JSON, Markdown, HTML) says per category what was erased, pseudonymised and kept, with basis and date, and holds none of the person's values; nor do the run report and the metrics")
    func receipt() throws {
        let fixture = try SubjectFixture.make("receipt")
        defer { fixture.drop() }
        let db = fixture.database
        let email = "user9@example.com"
        let content = try db.count("SELECT (SELECT count(*) FROM comments WHERE author_id = 9) + (SELECT count(*) FROM checkins WHERE user_id = 9)")
        let invoices = try db.count("SELECT count(*) FROM invoices WHERE owner_user_id = 9")
        let keptMethods = try db.count("SELECT count(*) FROM payment_methods p WHERE user_id = 9 AND EXISTS (SELECT 1 FROM invoices i WHERE i.payment_method_id = p.id)")
        let until = try db.connect().execute("SELECT to_char(max(date_trunc('year', issued_at::timestamptz) + interval '1 year') + interval '7 years', 'YYYY-MM-DD') FROM invoices WHERE owner_user_id = 9").requiredScalar()
        let personal = [email, "User 9\"", "User 9<", "User 9 "] + (try db.connect().execute("SELECT card_last4 FROM payment_methods WHERE user_id = 9").rows.map { "\"\($0[0]!)\"" })
        let id = try fixture.add("email=\(email)", ["--reference", "DSR-2026-9", "--received-at", "2026-02-01T00:00:00Z"])
        let metrics = fixture.engine.directory + "/metrics.prom"
        #expect(try fixture.run(["--metrics-file", metrics]).status == 0)

        let json = try fixture.retention(["request", "receipt", id])
        #expect(json.status == 0, "\(json.stderr)")
        let receipt = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(receipt["reference"] as? String == "DSR-2026-9")
        #expect(receipt["status"] as? String == "done")
        let categories = Dictionary(uniqueKeysWithValues: (receipt["categories"] as? [[String: Any]] ?? []).map { ($0["category"] as? String ?? "", $0["targets"] as? [[String: Any]] ?? []) })
        #expect(categories["Content data"]?.reduce(0) { $0 + $1.int("erased") } == content)
        let billing = categories["Billing data"] ?? []
        #expect(billing.first { $0["target"] as? String == "user-invoices" }?.int("kept") == invoices)
        #expect(billing.first { $0["target"] as? String == "user-invoices" }?["keptUntil"] as? String == until)
        #expect(billing.first { $0["target"] as? String == "payment-methods" }?.int("kept") == keptMethods)
        #expect(categories["Account and profile data"]?.first?.int("pseudonymised") == 1)
        #expect(categories["Marketing"]?.first?.int("erased") == 1)

        let md = try fixture.retention(["request", "receipt", id, "--format", "md"]).stdout
        #expect(md.contains("## Billing data"))
        #expect(md.contains("\(invoices) records kept because of a legal obligation: Bokföringslagen: kept 7 years after the financial year; they will be erased by \(until)"), "\(md)")
        let htmlPath = fixture.engine.directory + "/receipt.html"
        #expect(try fixture.retention(["request", "receipt", id, "--format", "html", "--out", htmlPath]).status == 0)
        let html = try String(contentsOfFile: htmlPath, encoding: .utf8)
        #expect(html.contains("<h2>Content data</h2>"))
        #expect(html.contains("\(content) records erased") || html.contains("records erased"))

        let report = try String(contentsOfFile: try latestReportPath(fixture), encoding: .utf8)
        let prom = try String(contentsOfFile: metrics, encoding: .utf8)
        for (name, text) in [("json", json.stdout), ("md", md), ("html", html), ("run report", report), ("metrics", prom)] {
            for value in personal { #expect(!text.contains(value), "\(name) holds \(value)") }
        }
        #expect(prom.contains("retention_erasure_requests_open{policy=\"subjects\"} 0"), "\(prom)")
        #expect(prom.contains("retention_erasure_requests_overdue{policy=\"subjects\"} 0"))
    }

    @Test("an overdue open request is counted in the metrics and listed by request list --overdue")
    func overdue() throws {
        let fixture = try SubjectFixture.make("overdue")
        defer { fixture.drop() }
        _ = try fixture.retention(["hold", "add", "--tenant", "5", "--reason", "Case 1", "--policy", fixture.policy])
        let late = try fixture.add("email=user9@example.com", ["--received-at", "2025-01-01T00:00:00Z"])
        _ = try fixture.add("email=user12@example.com")
        let held = try fixture.database.count("SELECT count(*) FROM comments WHERE author_id = 9 AND org_id = 5")
        #expect(held > 0)
        let metrics = fixture.engine.directory + "/metrics.prom"
        #expect(try fixture.run(["--metrics-file", metrics]).status == 0)
        let prom = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(prom.contains("retention_erasure_requests_open{policy=\"subjects\"} 1"), "\(prom)")
        #expect(prom.contains("retention_erasure_requests_overdue{policy=\"subjects\"} 1"), "\(prom)")
        let listed = try fixture.retention(["request", "list", "--overdue", "--format", "json"])
        let list = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(list.map { ($0["id"] as? NSNumber)?.stringValue } == [late])
    }

    @Test("headless Chromium loads the HTML receipt and finds its sections", .enabled(if: HTMLReportBrowserTests.chromium != nil, "Chromium is not installed"))
    func rendersInChromium() throws {
        let fixture = try SubjectFixture.make("receiptbrowser")
        defer { fixture.drop() }
        let id = try fixture.add("email=user9@example.com", ["--reference", "DSR-1"])
        #expect(try fixture.run().status == 0)
        let out = fixture.engine.directory + "/receipt.html"
        #expect(try fixture.retention(["request", "receipt", id, "--format", "html", "--out", out]).status == 0)
        let (status, dom) = try TestProcess.run(HTMLReportBrowserTests.chromium!, ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://" + out])
        #expect(status == 0)
        #expect(dom.contains("Answer to your erasure request DSR-1"))
        #expect(dom.contains("Billing data"))
    }

    private func latestReportPath(_ fixture: SubjectFixture) throws -> String {
        let reports = fixture.engine.stateDirectory + "/reports"
        let last = try FileManager.default.contentsOfDirectory(atPath: reports).filter { $0.hasSuffix(".json") }.sorted().last ?? ""
        return reports + "/" + last
    }
}
