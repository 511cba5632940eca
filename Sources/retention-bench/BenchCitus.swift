import Foundation
import Postgres
import RetentionCore

/// The Citus comparison (`--citus-workers PORT,PORT`, with `--database-url` naming the
/// coordinator; `Deploy/bench-citus.sh` starts such a cluster): identical tables distributed by
/// `org_id` over 32 shards, time-ordered rows, `dueFraction` of them due. One plain `DELETE`
/// through the coordinator against the engine's rule, with and without a tenant column (with
/// one, each batch also returns the deleted rows' tenants to the coordinator to count them).
struct BenchCitus {
    let server: BenchServer
    let workerPorts: [String]
    let options: BenchOptions
    let migrations: [MigrationFile]

    static let database = "bench_citus"
    /// One state directory for the runs on the one database (each run checks the last one's report).
    static let state = FileManager.default.temporaryDirectory.appendingPathComponent("retention-bench-citus-\(getpid())").path
    static let tables = ["events_single", "events_engine", "events_engine_bare", "events_batched"]

    func run() throws {
        let setup = Date()
        let connection = try createDatabase()
        defer {
            server.dropEverywhere(BenchCitus.database, workerPorts: workerPorts)
            try? FileManager.default.removeItem(atPath: BenchCitus.state)
        }
        for table in BenchCitus.tables { try createTable(table, connection) }
        _ = try Migrator(files: migrations).migrate(connection)
        let due = Int(Double(options.rows) * options.dueFraction)
        let asOf = try server.asOf(BenchCitus.database, due: due)
        print("\n== Citus, 2 workers, 32 shards, delete: tables built in \(String(format: "%.1f", Date().timeIntervalSince(setup))) s; \(due) rows due (as of \(asOf))")

        try warm("events_single", connection)
        // The plain statement runs with Citus's defaults whatever PGOPTIONS says.
        try connection.execute("RESET citus.max_adaptive_executor_pool_size")
        try connection.execute("RESET citus.max_cached_conns_per_worker")
        let started = Date()
        let deleted = try connection.execute("DELETE FROM events_single WHERE created_at < $1::timestamptz", [asOf]).affectedRows
        let single = Measurement(rows: deleted, seconds: Date().timeIntervalSince(started))
        guard deleted == due else { fail("the single statement deleted \(deleted) rows, expected \(due)") }
        print(String(format: "  single statement:           %9.0f rows/s (%.2f s; one transaction of %.0f ms)", single.rate, single.seconds, single.seconds * 1000))

        // The plain loop takes as many transactions as the engine's run without a tenant column.
        var bareBatches = 0
        for (table, tenantColumn) in [("events_engine", true), ("events_engine_bare", false)] {
            try warm(table, connection)
            let engine = try runEngine(table, tenantColumn: tenantColumn, asOf: asOf, due: due)
            print(String(format: "  engine, %@: %9.0f rows/s (%.2f s), ratio %.2f, %d batches, longest batch (transaction) %.0f ms, median %.1f ms",
                         (tenantColumn ? "counts per tenant " : "no tenant column  ") as NSString, engine.rate, engine.seconds,
                         engine.rate / single.rate, engine.batches, engine.longestMs, engine.medianMs))
            if !tenantColumn { bareBatches = engine.batches }
        }
        try warm("events_batched", connection)
        let batched = try plainBatches("events_batched", count: max(bareBatches, 1), asOf: asOf, due: due, connection)
        print(String(format: "  plain SQL in %d batches:     %9.0f rows/s (%.2f s), ratio %.2f, longest batch (transaction) %.0f ms (one DELETE per window of created_at, each its own transaction, one connection)",
                     batched.batches, batched.rate, batched.seconds, batched.rate / single.rate, batched.longestMs))
    }

    /// The database on the coordinator and every worker, with the workers in the coordinator's metadata.
    private func createDatabase() throws -> Connection {
        server.dropEverywhere(BenchCitus.database, workerPorts: workerPorts)
        for port in workerPorts {
            try Connection(conninfo: server.url("postgres", port: port)).execute("CREATE DATABASE \(BenchCitus.database)")
            try Connection(conninfo: server.url(BenchCitus.database, port: port)).execute("CREATE EXTENSION citus")
        }
        try server.recreate(BenchCitus.database)
        let connection = try Connection(conninfo: server.url(BenchCitus.database))
        try connection.execute("CREATE EXTENSION citus")
        let coordinator = required(URLComponents(string: options.databaseURL), "--database-url must be a URL")
        try connection.execute("SELECT citus_set_coordinator_host($1, $2::int)", [coordinator.host ?? "127.0.0.1", String(coordinator.port ?? 5432)])
        for port in workerPorts {
            try connection.execute("SELECT citus_add_node($1, $2::int)", [coordinator.host ?? "127.0.0.1", port])
        }
        return connection
    }

