import Foundation
import Testing
import TestSupport

@Suite("retention migrate")
struct MigrateCommandTests {
    @Test("a second migrate does nothing; a changed applied file is refused with exit 2")
    func idempotentAndChecksummed() throws {
        let fixture = try EngineFixture.make("migrate", schemaSQL: "SELECT 1;")
        defer { fixture.drop() }
        let again = try fixture.retention(["migrate"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("up to date"))
        let shipped = try FileManager.default.contentsOfDirectory(atPath: Repository.migrations).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(try fixture.database.count("SELECT count(*) FROM retention.schema_migrations") == Int64(shipped.count))
        let before = try fixture.database.checksum("retention.schema_migrations")

        let copy = fixture.directory + "/migrations"
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        for name in shipped {
            try FileManager.default.copyItem(atPath: Repository.migrations + "/" + name, toPath: copy + "/" + name)
        }
        let original = try String(contentsOfFile: Repository.migrations + "/001_initial.sql", encoding: .utf8)
        try (original + "\n-- edited\n").write(toFile: copy + "/001_initial.sql", atomically: true, encoding: .utf8)
        let refused = try fixture.retention(["migrate", "--migrations-dir", copy])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("001_initial.sql") && refused.stderr.contains("changed after it was applied"))
        #expect(try fixture.database.checksum("retention.schema_migrations") == before)

        // A new numbered file is applied after the old ones.
        try original.write(toFile: copy + "/001_initial.sql", atomically: true, encoding: .utf8)
        try "CREATE TABLE retention.extra (id int);".write(toFile: copy + "/900_extra.sql", atomically: true, encoding: .utf8)
        let next = try fixture.retention(["migrate", "--migrations-dir", copy])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stdout.contains("applied 900_extra.sql"))
        #expect(try fixture.database.count("SELECT count(*) FROM retention.schema_migrations") == Int64(shipped.count + 1))
    }

    @Test("run refuses a database that was never migrated, exit 2")
    func runNeedsMigrate() throws {
        let database = try TestDatabase.create("nomigrate", sql: "CREATE TABLE t (id int PRIMARY KEY, c timestamptz);")
        defer { database.drop() }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(database.name).json").path
        try #"{"policy": "p", "rules": [{"name": "t", "table": "t", "due": {"after": "1 day", "from": "c"}, "action": "delete"}]}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CommandRunner.run(["run", "--policy", path, "--database-url", database.url, "--state-dir", path + ".state"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("retention migrate"))
    }

    @Test("plan on a database that was never migrated says to run retention migrate, exit 2")
    func planNeedsMigrate() throws {
        let database = try TestDatabase.create("nomigrateplan", sql: """
            CREATE TABLE orgs (id int PRIMARY KEY, terminated_at timestamptz);
            CREATE TABLE t (id int PRIMARY KEY, org int NOT NULL, c timestamptz);
            INSERT INTO orgs VALUES (1, NULL);
            """)
        defer { database.drop() }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(database.name).json").path
        try #"{"policy": "p", "tenants": {"table": "orgs", "key": "id", "terminatedAt": "terminated_at"}, "rules": [{"name": "t", "table": "t", "tenantColumn": "org", "due": {"after": "1 day", "from": "c"}, "action": "delete"}]}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CommandRunner.run(["plan", "--policy", path, "--tenant", "1", "--database-url", database.url])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("run \"retention migrate\" first"), "\(result.stderr)")
    }
}
