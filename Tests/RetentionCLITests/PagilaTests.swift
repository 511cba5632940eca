import Foundation
import Testing
import TestSupport

/// Pagila, a real schema nobody here wrote: a monthly-partitioned `payment` table whose foreign
/// keys to `rental` are declared on each partition, without an index on `rental_id`. The dataset
/// is not part of the repository: the suite runs when `PAGILA_DIR` or `../shared/datasets/pagila`
/// has it and is skipped otherwise. What it guards (keys declared on partitions, unindexed keys)
/// is also covered with the project's own schema in `ForeignKeyAndScopeTests`.
@Suite("Pagila", .enabled(if: PagilaDataset.folder != nil, "the Pagila dataset is not here (set PAGILA_DIR or put it in ../shared/datasets/pagila)"))
struct PagilaTests {
    static func loadPagila(_ fixture: EngineFixture) throws {
        let (status, output) = try TestProcess.run("/bin/bash", [Repository.root + "/Deploy/pagila-load.sh", fixture.database.url],
                                                    environment: ["PAGILA_DIR": PagilaDataset.folder ?? ""])
        #expect(status == 0, "Deploy/pagila-load.sh failed: \(output)")
    }

    @Test("rentals referenced by payments kept 7 years are blocked, named by their partitions' constraints; the rest go")
    func rentalsAndPayments() throws {
        let fixture = try EngineFixture.make("pagila", schemaSQL: "SELECT 1;")
        defer { fixture.drop() }
        try PagilaTests.loadPagila(fixture)
        let policy = Repository.root + "/Jobs/pagila-policy.json"
        let validate = try fixture.retention(["validate", "--policy", policy])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stderr.contains("has no index on (rental_id)"))
        try fixture.database.connect().executeScript("""
            CREATE TABLE expected_rentals AS SELECT rental_id FROM rental r
              WHERE r.rental_date >= timestamptz '2022-12-01 00:00:00+00' OR EXISTS (SELECT 1 FROM payment p WHERE p.rental_id = r.rental_id);
            """)
        let blocked = try fixture.database.count("SELECT count(*) FROM rental r WHERE r.rental_date < timestamptz '2022-12-01 00:00:00+00' AND EXISTS (SELECT 1 FROM payment p WHERE p.rental_id = r.rental_id)")
        let payments = try fixture.database.checksum("payment", orderBy: "payment_id")

        let dry = try fixture.retention(["run", "--policy", policy, "--dry-run", "--as-of", "2023-06-01T00:00:00Z"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(try fixture.ruleReport("rentals").int("blocked") == blocked)

        let run = try fixture.retention(["run", "--policy", policy, "--as-of", "2023-06-01T00:00:00Z"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try fixture.database.keyDifferences(expected: "expected_rentals", actual: "rental", key: "rental_id") == 0)
        #expect(try fixture.database.checksum("payment", orderBy: "payment_id") == payments)
        let rentals = try fixture.ruleReport("rentals")
        #expect(rentals.int("blocked") == blocked)
        let names = (rentals["blockedBy"] as? [[String: Any]] ?? []).compactMap { $0["constraint"] as? String }
        #expect(!names.isEmpty && names.allSatisfy { $0.hasPrefix("payment_p2022_") && $0.hasSuffix("_rental_id_fkey") }, "\(names)")

        // Seven years after the financial year of 2022 ends, the payments go first, then the rentals they held.
        let later = try fixture.retention(["run", "--policy", policy, "--as-of", "2030-01-02T00:00:00Z"])
        #expect(later.status == 0, "\(later.stderr)")
        #expect(try fixture.database.count("SELECT count(*) FROM payment") == 0)
        #expect(try fixture.database.count("SELECT count(*) FROM rental") == 0)
    }
}

/// Where the Pagila dataset is, when it is here at all.
enum PagilaDataset {
    /// The folder holding `pagila-schema.sql` and `pagila-data.sql`: `PAGILA_DIR`, else `../shared/datasets/pagila`.
    static let folder: String? = {
        let environment = ProcessInfo.processInfo.environment["PAGILA_DIR"].map { [$0] } ?? []
        let candidates = environment + [Repository.root + "/../shared/datasets/pagila"]
        return candidates.first { FileManager.default.isReadableFile(atPath: $0 + "/pagila-schema.sql") }
    }()
}
