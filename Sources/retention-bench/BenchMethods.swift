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
    func singleStatement(_ action: BenchAction) throws -> Measurement {
        let database = "bench_single"
        defer { server.drop(database) }
        let connection = try server.warmCopy(of: template, named: database)
        let statement: String
        switch action {
        case .delete:
            statement = "DELETE FROM events WHERE created_at < $1::timestamptz"
        case .pseudonymise:
            let pads = HMACPads(key: BenchMethods.key.bytes)
            statement = """
                UPDATE events SET email = encode(sha256('\\x\(pads.outer)'::bytea || sha256('\\x\(pads.inner)'::bytea || convert_to(email, 'UTF8'))), 'hex'),
                    user_id = NULL, pseudonymised_at = now()
                WHERE created_at < $1::timestamptz AND pseudonymised_at IS NULL
                """
        case .aggregate:
            statement = """
                WITH removed AS (DELETE FROM events WHERE created_at < $1::timestamptz RETURNING created_at, org_id, kind, user_id)
                INSERT INTO events_daily (day, org_id, kind, events, user_total)
                SELECT date_trunc('day', created_at)::date, org_id, kind, count(*), coalesce(sum(user_id), 0) FROM removed GROUP BY 1, 2, 3
                ON CONFLICT (day, org_id, kind) DO UPDATE SET events = events_daily.events + excluded.events,
                    user_total = events_daily.user_total + excluded.user_total
                """
        case .terminate, .earliestOf:
            statement = "DELETE FROM events e WHERE \(BenchTenantData.condition(action))"
        case .perTenant:
            statement = BenchTenantData.perTenantStatement
        }
        try connection.execute("SET TimeZone = 'UTC'")
        let started = Date()
        let result = try connection.execute(statement, [asOf])
        let seconds = Date().timeIntervalSince(started)
        let rows = action == .aggregate ? due : result.affectedRows
        guard rows == due else { fail("single statement changed \(rows) rows, expected \(due)") }
        return Measurement(rows: rows, seconds: seconds)
    }

    /// What two cores allow: the single delete split by `id` into `options.concurrency` disjoint
    /// ranges of the due rows (in both layouts `id` follows the heap), each on its own connection,
    /// all started together; the wall time until the last commits.
    func parallelStatements() throws -> Measurement {
        let database = "bench_parallel"
        defer { server.drop(database) }
        let first = try server.warmCopy(of: template, named: database)
        let row = try first.execute("SELECT min(id), max(id) FROM events WHERE created_at < $1::timestamptz", [asOf]).onlyRow()
        let low = try row.int64(0)
        let width = (try row.int64(1) - low) / Int64(options.concurrency) + 1
        var connections = [first]
        while connections.count < options.concurrency { connections.append(try Connection(conninfo: server.url(database))) }
        let deleted = Locked(0)
        // Each thread takes its own connection from the pool (a connection is not Sendable).
        let pool = Locked(connections)
        let group = DispatchGroup()
        let started = Date()
        for index in connections.indices {
            let from = String(low + Int64(index) * width)
            let to = String(low + Int64(index + 1) * width)
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    let connection = pool.withLock { $0[index] }
                    let rows = try connection.execute("DELETE FROM events WHERE created_at < $1::timestamptz AND id >= $2::bigint AND id < $3::bigint",
                                                        [asOf, from, to]).affectedRows
                    deleted.withLock { $0 += rows }
                } catch {
                    print("parallel delete of ids \(from)..<\(to) failed: \(error)")
                }
            }
        }
        group.wait()
        let seconds = Date().timeIntervalSince(started)
        let total = deleted.withLock { $0 }
        guard total == due else { fail("the parallel statements deleted \(total) rows, expected \(due)") }
        return Measurement(rows: due, seconds: seconds)
    }

    /// The engine's policy for an action: one rule.
    private func policyJSON(_ action: BenchAction) -> String {
        let rule: String
        switch action {
        case .pseudonymise:
            rule = #""action": "pseudonymise", "pseudonymise": {"columns": {"email": "hmac", "user_id": "null"}, "marker": "pseudonymised_at"}"#
        case .aggregate:
            rule = #""action": "aggregate", "aggregate": {"into": "events_daily", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["org_id", "kind"], "count": "events", "sums": {"user_id": "user_total"}}"#
        case .delete:
            rule = #""action": "delete""#
        case .terminate, .earliestOf, .perTenant:
            return #"{"policy": "bench", \#(BenchTenantData.tenantsJSON), "rules": [\#(BenchTenantData.rules(action))]}"#
        }
        return """
            {"policy": "bench", "rules": [{"name": "events-\(action.rawValue)", "table": "events", "partitions": "\(partitions)",
              "due": {"after": "0 days", "from": "created_at"}, \(rule)}]}
            """
    }

    /// The engine, in this process, as `retention run` runs it; or, with `--whole-process`, the
    /// `retention` binary beside this one, timed from its start to its exit.
    func engine(_ action: BenchAction) throws -> Measurement {
        let database = "bench_engine"
        defer { server.drop(database) }
        _ = try server.warmCopy(of: template, named: database)
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("retention-bench-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: state) }
        let result: RuleResult
        let seconds: Double
        if options.wholeProcess {
            (result, seconds) = try engineProcess(action, database: database, state: state)
        } else {
            let policy = try PolicyParser.parse(policyJSON(action))
            var runOptions = RunOptions()
            runOptions.asOf = asOf
            runOptions.concurrency = options.concurrency
            runOptions.pseudonymKey = BenchMethods.key
            let runner = Runner(policy: policy, options: runOptions, source: ConnectionSource(conninfo: server.url(database)),
                                migrations: migrations, state: StateDirectory(path: state), stop: StopSignal())
            let started = Date()
            let (report, _) = try runner.run()
            seconds = Date().timeIntervalSince(started)
            guard let first = report.rules.first(where: { $0.name == "events-\(action.rawValue)" }) ?? report.rules.first else { fail("engine run reported no rule") }
            result = first
        }
        guard result.status == .ok else { fail("engine run failed: \(result.error ?? "?")") }
        guard result.affected == Int64(due) else { fail("engine changed \(result.affected) rows, expected \(due)") }
        return Measurement(rows: Int(result.affected), seconds: seconds, batches: result.batches,
                           longestMs: result.longestBatchMs, medianMs: result.medianBatchMs, partitions: result.partitions.count,
                           parentLockMs: result.partitions.map(\.parentLockMs).max() ?? 0)
    }

    /// `retention run` as its own process: its report gives the counts and batch times.
    private func engineProcess(_ action: BenchAction, database: String, state: String) throws -> (RuleResult, Double) {
        let directory = (CommandLine.arguments[0] as NSString).deletingLastPathComponent
        let binary = directory + "/retention"
        guard FileManager.default.isExecutableFile(atPath: binary) else { fail("--whole-process needs \(binary): swift build -c release") }
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let policyPath = state + "/policy.json"
        let reportPath = state + "/report.json"
        try policyJSON(action).write(toFile: policyPath, atomically: true, encoding: .utf8)
        try (String(repeating: "k", count: 32)).write(toFile: state + "/key", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["run", "--policy", policyPath, "--as-of", asOf, "--concurrency", String(options.concurrency),
                             "--state-dir", state + "/state", "--report", reportPath, "--pseudonym-key-file", state + "/key",
                             "--database-url", server.url(database)]
        process.standardOutput = FileHandle.nullDevice
        let started = Date()
        try process.run()
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(started)
        guard process.terminationStatus == 0 else { fail("retention run exited \(process.terminationStatus)") }
        guard let data = FileManager.default.contents(atPath: reportPath),
              let report = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let rules = report["rules"] as? [[String: Any]],
              let rule = rules.first(where: { $0["name"] as? String == "events-\(action.rawValue)" }) ?? rules.first else { fail("no report at \(reportPath)") }
        func number(_ key: String) -> Double { (rule[key] as? NSNumber)?.doubleValue ?? 0 }
        var result = RuleResult(rule: try PolicyParser.parse(policyJSON(action)).rules[0], status: rule["status"] as? String == "ok" ? .ok : .failed)
        result.error = rule["error"] as? String
        result.affected = Int64(number("affected"))
        result.batches = Int(number("batches"))
        result.longestBatchMs = number("longestBatchMs")
        result.medianBatchMs = number("medianBatchMs")
        return (result, seconds)
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
