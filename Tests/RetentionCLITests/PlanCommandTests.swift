import Foundation
import Testing
import TestSupport

private let planSchema = """
    SET TimeZone = 'UTC';
    CREATE TABLE orgs (id int PRIMARY KEY, terminated_at timestamptz);
    CREATE TABLE users (id int PRIMARY KEY, org_id int NOT NULL REFERENCES orgs, removed_at timestamptz);
    CREATE TABLE notes (id int PRIMARY KEY, org_id int NOT NULL REFERENCES orgs, body text);
    CREATE TABLE logs (id int PRIMARY KEY, org_id int NOT NULL, created_at timestamptz NOT NULL);
    CREATE TABLE invoices (id int PRIMARY KEY, org_id int NOT NULL REFERENCES orgs, issued_at date NOT NULL);
    INSERT INTO orgs VALUES (1, NULL), (2, NULL);
    INSERT INTO users VALUES (1, 1, NULL), (2, 1, '2031-02-01 08:00+00'), (3, 1, '2031-04-01 00:00+00'), (4, 2, '2031-02-01 08:00+00');
    INSERT INTO notes SELECT g, 1 + g % 2, 'note' FROM generate_series(1, 9) g;
    -- Month ends, where adding a month is cut short: 31 January + 1 month = 28 February.
    INSERT INTO logs VALUES (1, 1, '2031-01-29 12:00+00'), (2, 1, '2031-01-31 06:00+00'), (3, 1, '2031-02-28 23:00+00'),
      (4, 1, '2031-03-31 00:00+00'), (5, 1, '2031-05-31 12:00+00'), (6, 2, '2031-01-31 06:00+00');
    INSERT INTO invoices VALUES (1, 1, '2030-06-30'), (2, 1, '2030-07-01'), (3, 1, '2031-03-01'), (4, 2, '2030-07-01');
    """

private let planPolicy = """
    {"policy": "plan", "timeZone": "Europe/Stockholm", "financialYearStartMonth": 7,
     "tenants": {"table": "orgs", "key": "id", "terminatedAt": "terminated_at"}, "rules": [
      {"name": "users", "table": "users", "tenantColumn": "org_id", "basis": "s.2", "due": {"after": "30 days", "from": ["removed_at", "tenant.terminatedAt"]}, "action": "delete"},
      {"name": "notes", "table": "notes", "tenantColumn": "org_id", "due": {"after": "30 days", "from": "tenant.terminatedAt"}, "action": "delete"},
      {"name": "logs", "table": "logs", "tenantColumn": "org_id", "due": {"after": "1 month", "from": "created_at"}, "action": "delete"},
      {"name": "billing", "table": "invoices", "tenantColumn": "org_id", "due": {"after": "2 years", "from": "issued_at", "align": "financial-year-end"}, "action": "delete"}]}
    """

@Suite("retention plan")
struct PlanCommandTests {
    @Test("the plan's counts equal what runs at each listed instant remove, on both sides of it; the plan changes nothing")
    func planMatchesRuns() throws {
        let fixture = try EngineFixture.make("plan", schemaSQL: planSchema)
        defer { fixture.drop() }
        try fixture.writePolicy(planPolicy)
        let tables = ["orgs", "users", "notes", "logs", "invoices", "retention.runs"]
        let before = try tables.map { try fixture.database.checksum($0) }
        let result = try fixture.retention(["plan", "--policy", fixture.directory + "/policy.json", "--tenant", "1",
                                            "--terminate-at", "2031-03-15T10:00:00Z", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try tables.map { try fixture.database.checksum($0) } == before)
        let plan = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        let rules = plan["rules"] as? [[String: Any]] ?? []
        var schedule: [(rule: String, dueAt: String, rows: Int64)] = []
        for rule in rules {
            for entry in rule["scheduled"] as? [[String: Any]] ?? [] {
                schedule.append((rule["name"] as? String ?? "", entry["dueAt"] as? String ?? "", entry.int("rows")))
            }
        }
        #expect(schedule.reduce(0) { $0 + $1.rows } == 3 + 4 + 5 + 3)
        #expect(rules.first { $0["name"] as? String == "users" }?.int("keptNeverDue") == 0)
        // 31 January 06:00 + 1 month is cut to 28 February: nothing is due until 1 March begins (Stockholm).
        #expect(schedule.contains { $0.rule == "logs" && $0.dueAt == "2031-02-28T23:00:00.000000Z" })

        // Now the tenant really is terminated at that instant; run at each listed instant.
        try fixture.database.connect().execute("UPDATE orgs SET terminated_at = '2031-03-15T10:00:00Z' WHERE id = 1")
        let tableOf = ["users": "users", "notes": "notes", "logs": "logs", "billing": "invoices"]
        let initial = try tableOf.mapValues { try fixture.database.count("SELECT count(*) FROM \($0) WHERE org_id = 1") }
        for instant in Set(schedule.map(\.dueAt)).sorted() {
            for (offset, included) in [("-1µs", false), ("", true)] {
                let asOf = offset.isEmpty ? instant : try fixture.database.connect()
                    .execute("SELECT to_char(($1::timestamptz - interval '1 microsecond') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')", [instant]).requiredScalar()
                let run = try fixture.retention(["run", "--as-of", asOf, "--tenant", "1"])
                #expect(run.status == 0, "\(run.stderr)")
                for (rule, table) in tableOf {
                    let removed = schedule.filter { $0.rule == rule && ($0.dueAt < instant || (included && $0.dueAt == instant)) }.reduce(0) { $0 + $1.rows }
                    let left = try fixture.database.count("SELECT count(*) FROM \(table) WHERE org_id = 1")
                    #expect(left == initial[rule]! - removed, "rule \(rule) at \(asOf)")
                }
            }
        }
        #expect(try fixture.database.count("SELECT count(*) FROM notes WHERE org_id = 2") == 5)
    }

    @Test("the text plan names dates, financial years, what is kept and the holds in force")
    func textPlan() throws {
        let fixture = try EngineFixture.make("plantext", schemaSQL: planSchema)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy(planPolicy)
        #expect(try fixture.retention(["hold", "add", "--tenant", "1", "--reason", "Case 9", "--policy", policy]).status == 0)
        let result = try fixture.retention(["plan", "--policy", policy, "--tenant", "1", "--terminate-at", "2031-03-15T10:00:00Z"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("2031-04-14: delete 2 public.users [held], delete 4 public.notes [held]"), "\(result.stdout)")
        #expect(result.stdout.contains("(FY2029/30)"))
        #expect(result.stdout.contains("HELD: legal hold"))
        #expect(result.stdout.contains("basis: s.2"))
        let missing = try fixture.retention(["plan", "--policy", policy, "--tenant", "77"])
        #expect(missing.status == 2)
    }
}
