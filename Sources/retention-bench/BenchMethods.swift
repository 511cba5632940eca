import Foundation
import Postgres
import RetentionCore

/// One measurement: rows removed or changed, and the wall time.
struct Measurement {
    var rows: Int
    var seconds: Double
    var batches = 0
    var longestMs = 0.0
    var medianMs = 0.0
    /// Partitions removed whole, and the longest hold of the parent's ACCESS EXCLUSIVE lock.
    var partitions = 0
    var parentLockMs = 0.0
    var rate: Double { Double(rows) / seconds }
}

/// The methods compared, each on its own warm copy of the template.
struct BenchMethods {
    let server: BenchServer
    let template: String
    let asOf: String
    let due: Int
    let options: BenchOptions
    let migrations: [MigrationFile]
    /// The rule's `partitions` mode (`drop` for the partitioned layout).
    var partitions = "rows"

    static let key = PseudonymKey(bytes: Array("benchmark-pseudonym-key-32-bytes!".utf8))

    /// The one statement everyone assumes is fastest.
    func singleStatement(_ action: String) throws -> Measurement {
        let database = "bench_single"
        defer { server.drop(database) }
        let connection = try server.warmCopy(of: template, named: database)
        let statement: String
        switch action {
        case "delete":
            statement = "DELETE FROM events WHERE created_at < $1::timestamptz"
        case "pseudonymise":
            let pads = HMACPads(key: BenchMethods.key.bytes)
            statement = """
                UPDATE events SET email = encode(sha256('\\x\(pads.outer)'::bytea || sha256('\\x\(pads.inner)'::bytea || convert_to(email, 'UTF8'))), 'hex'),
                    user_id = NULL, pseudonymised_at = now()
                WHERE created_at < $1::timestamptz AND pseudonymised_at IS NULL
                """
        case "aggregate":
            statement = """
                WITH removed AS (DELETE FROM events WHERE created_at < $1::timestamptz RETURNING created_at, org_id, kind, user_id)
                INSERT INTO events_daily (day, org_id, kind, events, user_total)
                SELECT date_trunc('day', created_at)::date, org_id, kind, count(*), coalesce(sum(user_id), 0) FROM removed GROUP BY 1, 2, 3
                ON CONFLICT (day, org_id, kind) DO UPDATE SET events = events_daily.events + excluded.events,
                    user_total = events_daily.user_total + excluded.user_total
                """
        default:
            fail("unknown action \"\(action)\"")
        }
        try connection.execute("SET TimeZone = 'UTC'")
        let started = Date()
        let result = try connection.execute(statement, [asOf])
        let seconds = Date().timeIntervalSince(started)
        let rows = action == "aggregate" ? due : result.affectedRows
        guard rows == due else { fail("single statement changed \(rows) rows, expected \(due)") }
        return Measurement(rows: rows, seconds: seconds)
    }

    /// The engine, in this process, as `retention run` runs it.
    func engine(_ action: String) throws -> Measurement {
        let database = "bench_engine"
        defer { server.drop(database) }
        _ = try server.warmCopy(of: template, named: database)
        let rule: String
        switch action {
        case "pseudonymise":
            rule = #""action": "pseudonymise", "pseudonymise": {"columns": {"email": "hmac", "user_id": "null"}, "marker": "pseudonymised_at"}"#
        case "aggregate":
            rule = #""action": "aggregate", "aggregate": {"into": "events_daily", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["org_id", "kind"], "count": "events", "sums": {"user_id": "user_total"}}"#
        default:
            rule = #""action": "delete""#
        }
        let policy = try PolicyParser.parse("""
            {"policy": "bench", "rules": [{"name": "events-\(action)", "table": "events", "partitions": "\(partitions)",
              "due": {"after": "0 days", "from": "created_at"}, \(rule)}]}
            """)
        var runOptions = RunOptions()
        runOptions.asOf = asOf
        runOptions.concurrency = options.concurrency
        runOptions.pseudonymKey = BenchMethods.key
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("retention-bench-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: state) }
        let runner = Runner(policy: policy, options: runOptions, source: ConnectionSource(conninfo: server.url(database)),
                            migrations: migrations, state: StateDirectory(path: state), stop: StopSignal())
        let started = Date()
        let (report, _) = try runner.run()
        let seconds = Date().timeIntervalSince(started)
        guard let result = report.rules.first, result.status == .ok else { fail("engine run failed: \(report.rules.first?.error ?? "?")") }
        guard result.affected == Int64(due) else { fail("engine changed \(result.affected) rows, expected \(due)") }
        return Measurement(rows: Int(result.affected), seconds: seconds, batches: result.batches,
                           longestMs: result.longestBatchMs, medianMs: result.medianBatchMs, partitions: result.partitions.count,
                           parentLockMs: result.partitions.map(\.parentLockMs).max() ?? 0)
    }

    /// What a cron script does: one autocommit DELETE per row, on a sample.
    func rowByRow(sample: Int) throws -> Measurement {
        let database = "bench_rowwise"
        defer { server.drop(database) }
        let connection = try server.warmCopy(of: template, named: database)
        let ids = try connection.execute("SELECT id FROM events WHERE created_at < $1::timestamptz LIMIT $2::int", [asOf, String(sample)]).rows.map { $0[0] }
        let started = Date()
        for id in ids { try connection.execute("DELETE FROM events WHERE id = $1::bigint", [id]) }
        return Measurement(rows: ids.count, seconds: Date().timeIntervalSince(started))
    }
}
