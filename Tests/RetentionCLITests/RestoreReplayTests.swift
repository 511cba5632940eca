import Foundation
import Testing
import TestSupport

@Suite("Backups: erasures survive a restore")
struct RestoreReplayTests {
    @Test("pg_dump, terminate a tenant and erase it, restore the dump, replay since the dump: the tenant is gone again and every other tenant is unchanged")
    func restoreAndReplay() throws {
        let fixture = try EngineFixture.make("restore", schemaSQL: "SELECT 1;")
        defer { fixture.drop() }
        // The nightly state before the backup: everything due so far is erased.
        let night = try DemoNight(fixture)
        let (asOf, key, run, tenant, tenantTables) = (night.asOf, night.key, night.run, night.tenant, DemoNight.tenantTables)
        let since = try fixture.database.connect().execute("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')").requiredScalar()
        let dump = fixture.directory + "/backup.dump"
        #expect(try PostgresTools.run("pg_dump", ["--format=custom", "--file=" + dump, fixture.database.url]) == 0)

        // The contract ends; 30 days later the nightly run erases the tenant.
        try fixture.database.connect().execute("UPDATE organizations SET terminated_at = $2::timestamptz - interval '31 days' WHERE id::text = $1", [tenant, asOf])
        #expect(try fixture.retention(run).status == 0)
        for table in tenantTables {
            #expect(try fixture.database.count("SELECT count(*) FROM \(table) WHERE organization_id::text = $1", [tenant]) == 0)
        }
        let ledger = try String(contentsOfFile: fixture.stateDirectory + "/erasures.jsonl", encoding: .utf8)
        #expect(ledger.contains("\"tenant\":\"\(tenant)\""))
        #expect(!ledger.contains("@"), "the ledger holds no personal data")

        // Disaster: the database is restored from the backup taken before the erasure.
        let restored = try TestDatabase.create("restored")
        defer { restored.drop() }
        #expect(try PostgresTools.run("pg_restore", ["--dbname=" + restored.url, "--no-owner", dump]) == 0)
        #expect(try restored.count("SELECT count(*) FROM users WHERE organization_id::text = $1", [tenant]) > 0)
        #expect(try restored.count("SELECT count(*) FROM organizations WHERE id::text = $1 AND terminated_at IS NULL", [tenant]) == 1)
        let others = try tenantTables.map { try restored.checksum("(SELECT * FROM \($0) WHERE organization_id::text <> '\(tenant)')", orderBy: "1") }

        let reportsBefore = try FileManager.default.contentsOfDirectory(atPath: fixture.stateDirectory + "/reports").filter { $0.hasSuffix(".json") }.count
        let dry = try CommandRunner.run(["replay", "--policy", fixture.directory + "/policy.json", "--since", since, "--dry-run",
                                         "--database-url", restored.url, "--state-dir", fixture.stateDirectory, "--pseudonym-key-file", key])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(try restored.count("SELECT count(*) FROM users WHERE organization_id::text = $1", [tenant]) > 0)

        let replay = try CommandRunner.run(["replay", "--policy", fixture.directory + "/policy.json", "--since", since,
                                            "--database-url", restored.url, "--state-dir", fixture.stateDirectory, "--pseudonym-key-file", key])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(replay.stdout.contains("tenants: \(tenant)"), "\(replay.stdout)")
        // One run for every entry, not one per tenant.
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.stateDirectory + "/reports").filter { $0.hasSuffix(".json") }.count == reportsBefore + 2)
        for table in tenantTables {
            #expect(try restored.count("SELECT count(*) FROM \(table) WHERE organization_id::text = $1", [tenant]) == 0, "\(table)")
        }
        #expect(try tenantTables.map { try restored.checksum("(SELECT * FROM \($0) WHERE organization_id::text <> '\(tenant)')", orderBy: "1") } == others)
    }
}