    /// `BenchData`'s rows, in time order, in a table distributed by `org_id`; the copies are
    /// filled from the first shard by shard in the same order (by `id`, the order in which the
    /// first received its rows): the shards of the three tables hold alike heaps.
    private func createTable(_ table: String, _ connection: Connection) throws {
        try connection.execute("SET citus.shard_count = 32")
        try connection.execute("""
            CREATE TABLE \(table) (id bigint NOT NULL, org_id int NOT NULL, user_id bigint, email text, ip inet, kind text,
                payload jsonb, created_at timestamptz NOT NULL, PRIMARY KEY (org_id, id))
            """)
        try connection.execute("SELECT create_distributed_table('\(table)', 'org_id'\(table == BenchCitus.tables[0] ? "" : ", colocate_with => '\(BenchCitus.tables[0])'"))")
        if table == BenchCitus.tables[0] {
            try connection.execute("""
                INSERT INTO \(table) SELECT g, g % 500, g % 20000, 'user' || (g % 20000) || '@example.com',
                       ('10.' || (g % 256) || '.' || ((g / 256) % 256) || '.' || (g % 200))::inet,
                       (ARRAY['login', 'view', 'edit'])[1 + g % 3], jsonb_build_object('n', g, 'path', '/objectives/' || g),
                       timestamptz '\(BenchData.start)' + g * interval '\(BenchData.stepSeconds) seconds'
                FROM generate_series(1, $1::int) AS g
                """, [String(options.rows)])
        } else {
            try connection.execute("INSERT INTO \(table) SELECT * FROM \(BenchCitus.tables[0]) ORDER BY id")
        }
        try connection.execute("CREATE INDEX ON \(table) (created_at)")
        try connection.execute("VACUUM ANALYZE \(table)")
    }

    /// Reads the table once on every shard and checkpoints every node, so each method starts warm.
    private func warm(_ table: String, _ connection: Connection) throws {
        try connection.execute("SELECT count(*) FROM \(table)")
        try connection.execute("SELECT run_command_on_workers('CHECKPOINT')")
        try connection.execute("CHECKPOINT")
    }

    /// What batching costs on Citus whoever does it: the due range cut into `count` equal windows
    /// of `created_at` (as many transactions as the engine's run without a tenant column), one
    /// autocommit `DELETE` each, in order, with Citus's defaults.
    private func plainBatches(_ table: String, count: Int, asOf: String, due: Int, _ connection: Connection) throws -> Measurement {
        let first = try connection.execute("SELECT (extract(epoch FROM min(created_at)) * 1000000)::bigint FROM \(table)").int64()
        let end = try connection.execute("SELECT (extract(epoch FROM $1::timestamptz) * 1000000)::bigint", [asOf]).int64()
        let width = (end - first) / Int64(count) + 1
        var deleted = 0
        var longest = 0.0
        let started = Date()
        for index in 0..<Int64(count) {
            let from = first + index * width
            let batchStarted = Date()
            deleted += try connection.execute("""
                DELETE FROM \(table) WHERE created_at >= timestamptz 'epoch' + $1::bigint * interval '1 microsecond'
                  AND created_at < least(timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::timestamptz)
                """, [String(from), String(from + width), asOf]).affectedRows
            longest = max(longest, Date().timeIntervalSince(batchStarted) * 1000)
        }
        let seconds = Date().timeIntervalSince(started)
        guard deleted == due else { fail("the plain batches deleted \(deleted) rows, expected \(due)") }
        return Measurement(rows: deleted, seconds: seconds, batches: count, longestMs: longest)
    }

    private func runEngine(_ table: String, tenantColumn: Bool, asOf: String, due: Int) throws -> Measurement {
        let tenant = tenantColumn ? #""tenantColumn": "org_id", "# : ""
        let policy = try PolicyParser.parse("""
            {"policy": "bench", "rules": [{"name": "events", "table": "\(table)", \(tenant)"due": {"after": "0 days", "from": "created_at"}, "action": "delete"}]}
            """)
        var runOptions = RunOptions()
        runOptions.asOf = asOf
        runOptions.concurrency = options.concurrency
        let runner = Runner(policy: policy, options: runOptions, source: ConnectionSource(conninfo: server.url(BenchCitus.database)),
                            migrations: migrations, state: StateDirectory(path: BenchCitus.state), stop: StopSignal())
        let started = Date()
        let (report, _) = try runner.run()
        let seconds = Date().timeIntervalSince(started)
        guard let result = report.rules.first, result.status == .ok else { fail("engine run failed: \(report.rules.first?.error ?? "?")") }
        guard result.affected == Int64(due) else { fail("engine deleted \(result.affected) rows, expected \(due)") }
        print("  engine, \(tenantColumn ? "counts per tenant" : "no tenant column"): batches by \(result.batchPath?.description ?? "?")")
        return Measurement(rows: Int(result.affected), seconds: seconds, batches: result.batches,
                           longestMs: result.longestBatchMs, medianMs: result.medianBatchMs)
    }
}
