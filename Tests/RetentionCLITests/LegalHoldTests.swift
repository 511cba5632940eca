import Foundation
import Testing
import TestSupport

private let holdSchema = OrgTables.schema(orgs: 6, terminated: 2, notes: .init(count: 600, start: "2025-06-01", unit: "hour"),
                                           logs: .init(count: 900, start: "2023-01-01", unit: "day"))

private let holdPolicy = OrgTables.policy("holds", rules: [
    #"{"name": "notes", "table": "notes", "tenantColumn": "org_id", "due": {"after": "30 days", "from": "tenant.terminatedAt"}, "action": "delete"}"#,
    #"{"name": "logs", "table": "logs", "tenantColumn": "org_id", "due": {"after": "12 months", "from": "created_at"}, "action": "delete"}"#])

@Suite("Legal holds")
struct LegalHoldTests {
    @Test("a hold keeps exactly that tenant's rows from every rule, counted as held back; a release lets the next run remove them; history stays")
    func holdAndRelease() throws {
        let fixture = try EngineFixture.make("holds", schemaSQL: holdSchema)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy(holdPolicy)
        let asOf = "2025-12-01T00:00:00Z"
        let logCutoff = "timestamptz '2024-12-01 00:00:00+00'"
        let heldNotes = try fixture.database.count("SELECT count(*) FROM notes WHERE org_id = 2")
        let heldLogs = try fixture.database.count("SELECT count(*) FROM logs WHERE org_id = 2 AND created_at < \(logCutoff)")
        let otherDueNotes = try fixture.database.count("SELECT count(*) FROM notes WHERE org_id = 1")
        let added = try fixture.retention(["hold", "add", "--tenant", "2", "--reason", "Case 2025-17, tax audit", "--policy", policy, "--by", "lawyer"])
        #expect(added.status == 0, "\(added.stderr)")
        let holdID = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int(holdID) != nil, "hold add prints the id alone: \(added.stdout)")
        let heldChecksum = try fixture.database.checksum("(SELECT * FROM notes WHERE org_id = 2 UNION ALL SELECT * FROM logs WHERE org_id = 2)", orderBy: "1")

        // A dry run and a run both count the held rows.
        #expect(try fixture.retention(["run", "--dry-run", "--as-of", asOf]).status == 0)
        #expect(try fixture.ruleReport("notes").int("heldBack") == heldNotes)
        let run = try fixture.retention(["run", "--as-of", asOf])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try fixture.ruleReport("notes").int("heldBack") == heldNotes)
        #expect(try fixture.ruleReport("notes").int("affected") == otherDueNotes)
        #expect(try fixture.ruleReport("logs").int("heldBack") == heldLogs)
        #expect(try fixture.database.checksum("(SELECT * FROM notes WHERE org_id = 2 UNION ALL SELECT * FROM logs WHERE org_id = 2)", orderBy: "1") == heldChecksum)
        #expect(try fixture.database.count("SELECT count(*) FROM notes WHERE org_id = 1") == 0)
        #expect(try fixture.database.count("SELECT count(*) FROM logs WHERE org_id <> 2 AND created_at < \(logCutoff)") == 0)

        let released = try fixture.retention(["hold", "release", holdID, "--by", "lawyer"])
        #expect(released.status == 0, "\(released.stderr)")
        #expect(try fixture.retention(["hold", "release", holdID]).status == 2)
        #expect(try fixture.retention(["run", "--as-of", asOf]).status == 0)
        #expect(try fixture.database.count("SELECT count(*) FROM notes WHERE org_id = 2") == 0)
        #expect(try fixture.ruleReport("logs").int("affected") == heldLogs)

        let list = try fixture.retention(["hold", "list", "--all", "--format", "json"])
        #expect(list.status == 0)
        let holds = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(holds.count == 1)
        #expect(holds.first?["releasedBy"] as? String == "lawyer")
        #expect(holds.first?["reason"] as? String == "Case 2025-17, tax audit")
        #expect(try fixture.retention(["hold", "list"]).stdout.contains("no legal holds in force"))
    }

    @Test("a hold on one rule keeps only that rule's rows")
    func ruleHold() throws {
        let fixture = try EngineFixture.make("ruleholds", schemaSQL: holdSchema)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy(holdPolicy)
        #expect(try fixture.retention(["hold", "add", "--tenant", "1", "--rule", "logs", "--reason", "dispute", "--policy", policy]).status == 0)
        #expect(try fixture.retention(["run", "--as-of", "2025-12-01T00:00:00Z"]).status == 0)
        #expect(try fixture.database.count("SELECT count(*) FROM notes WHERE org_id = 1") == 0)
        #expect(try fixture.database.count("SELECT count(*) FROM logs WHERE org_id = 1 AND created_at < timestamptz '2024-12-01 00:00:00+00'") > 0)
    }

    @Test("a hold on a tenant that does not exist, an unknown rule or an empty reason is refused, exit 2")
    func badHolds() throws {
        let fixture = try EngineFixture.make("badholds", schemaSQL: holdSchema)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy(holdPolicy)
        for (arguments, message) in [
            (["--tenant", "99", "--reason", "x"], "tenant \"99\" does not exist"),
            (["--tenant", "1", "--reason", "x", "--rule", "nope"], "no rule \"nope\""),
            (["--tenant", "1", "--reason", "  "], "--reason must say why"),
        ] {
            let result = try fixture.retention(["hold", "add", "--policy", policy] + arguments)
            #expect(result.status == 2)
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
        #expect(try fixture.database.count("SELECT count(*) FROM retention.legal_holds") == 0)
        #expect(try fixture.retention(["hold", "release", "42"]).status == 2)
    }
}

extension LegalHoldTests {
    @Test("a hold on a rule without tenantColumn is refused, exit 2, one line; nothing is recorded")
    func ruleWithoutTenantColumn() throws {
        let fixture = try EngineFixture.make("holdnotenant", schemaSQL: holdSchema)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy(OrgTables.policy("holds", rules: [
            #"{"name": "logs", "table": "logs", "due": {"after": "12 months", "from": "created_at"}, "action": "delete"}"#]))
        let result = try fixture.retention(["hold", "add", "--tenant", "1", "--rule", "logs", "--reason", "dispute", "--policy", policy])
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("rule \"logs\" (--rule) has no \"tenantColumn\""), "\(result.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM retention.legal_holds") == 0)
    }

    @Test("without USER and LOGNAME, placed_by and released_by are the process's login name")
    func personFromProcess() throws {
        let fixture = try EngineFixture.make("holdperson", schemaSQL: holdSchema)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy(holdPolicy)
        let login = try TestProcess.run("/usr/bin/id", ["-un"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let bare = ["-u", "USER", "-u", "LOGNAME", "-u", "SUDO_USER", Repository.binary]
        let added = try TestProcess.run("/usr/bin/env", bare + ["hold", "add", "--tenant", "1", "--reason", "dispute", "--policy", policy,
                                                                "--database-url", fixture.database.url])
        #expect(added.status == 0, "\(added.output)")
        let id = added.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let released = try TestProcess.run("/usr/bin/env", bare + ["hold", "release", id, "--database-url", fixture.database.url])
        #expect(released.status == 0, "\(released.output)")
        #expect(try fixture.database.count("SELECT count(*) FROM retention.legal_holds WHERE placed_by = $1 AND released_by = $1", [login]) == 1)
    }
}

@Suite("A hold placed while a run goes on")
struct HoldDuringRunTests {
    @Test("protects the tenant from the next batch on")
    func holdMidRun() throws {
        let fixture = try EngineFixture.make("holdmid", schemaSQL: """
            CREATE TABLE orgs (id int PRIMARY KEY, terminated_at timestamptz);
            CREATE TABLE events (id bigint PRIMARY KEY, org_id int NOT NULL, created_at timestamptz NOT NULL);
            INSERT INTO orgs VALUES (1, NULL), (2, NULL);
            INSERT INTO events SELECT g, 1 + g % 2, timestamptz '2020-01-01' + g * interval '1 minute' FROM generate_series(1, 40000) g;
            """)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy(OrgTables.policy("h", rules: [
            #"{"name": "events", "table": "events", "tenantColumn": "org_id", "due": {"after": "1 year", "from": "created_at"}, "action": "delete"}"#]))
        let running = try fixture.start(["run", "--as-of", "2024-01-01T00:00:00Z", "--batch-size", "200", "--pause", "50", "--concurrency", "1"])
        Thread.sleep(forTimeInterval: 0.8)
        #expect(try fixture.retention(["hold", "add", "--tenant", "2", "--reason", "order of the authority", "--policy", policy]).status == 0)
        let atHold = try fixture.database.count("SELECT count(*) FROM events WHERE org_id = 2")
        let result = running.wait()
        #expect(result.status == 0, "\(result.stderr)")
        let after = try fixture.database.count("SELECT count(*) FROM events WHERE org_id = 2")
        #expect(atHold > 0)
        #expect(atHold - after <= 200, "at most the batch already under way when the hold was placed")
        #expect(try fixture.database.count("SELECT count(*) FROM events WHERE org_id = 1") == 0)
        #expect(try fixture.ruleReport("events").int("heldBack") == after)
    }
}

@Suite("Tenant keys compared by their own type")
struct TenantKeyTypeTests {
    @Test("under a citext key, a hold on Acme keeps the rows of ACME, acme and Acme; plan and report see the same tenant")
    func citextHold() throws {
        let fixture = try EngineFixture.make("citexthold", schemaSQL: """
            SET TimeZone = 'UTC';
            CREATE EXTENSION citext;
            CREATE TABLE orgs (id citext PRIMARY KEY, terminated_at timestamptz);
            CREATE TABLE notes (id int PRIMARY KEY, org citext NOT NULL, created_at timestamptz NOT NULL);
            INSERT INTO orgs VALUES ('Acme', '2024-01-01'), ('Other', '2024-01-01');
            INSERT INTO notes SELECT g, (ARRAY['ACME', 'acme', 'Acme', 'Other'])[1 + g % 4], '2023-06-01' FROM generate_series(1, 400) g;
            """)
        defer { fixture.drop() }
        let policy = try fixture.writePolicy(OrgTables.policy("ci", rules: [
            #"{"name": "notes", "table": "notes", "tenantColumn": "org", "due": {"after": "30 days", "from": "tenant.terminatedAt"}, "action": "delete"}"#]))
        let database = fixture.database
        try database.connect().execute("CREATE TABLE expected AS SELECT id FROM notes WHERE lower(org::text) = 'acme'")
        let held = try database.count("SELECT count(*) FROM expected")
        #expect(held == 300)
        let added = try fixture.retention(["hold", "add", "--tenant", "Acme", "--reason", "dispute", "--policy", policy])
        #expect(added.status == 0, "\(added.stderr)")

        let plan = try fixture.retention(["plan", "--policy", policy, "--tenant", "acme", "--format", "json"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let rules = (try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])?["rules"] as? [[String: Any]] ?? []
        #expect(rules.first?["held"] as? Bool == true, "\(plan.stdout)")

        let run = try fixture.retention(["run", "--as-of", "2025-01-01T00:00:00Z"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try database.keyDifferences(expected: "expected", actual: "notes", key: "id") == 0)
        #expect(try fixture.ruleReport("notes").int("heldBack") == held)

        let report = try fixture.retention(["report", "--tenant", "Acme", "--policy", policy, "--state-dir", fixture.stateDirectory])
        #expect(report.status == 0, "\(report.stderr)")
        let holds = (try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])?["holds"] as? [Any] ?? []
        #expect(holds.count == 1, "\(report.stdout)")
    }

    @Test("under a varchar(8) key, --tenant acme-corp-2 names no tenant: it is not cut to acme-cor, whose rows stay")
    func modifierIsNotACast() throws {
        let fixture = try EngineFixture.make("varcharkey", schemaSQL: """
            SET TimeZone = 'UTC';
            CREATE TABLE orgs (id varchar(8) PRIMARY KEY, terminated_at timestamptz);
            CREATE TABLE notes (id int PRIMARY KEY, org varchar(8) NOT NULL REFERENCES orgs);
            INSERT INTO orgs VALUES ('acme-cor', '2024-01-01'), ('other', NULL);
            INSERT INTO notes SELECT g, CASE WHEN g % 2 = 0 THEN 'acme-cor' ELSE 'other' END FROM generate_series(1, 100) g;
            """)
        defer { fixture.drop() }
        try fixture.writePolicy(OrgTables.policy("vc", rules: [
            #"{"name": "notes", "table": "notes", "tenantColumn": "org", "due": {"after": "30 days", "from": "tenant.terminatedAt"}, "action": "delete"}"#]))
        let run = try fixture.retention(["run", "--as-of", "2025-01-01T00:00:00Z", "--tenant", "acme-corp-2"])
        #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("does not exist"), "\(run.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM notes") == 100)
    }

    @Test("a hold whose tenant an integer key cannot read (placed under another policy) protects nothing and stops nothing")
    func unreadableHoldIsHarmless() throws {
        let fixture = try EngineFixture.make("badhold", schemaSQL: """
            SET TimeZone = 'UTC';
            CREATE TABLE orgs (id int PRIMARY KEY, terminated_at timestamptz);
            CREATE TABLE notes (id int PRIMARY KEY, org int NOT NULL REFERENCES orgs);
            INSERT INTO orgs SELECT g, '2024-01-01' FROM generate_series(1, 4) g;
            INSERT INTO notes SELECT g, 1 + g % 4 FROM generate_series(1, 200) g;
            """)
        defer { fixture.drop() }
        try fixture.writePolicy(OrgTables.policy("badhold", rules: [
            #"{"name": "notes", "table": "notes", "tenantColumn": "org", "due": {"after": "30 days", "from": "tenant.terminatedAt"}, "action": "delete"}"#]))
        // As `hold add` under a policy whose tenants have text keys would record them.
        try fixture.database.connect().executeScript("""
            INSERT INTO retention.legal_holds (tenant, reason, placed_by) VALUES ('acme', 'another policy', 'test'), ('3', 'case 9', 'test');
            CREATE TABLE expected AS SELECT id FROM notes WHERE org = 3;
            """)
        let run = try fixture.retention(["run", "--as-of", "2025-01-01T00:00:00Z"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try fixture.database.keyDifferences(expected: "expected", actual: "notes", key: "id") == 0)
        #expect(try fixture.ruleReport("notes").int("heldBack") == 50)
    }
}
