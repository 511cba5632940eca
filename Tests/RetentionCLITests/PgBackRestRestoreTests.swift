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
        let asOf = "2026-11-25T00:00:00Z"
        #expect(try PostgresTools.run("psql", [fixture.database.url, "-q", "-v", "ON_ERROR_STOP=1", "-f", Repository.root + "/Deploy/demo-schema.sql"]) == 0)
        #expect(try PostgresTools.run("psql", [fixture.database.url, "-q", "-v", "ON_ERROR_STOP=1", "-v", "asof=\(asOf)", "-v", "scale=0.05",
                                          "-f", Repository.root + "/Deploy/demo-data.sql"]) == 0)
        try fixture.writePolicy(try String(contentsOfFile: Repository.root + "/Jobs/demo-policy.json", encoding: .utf8))
        let key = fixture.directory + "/key"
        try Data(repeating: 42, count: 32).write(to: URL(fileURLWithPath: key))
        let run = ["run", "--as-of", asOf, "--pseudonym-key-file", key]
        // The nightly state before the backup: everything due so far is erased.
        #expect(try fixture.retention(run).status == 0)

        let tenantTables = ["users", "objectives", "key_results", "check_ins", "comments"]
        let tenant = try fixture.database.connect().execute("""
            SELECT id::text FROM organizations WHERE terminated_at IS NULL AND EXISTS (SELECT 1 FROM users u WHERE u.organization_id = organizations.id) ORDER BY id LIMIT 1
            """).requiredScalar()
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
}
