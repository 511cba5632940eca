import Foundation
import Testing
import TestSupport

private let auditSchema = """
    SET TimeZone = 'UTC';
    CREATE TABLE orgs (id int PRIMARY KEY, terminated_at timestamptz);
    INSERT INTO orgs SELECT g, NULL FROM generate_series(1, 4) g;
    -- "events": its table is locked for the run, so the rule fails and its due rows stay.
    CREATE TABLE events (id int PRIMARY KEY, created_at timestamptz NOT NULL);
    INSERT INTO events SELECT g, timestamptz '2025-09-01' + (g || ' hours')::interval FROM generate_series(1, 2400) g;
    -- "customers": closed customers whose orders (not due) still reference them.
    CREATE TABLE customers (id int PRIMARY KEY, closed_at timestamptz);
    INSERT INTO customers SELECT g, timestamptz '2025-06-01' + (g || ' days')::interval FROM generate_series(1, 10) g;
    CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers, created_at timestamptz NOT NULL);
    INSERT INTO orders SELECT g, 1 + g % 4, timestamptz '2025-11-01' FROM generate_series(1, 8) g;
    -- "notes": tenant 2 is under a legal hold.
    CREATE TABLE notes (id int PRIMARY KEY, org_id int NOT NULL REFERENCES orgs, created_at timestamptz NOT NULL);
    INSERT INTO notes SELECT g, 1 + g % 4, timestamptz '2025-08-01' + (g || ' hours')::interval FROM generate_series(1, 400) g;
    -- "fresh": nothing is due.
    CREATE TABLE fresh (id int PRIMARY KEY, created_at timestamptz NOT NULL);
    INSERT INTO fresh SELECT g, timestamptz '2025-11-20' FROM generate_series(1, 50) g;
    -- The people erasure requests name.
    CREATE TABLE people (id int PRIMARY KEY, email text);
    INSERT INTO people SELECT g, 'p' || g || '@example.com' FROM generate_series(1, 5) g;
    """

private func auditPolicy(directory: String) -> String {
    """
    {"policy": "audit", "tenants": {"table": "orgs", "key": "id", "terminatedAt": "terminated_at"}, "rules": [
      {"name": "events", "table": "events", "due": {"after": "30 days", "from": "created_at"}, "action": "delete"},
      {"name": "orders", "table": "orders", "due": {"after": "1 year", "from": "created_at"}, "action": "delete"},
      {"name": "customers", "table": "customers", "due": {"after": "30 days", "from": "closed_at"}, "action": "delete"},
      {"name": "notes", "table": "notes", "tenantColumn": "org_id", "due": {"after": "30 days", "from": "created_at"}, "action": "delete"},
      {"name": "fresh", "table": "fresh", "due": {"after": "30 days", "from": "created_at"}, "action": "delete"},
      {"name": "dumps", "due": {"after": "7 days", "from": "file.modified"}, "action": "purge-files",
       "files": {"directory": "\(directory)", "glob": "*.dump"}}],
     "subjects": {"table": "people", "key": "id", "identifiers": ["email"], "targets": [
       {"name": "people", "category": "Accounts", "table": "people", "match": {"id": "id"}, "action": "delete"}]}}
    """
}

@Suite("Audit: is anything kept past its period")
struct AuditTests {
    static let asOf = "2025-12-01T00:00:00Z"
    /// The instant rows must have been due at to be overdue: asOf minus the default grace of 2 days.
    static let judged = "(timestamptz '2025-12-01 00:00:00+00' - interval '2 days')"

    /// The counts and the earliest due instant of `filter` over `table`, in plain SQL, with the
    /// instant formatted as the audit writes it.
    static func expected(_ database: TestDatabase, _ table: String, anchor: String, after: String, filter: String)
        throws -> (rows: Int64, since: String?, days: Int64?, seconds: Int64?) {
        let row = try database.connect().execute("""
            SELECT count(*), to_char((min(\(anchor)) + interval '\(after)') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                   floor(extract(epoch FROM (timestamptz '2025-12-01 00:00:00+00' - (min(\(anchor)) + interval '\(after)'))) / 86400)::bigint,
                   extract(epoch FROM (timestamptz '2025-12-01 00:00:00+00' - (min(\(anchor)) + interval '\(after)')))::bigint
            FROM \(table) WHERE \(anchor) < \(judged) - interval '\(after)' AND \(filter)
            """).rows[0]
        return (Int64(row[0]!)!, row[1], row[2].flatMap { Int64($0) }, row[3].flatMap { Int64($0) })
    }

