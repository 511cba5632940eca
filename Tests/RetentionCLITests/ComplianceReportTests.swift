import Foundation
import Testing
import TestSupport

let reportSchema = """
    SET TimeZone = 'UTC';
    CREATE TABLE orgs (id int PRIMARY KEY, terminated_at timestamptz);
    CREATE TABLE notes (id int PRIMARY KEY, org_id int NOT NULL REFERENCES orgs, created_at timestamptz NOT NULL);
    CREATE TABLE contacts (id int PRIMARY KEY, org_id int NOT NULL, email text, left_at timestamptz, done_at timestamptz);
    INSERT INTO orgs VALUES (1, '2025-01-01'), (2, NULL);
    INSERT INTO notes SELECT g, 1 + g % 2, timestamptz '2024-01-01' + (g || ' days')::interval FROM generate_series(1, 400) g;
    INSERT INTO contacts SELECT g, 1 + g % 2, 'c' || g || '@example.com', CASE WHEN g % 3 = 0 THEN timestamptz '2024-06-01' END, NULL FROM generate_series(1, 90) g;
    """

let reportPolicy = """
    {"policy": "report", "tenants": {"table": "orgs", "key": "id", "terminatedAt": "terminated_at"}, "rules": [
      {"name": "notes", "category": "Content data", "basis": "Privacy Policy s.3", "table": "notes", "tenantColumn": "org_id",
       "due": {"after": "30 days", "from": "tenant.terminatedAt"}, "action": "delete"},
      {"name": "old-notes", "category": "Content data", "basis": "Privacy Policy s.4", "table": "notes", "tenantColumn": "org_id",
       "due": {"after": "6 months", "from": "created_at"}, "action": "delete"},
      {"name": "contacts", "category": "Marketing", "basis": "Privacy Policy s.8", "table": "contacts", "tenantColumn": "org_id",
       "due": {"after": "0 days", "from": "left_at"}, "action": "pseudonymise",
       "pseudonymise": {"columns": {"email": "redact"}, "marker": "done_at"}}]}
    """

@Suite("retention report", .serialized)
struct ComplianceReportTests {
    @Test("the report's numbers equal what the runs removed for the tenant, counted before the runs with plain SQL")
    func numbersMatch() throws {
        let fixture = try EngineFixture.make("report", schemaSQL: reportSchema)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy(reportPolicy)
        let tenant2OldNotes = try fixture.database.count("SELECT count(*) FROM notes WHERE org_id = 2 AND created_at < timestamptz '2024-06-15'")
        let tenant2Contacts = try fixture.database.count("SELECT count(*) FROM contacts WHERE org_id = 2 AND left_at IS NOT NULL")
        #expect(try fixture.retention(["run", "--as-of", "2024-12-15T00:00:00Z", "--rule", "old-notes", "--rule", "contacts"]).status == 0)
        let tenant2Later = try fixture.database.count("SELECT count(*) FROM notes WHERE org_id = 2 AND created_at < timestamptz '2024-08-15'")
        let between = try fixture.database.connect().execute("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')").requiredScalar()
        Thread.sleep(forTimeInterval: 0.05)
        #expect(try fixture.retention(["run", "--as-of", "2025-02-15T00:00:00Z"]).status == 0)
        for (range, expected) in [(["--to", between], tenant2OldNotes), (["--from", between], tenant2Later)] {
            let part = try fixture.retention(["report", "--tenant", "2", "--state-dir", fixture.stateDirectory] + range)
            let json = try JSONSerialization.jsonObject(with: Data(part.stdout.utf8)) as? [String: Any] ?? [:]
            let oldNotes = (json["rules"] as? [[String: Any]] ?? []).first { $0["rule"] as? String == "old-notes" }
            #expect(oldNotes?.int("rows") == expected, "\(range)")
        }
        let result = try fixture.retention(["report", "--tenant", "2", "--state-dir", fixture.stateDirectory, "--policy", policy])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        let rules = report["rules"] as? [[String: Any]] ?? []
        let rows = { (name: String) in rules.first { $0["rule"] as? String == name }?.int("rows") ?? 0 }
        #expect(rows("old-notes") == tenant2OldNotes + tenant2Later)
        #expect(rows("contacts") == tenant2Contacts)
        #expect(rows("notes") == 0)
        let contacts = rules.first { $0["rule"] as? String == "contacts" }
        #expect((contacts?["pseudonymisedColumns"] as? [[String: Any]])?.first?["strategy"] as? String == "redact")
        #expect(contacts?["basis"] as? String == "Privacy Policy s.8")
        #expect((report["integrity"] as? [String: Any])?["intact"] as? Bool == true)
        #expect(!result.stdout.contains("@example.com"))
    }

