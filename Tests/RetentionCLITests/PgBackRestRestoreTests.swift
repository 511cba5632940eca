import Foundation
import Testing
import TestSupport

@Suite("Backups: erasures survive a pgBackRest restore", .enabled(if: PgBackRestServer.unavailableReason == nil, "\(PgBackRestServer.unavailableReason ?? "")"))
struct PgBackRestRestoreTests {
    @Test("pgbackrest backup, terminate a tenant and erase it, pgbackrest restore into a new data directory on another port, replay since the backup's start: exactly what plain SQL says is left")
    func restoreAndReplay() throws {
        let server = try PgBackRestServer()
        defer { server.stop() }
        let fixture = try EngineFixture.make("pgbrestore", schemaSQL: "SELECT 1;", port: server.port)
        defer { fixture.drop() }
        // The nightly state before the backup: everything due so far is erased.
        let night = try DemoNight(fixture)
        let (asOf, key, run, tenant, tenantTables) = (night.asOf, night.key, night.run, night.tenant, DemoNight.tenantTables)
        let backup = try server.backup("full")
        let since = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(try server.info().set(backup)!.start)))

        // The contract ends; 30 days later the nightly run erases the tenant.
        try fixture.database.connect().execute("UPDATE organizations SET terminated_at = $2::timestamptz - interval '31 days' WHERE id::text = $1", [tenant, asOf])
        #expect(try fixture.retention(run).status == 0)
        for table in tenantTables {
            #expect(try fixture.database.count("SELECT count(*) FROM \(table) WHERE organization_id::text = $1", [tenant]) == 0)
        }
        // What plain SQL says must be left: the tables as the erasure left them on the server.
        let erased = try tenantTables.map { try fixture.database.checksum($0, orderBy: "1") }

        // Disaster: the server is restored from the backup taken before the erasure.
        let restoredPort = try server.restore(backup)
        let restored = TestDatabase(name: fixture.database.name, port: restoredPort)
        #expect(try restored.count("SELECT count(*) FROM users WHERE organization_id::text = $1", [tenant]) > 0)
        #expect(try restored.count("SELECT count(*) FROM organizations WHERE id::text = $1 AND terminated_at IS NULL", [tenant]) == 1)
        let others = try tenantTables.map { try restored.checksum("(SELECT * FROM \($0) WHERE organization_id::text <> '\(tenant)')", orderBy: "1") }

        let replay = try CommandRunner.run(["replay", "--policy", fixture.directory + "/policy.json", "--since", since,
                                            "--database-url", restored.url, "--state-dir", fixture.stateDirectory, "--pseudonym-key-file", key])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout.contains("tenants: \(tenant)"), "\(replay.stdout)")
        for table in tenantTables {
            #expect(try restored.count("SELECT count(*) FROM \(table) WHERE organization_id::text = $1", [tenant]) == 0, "\(table)")
        }
        #expect(try tenantTables.map { try restored.checksum("(SELECT * FROM \($0) WHERE organization_id::text <> '\(tenant)')", orderBy: "1") } == others,
                "nothing else changed")
        #expect(try tenantTables.map { try restored.checksum($0, orderBy: "1") } == erased, "the restored tables equal what the erasure left")
    }

    @Test("pgbackrest backup, erase a person by request, pgbackrest restore, replay since the backup's start: the person's rows are gone again, everyone else's identical")
    func restoreAndReplayRequest() throws {
        let server = try PgBackRestServer()
        defer { server.stop() }
        let fixture = try SubjectFixture.make("pgbsubject", port: server.port)
        defer { fixture.engine.drop() }
        let email = "user9@example.com"
        let backup = try server.backup("full")
        let since = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(try server.info().set(backup)!.start)))
        _ = try fixture.add("email=\(email)")
        #expect(try fixture.run().status == 0)
        #expect(try fixture.database.count("SELECT count(*) FROM comments WHERE author_id = 9") == 0)

        let restored = TestDatabase(name: fixture.database.name, port: try server.restore(backup))
        #expect(try restored.count("SELECT count(*) FROM comments WHERE author_id = 9") > 0)
        let everyoneElse = """
            (SELECT 'c' || t::text AS r FROM comments t WHERE author_id <> 9 UNION ALL SELECT 'k' || t::text FROM checkins t WHERE user_id <> 9
             UNION ALL SELECT 'a' || t::text FROM audit_rows t WHERE actor_id IS DISTINCT FROM 9 UNION ALL SELECT 'p' || t::text FROM payment_methods t WHERE user_id <> 9
             UNION ALL SELECT 'm' || t::text FROM marketing_contacts t WHERE email <> '\(email)' UNION ALL SELECT 'u' || t::text FROM users t WHERE id <> 9
             UNION ALL SELECT 'i' || t::text FROM invoices t)
            """
        let others = try restored.checksum(everyoneElse)
        let replay = try CommandRunner.run(["replay", "--policy", fixture.policy, "--since", since, "--database-url", restored.url,
                                            "--state-dir", fixture.engine.stateDirectory, "--pseudonym-key-file", fixture.keyFile])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout.contains("erasure requests: 1"), "\(replay.stdout)")
        // What plain SQL says: the person's tables as the erasure left them on the server (the
        // time of a pseudonymisation aside, which is the replay's own).
        for table in ["comments", "checkins", "audit_rows", "payment_methods", "marketing_contacts",
                      "(SELECT id, org_id, email, name, pseudonymised_at IS NOT NULL AS pseudonymised FROM users)"] {
            #expect(try restored.checksum(table) == fixture.database.checksum(table), "\(table)")
        }
        #expect(try restored.count("SELECT count(*) FROM marketing_contacts WHERE email = $1", [email]) == 0)
        #expect(try restored.checksum(everyoneElse) == others)
    }
}