    @Test("a failed rule, blocked rows, a held tenant, a request past its deadline and an old backup file: every count, overdueSince, verdict and the exit code as plain SQL computes them")
    func promisesAgainstPlainSQL() throws {
        let fixture = try EngineFixture.make("audit", schemaSQL: auditSchema)
        defer { fixture.drop() }
        let dumps = fixture.directory + "/dumps"
        try FileManager.default.createDirectory(atPath: dumps, withIntermediateDirectories: true)
        let policy = try fixture.writePolicy(auditPolicy(directory: dumps))
        let database = fixture.database
        #expect(try fixture.retention(["hold", "add", "--tenant", "2", "--reason", "Case 7", "--policy", policy, "--by", "lawyer"]).status == 0)
        let request = try fixture.retention(["request", "add", "--policy", policy, "--subject", "id=3", "--received-at", "2025-10-15T12:00:00Z"])
        #expect(request.status == 0, "\(request.stderr)")

        // The night's run, with events locked by the application for all of it.
        let app = try database.connect()
        try app.execute("BEGIN")
        try app.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
        let run = try fixture.retention(["run", "--as-of", Self.asOf, "--no-requests", "--max-runtime", "5s"])
        try app.execute("ROLLBACK")
        #expect(run.status == 1, "the run: \(run.stderr)")
        // After the run, an old dump and a new one.
        for (name, days) in [("old.dump", 20.0), ("new.dump", 1.0)] {
            let path = dumps + "/" + name
            try Data("x".utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_764_547_200 - days * 86400)], ofItemAtPath: path)
        }

        let events = try Self.expected(database, "events", anchor: "created_at", after: "30 days", filter: "true")
        let blocked = try Self.expected(database, "customers", anchor: "closed_at", after: "30 days",
                                        filter: "EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = customers.id)")
        let customersLeft = try Self.expected(database, "customers", anchor: "closed_at", after: "30 days", filter: "true")
        let held = try Self.expected(database, "notes", anchor: "created_at", after: "30 days", filter: "org_id = 2")
        let notesLeft = try Self.expected(database, "notes", anchor: "created_at", after: "30 days", filter: "true")
        let fresh = try Self.expected(database, "fresh", anchor: "created_at", after: "30 days", filter: "true")
        #expect(events.rows > 0 && blocked.rows > 0 && held.rows > 0 && fresh.rows == 0)
        #expect(customersLeft.rows == blocked.rows && notesLeft.rows == held.rows, "the run left only blocked and held rows")
        let deadline = try database.connect().execute("""
            SELECT to_char(deadline AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                   floor(extract(epoch FROM (timestamptz '2025-12-01 00:00:00+00' - deadline)) / 86400)::bigint
            FROM retention.erasure_requests WHERE status = 'open'
            """).rows[0]

        let metrics = fixture.directory + "/audit.prom"
        let result = try fixture.retention(["audit", "--policy", policy, "--as-of", Self.asOf, "--format", "json", "--metrics-file", metrics])
        #expect(result.status == 1, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["asOf"] as? String == "2025-12-01T00:00:00.000000Z")
        #expect(report["grace"] as? String == "2 days")
        let promises = try #require(report["promises"] as? [[String: Any]])
        func promise(_ name: String) throws -> [String: Any] { try #require(promises.first { $0["name"] as? String == name }, "\(name)") }
        func overdue(_ name: String) throws -> [Int64] {
            let counts = try #require(try promise(name)["overdue"] as? [String: Any])
            return ["held", "blocked", "pending"].map { counts.int($0) }
        }
        #expect(try overdue("events") == [0, 0, events.rows])
        #expect(try promise("events")["overdueSince"] as? String == events.since)
        #expect(try promise("events").int("overdueDays") == events.days)
        #expect(try promise("events")["verdict"] as? String == "broken")
        // Why: the rule failed as it started (its table locked) in the run, which the audit names:
        // a failure as a rule starts is recorded in retention.rule_results like any rule's end.
        #expect(try fixture.ruleReport("events")["status"] as? String == "failed")
        let eventsRun = try #require(try promise("events")["lastRun"] as? [String: Any])
        #expect(eventsRun["runStatus"] as? String != "ok" && eventsRun["status"] as? String == "failed", "\(eventsRun)")
        #expect((eventsRun["error"] as? String)?.isEmpty == false, "\(eventsRun)")
        #expect((try promise("fresh")["lastRun"] as? [String: Any])?["status"] as? String == "ok")
        #expect(try overdue("customers") == [0, blocked.rows, 0])
        #expect(try promise("customers")["overdueSince"] as? String == blocked.since)
        #expect(try promise("customers")["blockedBy"] as? [String] == ["orders_customer_id_fkey"])
        #expect(try promise("customers")["verdict"] as? String == "broken")
        #expect(try overdue("notes") == [held.rows, 0, 0])
        #expect(try promise("notes")["overdueSince"] as? String == held.since)
        #expect(try promise("notes")["verdict"] as? String == "held")
        #expect(try overdue("fresh") == [0, 0, 0])
        #expect(try promise("fresh")["overdueSince"] is NSNull)
        #expect(try promise("fresh")["verdict"] as? String == "kept")
        #expect(try overdue("orders") == [0, 0, 0])
        #expect(try overdue("erasure-requests") == [0, 0, 1])
        #expect(try promise("erasure-requests")["kind"] as? String == "requests")
        #expect(try promise("erasure-requests")["overdueSince"] as? String == deadline[0])
        #expect(try promise("erasure-requests").int("overdueDays") == Int64(deadline[1]!))
        #expect(try overdue("dumps") == [0, 0, 1])
        #expect(try promise("dumps")["kind"] as? String == "files")
        #expect(try promise("dumps")["overdueSince"] as? String == "2025-11-18T00:00:00.000000Z")
        #expect(try promise("dumps").int("overdueDays") == 13)

        // One line on stderr per broken promise, each naming it.
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(result.stderr)")
        for name in ["events", "customers", "erasure-requests", "dumps"] {
            #expect(lines.contains { $0.hasPrefix("retention: error: broken \(name): ") }, "\(name): \(result.stderr)")
        }
        let text = try fixture.retention(["audit", "--policy", policy, "--as-of", Self.asOf])
        #expect(text.stdout.split(separator: "\n").map { String($0.prefix { $0 != ":" }) }.sorted()
            == ["broken customers", "broken dumps", "broken erasure-requests", "broken events", "held notes"])
        let prom = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(prom.contains("retention_promise_broken{policy=\"audit\",kind=\"rule\",name=\"events\"} 1"))
        #expect(prom.contains("retention_promise_broken{policy=\"audit\",kind=\"rule\",name=\"notes\"} 0"))
        #expect(prom.contains("retention_promise_overdue_rows{policy=\"audit\",kind=\"rule\",name=\"customers\",reason=\"blocked\"} \(blocked.rows)"))
        #expect(prom.contains("retention_promise_overdue_since_seconds{policy=\"audit\",kind=\"rule\",name=\"events\"} \(try #require(events.seconds))"), "\(prom)")
        #expect(prom.contains("retention_promise_overdue_since_seconds{policy=\"audit\",kind=\"rule\",name=\"fresh\"} 0"))

        // The Owner's report says what of the tenant is kept past its period, from the same computation (as of now).
        let heldNow = try database.count("SELECT count(*) FROM notes WHERE org_id = 2 AND created_at < now() - interval '2 days' - interval '30 days'")
        let owner = try fixture.retention(["report", "--tenant", "2", "--policy", policy, "--state-dir", fixture.stateDirectory, "--format", "json"])
        #expect(owner.status == 0, "\(owner.stderr)")
        let ownerReport = try #require(try JSONSerialization.jsonObject(with: Data(owner.stdout.utf8)) as? [String: Any])
        let kept = try #require((ownerReport["keptPastPeriod"] as? [String: Any])?["promises"] as? [[String: Any]])
        #expect(kept.count == 1 && kept.first?["name"] as? String == "notes" && kept.first?["verdict"] as? String == "held")
        #expect((kept.first?["overdue"] as? [String: Any])?.int("held") == heldNow)
        let markdown = try fixture.retention(["report", "--tenant", "2", "--policy", policy, "--state-dir", fixture.stateDirectory, "--format", "md"])
        #expect(markdown.stdout.contains("## Kept past its period"))
        #expect(markdown.stdout.contains("- rule notes: \(heldNow) rows kept past their period since "), "\(markdown.stdout)")
        let clean = try fixture.retention(["report", "--tenant", "1", "--policy", policy, "--state-dir", fixture.stateDirectory, "--format", "md"])
        #expect(clean.stdout.contains("Nothing of this tenant is kept past its period (as of "), "\(clean.stdout)")

        // The audit changed nothing.
        #expect(try database.count("SELECT count(*) FROM events WHERE created_at < \(Self.judged) - interval '30 days'") == events.rows)
        #expect(FileManager.default.fileExists(atPath: dumps + "/old.dump"))
    }

    @Test("the grace decides: rows due for a day are overdue with 12 hours of grace, not with the default 2 days; nothing overdue exits 0")
    func graceAndNothingOverdue() throws {
        let fixture = try EngineFixture.make("auditgrace", schemaSQL: """
            SET TimeZone = 'UTC';
            CREATE TABLE logs (id int PRIMARY KEY, created_at timestamptz NOT NULL);
            INSERT INTO logs SELECT g, timestamptz '2025-10-31' - (g || ' minutes')::interval FROM generate_series(1, 60) g;
            """)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy("""
            {"policy": "grace", "rules": [{"name": "logs", "table": "logs", "due": {"after": "30 days", "from": "created_at"}, "action": "delete"}]}
            """)
        // Due from 2025-11-29T23:00 (the oldest row) to 23:59 (the newest); the audit is a day later.
        let kept = try fixture.retention(["audit", "--policy", policy, "--as-of", "2025-12-01T00:00:00Z", "--format", "json"])
        #expect(kept.status == 0, "\(kept.stderr)")
        #expect(kept.stderr.isEmpty)
        #expect(kept.stdout.contains("\"verdict\": \"kept\""), "\(kept.stdout)")
        let broken = try fixture.retention(["audit", "--policy", policy, "--as-of", "2025-12-01T00:00:00Z", "--grace", "12 hours"])
        #expect(broken.status == 1)
        #expect(broken.stdout == "broken logs: 60 rows overdue (0 held, 0 blocked, 60 pending) since 2025-11-29T23:00:00.000000Z (1 day); no run recorded this rule\n")
        let metrics = fixture.directory + "/eu.prom"
        #expect(try fixture.retention(["audit", "--policy", policy, "--as-of", "2025-12-01T00:00:00Z", "--metrics-file", metrics, "--metrics-database", "eu"]).status == 0)
        #expect(try String(contentsOfFile: metrics, encoding: .utf8).contains("retention_promise_broken{database=\"eu\",policy=\"grace\",kind=\"rule\",name=\"logs\"} 0"))
        let bad = try fixture.retention(["audit", "--policy", policy, "--grace", "soon"])
        #expect(bad.status == 2)
        #expect(bad.stderr.hasPrefix("retention: error: invalid value \"soon\" for option --grace"), "\(bad.stderr)")
    }
}