    @Test("--from later than --to (as instants, whatever the offsets) is refused, exit 2")
    func invertedPeriod() throws {
        let result = try CommandRunner.run(["report", "--tenant", "1", "--from", "2026-02-01T00:00:00Z", "--to", "2026-02-01T01:00:00+02:00",
                                            "--database-url", "postgresql://nobody@127.0.0.1:1/none"])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("retention: error: --from 2026-02-01T00:00:00Z is later than --to"), "\(result.stderr)")
    }

    @Test("a tampered or a missing run report is named in the integrity section")
    func integrity() throws {
        let fixture = try EngineFixture.make("reportchain", schemaSQL: reportSchema)
        defer { fixture.drop() }
        try fixture.writePolicy(reportPolicy)
        for asOf in ["2024-09-01T00:00:00Z", "2024-10-01T00:00:00Z", "2024-11-01T00:00:00Z"] {
            #expect(try fixture.retention(["run", "--as-of", asOf]).status == 0)
        }
        let reports = fixture.stateDirectory + "/reports"
        let names = try FileManager.default.contentsOfDirectory(atPath: reports).filter { $0.hasSuffix(".json") }.sorted()
        #expect(names.count == 3)
        let intact = try fixture.retention(["report", "--tenant", "1", "--state-dir", fixture.stateDirectory, "--format", "md"])
        #expect(intact.stdout.contains("Intact: 3 run reports checked"))

        // Tamper with the second report, remove the first.
        let second = reports + "/" + names[1]
        let text = try String(contentsOfFile: second, encoding: .utf8).replacingOccurrences(of: "\"affected\": ", with: "\"affected\": 1")
        try text.write(toFile: second, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: reports + "/" + names[0])
        let broken = try fixture.retention(["report", "--tenant", "1", "--state-dir", fixture.stateDirectory, "--format", "md"])
        #expect(broken.status == 0)
        #expect(broken.stdout.contains("NOT INTACT"))
        #expect(broken.stdout.contains("(\(names[1])) was changed after it was written"))
        #expect(broken.stdout.contains("does not follow \(names[1])"))
        #expect(broken.stdout.contains("report \(names[1]), the oldest here, follows a report"))
        let firstRun = String(names[0].dropLast(5).suffix(36))
        #expect(broken.stdout.contains("the report of run \(firstRun)"), "\(broken.stdout)")
        #expect(broken.stderr.contains("retention: warning:"))
    }

    @Test("the HTML report is one self-contained file with an inline chart and no scripts")
    func html() throws {
        let fixture = try EngineFixture.make("reporthtml", schemaSQL: reportSchema)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy(reportPolicy)
        #expect(try fixture.retention(["run", "--as-of", "2025-02-15T00:00:00Z"]).status == 0)
        let out = fixture.directory + "/report.html"
        let result = try fixture.retention(["report", "--tenant", "1", "--format", "html", "--out", out, "--state-dir", fixture.stateDirectory, "--policy", policy])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<svg"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("http://") || html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(!html.contains("https://"))
        #expect(html.contains("Privacy Policy s.3"))
        #expect(!html.contains("@example.com"))
    }
}

/// Renders the HTML report in a real headless browser when one is installed
/// (`apt-get install chromium`); the test is reported as skipped otherwise.
@Suite("The HTML report in a browser")
struct HTMLReportBrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test("headless Chromium loads it and finds the report's sections", .enabled(if: chromium != nil, "Chromium is not installed"))
    func rendersInChromium() throws {
        let fixture = try EngineFixture.make("reportbrowser", schemaSQL: reportSchema)
        defer { fixture.drop() }
        try fixture.writePolicy(reportPolicy)
        #expect(try fixture.retention(["run", "--as-of", "2025-02-15T00:00:00Z"]).status == 0)
        let out = fixture.directory + "/report.html"
        #expect(try fixture.retention(["report", "--tenant", "1", "--format", "html", "--out", out, "--state-dir", fixture.stateDirectory]).status == 0)
        let (status, dom) = try TestProcess.run(HTMLReportBrowserTests.chromium!, ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://" + out])
        #expect(status == 0)
        #expect(dom.contains("Data retention report for tenant 1"))
        #expect(dom.contains("<svg"))
        #expect(dom.contains("Integrity of the audit trail"))
    }
}