/// The audit's and the schedule's HTML rendered by a real headless browser, as the Owner
/// report's is (`HTMLReportBrowserTests`); skipped without Chromium.
@Suite("The audit and schedule HTML in a browser")
struct AuditHTMLBrowserTests {
    @Test("headless Chromium loads the audit and finds each promise with its verdict", .enabled(if: HTMLReportBrowserTests.chromium != nil, "Chromium is not installed"))
    func auditInChromium() throws {
        let fixture = try EngineFixture.make("audithtml", schemaSQL: """
            CREATE TABLE logs (id int PRIMARY KEY, created_at timestamptz NOT NULL);
            INSERT INTO logs SELECT g, timestamptz '2025-01-01' FROM generate_series(1, 5) g;
            CREATE TABLE fresh (id int PRIMARY KEY, created_at timestamptz NOT NULL);
            """)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy("""
            {"policy": "html", "rules": [{"name": "logs", "table": "logs", "due": {"after": "30 days", "from": "created_at"}, "action": "delete"},
              {"name": "fresh", "table": "fresh", "due": {"after": "30 days", "from": "created_at"}, "action": "delete"}]}
            """)
        let out = fixture.directory + "/audit.html"
        #expect(try fixture.retention(["audit", "--policy", policy, "--as-of", "2025-12-01T00:00:00Z", "--format", "html", "--out", out]).status == 1)
        let (status, dom) = try TestProcess.run(HTMLReportBrowserTests.chromium!, ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://" + out])
        #expect(status == 0)
        #expect(dom.contains("<h1>Retention audit: html</h1>"))
        #expect(dom.contains("<tr class=\"broken\"><td>broken</td><td>rule</td><td>logs</td><td class=\"n\">0</td><td class=\"n\">0</td><td class=\"n\">5</td>"), "\(dom)")
        #expect(dom.contains("<tr class=\"kept\"><td>kept</td><td>rule</td><td>fresh</td>"))
        #expect(dom.contains("<li class=\"broken\">broken logs: 5 rows overdue"))
    }

    @Test("headless Chromium loads the Owner report with its section \"Kept past its period\"", .enabled(if: HTMLReportBrowserTests.chromium != nil, "Chromium is not installed"))
    func ownerReportInChromium() throws {
        let fixture = try EngineFixture.make("auditowner", schemaSQL: """
            CREATE TABLE orgs (id int PRIMARY KEY, terminated_at timestamptz);
            INSERT INTO orgs VALUES (1, NULL), (2, NULL);
            CREATE TABLE logs (id int PRIMARY KEY, org_id int NOT NULL, created_at timestamptz NOT NULL);
            INSERT INTO logs SELECT g, 1 + g % 2, timestamptz '2020-01-01 00:00:00+00' FROM generate_series(1, 6) g;
            """)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy("""
            {"policy": "owner", "tenants": {"table": "orgs", "key": "id", "terminatedAt": "terminated_at"},
             "rules": [{"name": "logs", "table": "logs", "tenantColumn": "org_id", "due": {"after": "30 days", "from": "created_at"}, "action": "delete"}]}
            """)
        #expect(try fixture.retention(["hold", "add", "--tenant", "2", "--reason", "Case 9", "--policy", policy, "--by", "lawyer"]).status == 0)
        let out = fixture.directory + "/owner.html"
        let report = try fixture.retention(["report", "--tenant", "2", "--policy", policy, "--format", "html", "--out", out, "--state-dir", fixture.stateDirectory])
        #expect(report.status == 0, "\(report.stderr)")
        let (status, dom) = try TestProcess.run(HTMLReportBrowserTests.chromium!, ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://" + out])
        #expect(status == 0)
        #expect(dom.contains("<h2>Kept past its period</h2>"))
        #expect(dom.contains("<li>rule logs: 3 rows kept past their period since 2020-01-31T00:00:00.000000Z"), "\(dom)")
        #expect(dom.contains(": 3 under a legal hold.</li>"))
    }

    @Test("headless Chromium loads the schedule and finds each category's sentence and the record of processing", .enabled(if: HTMLReportBrowserTests.chromium != nil, "Chromium is not installed"))
    func scheduleInChromium() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("retention-schedule-\(getpid()).html").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try CommandRunner.run(["schedule", "--policy", Repository.root + "/Jobs/okrnest-example.json", "--format", "html", "--out", out])
        #expect(result.status == 0, "\(result.stderr)")
        let (status, dom) = try TestProcess.run(HTMLReportBrowserTests.chromium!, ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://" + out])
        #expect(status == 0)
        #expect(dom.contains("<p><strong class=\"sentence\">Billing data is deleted 7 years after the end of the financial year (January-December) in which it was issued.</strong></p>"), "\(dom)")
        #expect(dom.contains("<h2>Record of processing (GDPR Art. 30(1))</h2>"))
        #expect(dom.contains("<td>Usage and log data</td><td>security and audit of access to the service</td>"))
    }
}

/// overdueSince for every kind of anchor, and what is overdue for each action, on rules that
/// never ran: all their due rows are pending.
@Suite("Audit: since when, for every anchor and action")
struct AuditAnchorTests {
    static let schema = """
        SET TimeZone = 'UTC';
        CREATE TABLE orgs (id int PRIMARY KEY, terminated_at timestamptz);
        INSERT INTO orgs VALUES (1, '2025-06-01'), (2, NULL), (3, '2025-11-25');
        -- Due by the contract's end (org 1) or by the removal, whichever is earlier.
        CREATE TABLE accounts (id int PRIMARY KEY, org_id int NOT NULL REFERENCES orgs, removed_at timestamptz);
        INSERT INTO accounts VALUES (1, 1, NULL), (2, 1, '2025-09-01'), (3, 2, '2025-07-15'), (4, 2, NULL), (5, 3, NULL), (6, 2, '2025-11-20');
        -- Kept 7 years after the end of the financial year (July-June) of issue.
        CREATE TABLE invoices (id int PRIMARY KEY, issued_at date NOT NULL);
        INSERT INTO invoices VALUES (1, '2017-03-01'), (2, '2017-09-01'), (3, '2018-08-01'), (4, '2019-01-01');
        -- Pseudonymised when unsubscribed; row 2 was already.
        CREATE TABLE contacts (id int PRIMARY KEY, email text, unsubscribed_at timestamptz, pseudonymised_at timestamptz);
        INSERT INTO contacts VALUES (1, 'a@x', '2025-10-01', NULL), (2, 'b', '2025-09-01', '2025-09-02'), (3, 'c@x', '2025-11-30', NULL), (4, 'd@x', NULL, NULL);
        -- Aggregated after 90 days.
        CREATE TABLE clicks (id int PRIMARY KEY, at timestamptz NOT NULL, page text);
        INSERT INTO clicks SELECT g, timestamptz '2025-07-01' + (g || ' days')::interval, 'p' FROM generate_series(1, 120) g;
        CREATE TABLE clicks_daily (day date, page text, clicks bigint, PRIMARY KEY (day, page));
        -- Closed teams; a member who left long ago does not block a team (both are overdue), a recent one does.
        CREATE TABLE teams (id int PRIMARY KEY, closed_at timestamptz);
        INSERT INTO teams VALUES (1, '2025-01-01'), (2, '2025-01-02'), (3, '2025-01-03');
        CREATE TABLE members (id int PRIMARY KEY, team_id int REFERENCES teams, left_at timestamptz);
        INSERT INTO members VALUES (1, 1, '2025-02-01'), (2, 2, '2025-11-28'), (3, 2, '2025-02-01');
        """

    static let policy = """
        {"policy": "anchors", "financialYearStartMonth": 7, "tenants": {"table": "orgs", "key": "id", "terminatedAt": "terminated_at"}, "rules": [
          {"name": "accounts", "table": "accounts", "tenantColumn": "org_id", "due": {"after": "30 days", "from": ["removed_at", "tenant.terminatedAt"]}, "action": "delete"},
          {"name": "invoices", "table": "invoices", "due": {"after": "7 years", "from": "issued_at", "align": "financial-year-end"}, "action": "delete"},
          {"name": "contacts", "table": "contacts", "due": {"after": "0 days", "from": "unsubscribed_at"}, "action": "pseudonymise",
           "pseudonymise": {"columns": {"email": "redact"}, "marker": "pseudonymised_at"}},
          {"name": "clicks", "table": "clicks", "due": {"after": "90 days", "from": "at"}, "action": "aggregate",
           "aggregate": {"into": "clicks_daily", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["page"], "count": "clicks"}},
          {"name": "teams", "table": "teams", "due": {"after": "30 days", "from": "closed_at"}, "action": "delete"},
          {"name": "members", "table": "members", "due": {"after": "30 days", "from": "left_at"}, "action": "delete"}]}
        """

    @Test("earliest of a termination and a removal, a financial year's end, unmarked rows of a pseudonymise rule, raw rows of an aggregate rule: counts and overdueSince as plain SQL computes them")
    func anchorsAndActions() throws {
        let fixture = try EngineFixture.make("auditanchors", schemaSQL: Self.schema)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy(Self.policy)
        let judged = "timestamptz '2025-11-29 00:00:00+00'"  // asOf 2025-12-01 minus the 2 days of grace
        let database = fixture.database
        // Each row's due instant written out: its earliest anchor (the termination counts once it is
        // before the cutoff), at the end of the July-June year for invoices, plus the period.
        let accounts = try database.connect().execute("""
            SELECT count(*), to_char(min(d) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') FROM (
              SELECT least(a.removed_at, o.terminated_at) + interval '30 days' AS d FROM accounts a JOIN orgs o ON o.id = a.org_id) s
            WHERE d < \(judged)
            """).rows[0]
        #expect(accounts[0] == "3" && accounts[1] == "2025-07-01T00:00:00.000000Z", "\(accounts)")
        let invoices = try database.connect().execute("""
            SELECT count(*), to_char(min(d) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') FROM (
              SELECT make_timestamptz(extract(year FROM issued_at)::int + CASE WHEN extract(month FROM issued_at) >= 7 THEN 1 ELSE 0 END, 7, 1, 0, 0, 0, 'UTC')
                     + interval '7 years' AS d FROM invoices) s
            WHERE d < \(judged)
            """).rows[0]
        #expect(invoices[0] == "2" && invoices[1] == "2024-07-01T00:00:00.000000Z", "\(invoices)")
        let contacts = try database.count("SELECT count(*) FROM contacts WHERE unsubscribed_at < \(judged) AND pseudonymised_at IS NULL")
        let clicks = try database.connect().execute("""
            SELECT count(*), to_char(min(at + interval '90 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') FROM clicks WHERE at + interval '90 days' < \(judged)
            """).rows[0]

        let result = try fixture.retention(["audit", "--policy", policy, "--as-of", "2025-12-01T00:00:00Z", "--format", "json"])
        #expect(result.status == 1, "\(result.stderr)")
        let promises = try #require((try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])?["promises"] as? [[String: Any]])
        func promise(_ name: String) throws -> [String: Any] { try #require(promises.first { $0["name"] as? String == name }) }
        func pending(_ name: String) throws -> Int64 { (try promise(name)["overdue"] as? [String: Any])?.int("pending") ?? -1 }
        #expect(try pending("accounts") == Int64(accounts[0]!))
        #expect(try promise("accounts")["overdueSince"] as? String == accounts[1])
        #expect(try pending("invoices") == Int64(invoices[0]!))
        #expect(try promise("invoices")["overdueSince"] as? String == invoices[1])
        #expect(try pending("contacts") == contacts && contacts == 1)
        #expect(try promise("contacts")["overdueSince"] as? String == "2025-10-01T00:00:00.000000Z")
        #expect(try pending("clicks") == Int64(clicks[0]!))
        #expect(try promise("clicks")["overdueSince"] as? String == clicks[1])
        // Blocked: referenced by a member who is not overdue; a team whose members are all overdue is pending (both should be gone).
        let teams = try database.connect().execute("""
            SELECT count(*) FILTER (WHERE b), count(*) FILTER (WHERE NOT b) FROM (
              SELECT EXISTS (SELECT 1 FROM members m WHERE m.team_id = t.id AND NOT m.left_at + interval '30 days' < \(judged)) AS b
              FROM teams t WHERE t.closed_at + interval '30 days' < \(judged)) s
            """).rows[0]
        #expect(teams == ["1", "2"])
        let teamCounts = try #require(try promise("teams")["overdue"] as? [String: Any])
        #expect([teamCounts.int("blocked"), teamCounts.int("pending")] == teams.map { Int64($0!)! })
        #expect(try promise("teams")["blockedBy"] as? [String] == ["members_team_id_fkey"])
        #expect(try pending("members") == 2)
        #expect(promises.allSatisfy { $0["verdict"] as? String == "broken" })
    }
}
