import Foundation
import Postgres

/// One connection working through the scheduler's work until every rule is done.
final class Worker {
    let context: RunContext
    let scheduler: Scheduler
    private var connection: Connection?

    init(context: RunContext, scheduler: Scheduler) {
        self.context = context
        self.scheduler = scheduler
    }

    func run() {
        while true {
            switch scheduler.next() {
            case .done:
                return
            case let .start(execution):
                start(execution)
            case let .slice(execution, slice):
                process(execution, slice)
            case let .finish(execution):
                finish(execution)
            }
        }
    }

    // MARK: Starting a rule

    private func start(_ execution: RuleExecution) {
        do {
            if case let .purgeFiles(spec) = execution.rule.action {
                let result = try purgeFiles(execution.rule, spec)
                scheduler.update {
                    execution.result = result
                    execution.state = .done
                }
                return
            }
            guard let plan = execution.plan else {
                throw EngineError.unsupported("action \"\(execution.rule.action.name)\" is not supported by this version")
            }
            let bounds = try withRetry { connection in try RuleStart.bounds(for: plan, context: context, connection: connection) }
            if context.options.dryRun {
                let referencing = referencingRules(of: plan)
                let counts = try withRetry { connection in
                    try RuleCounts.read(plan, bounds: bounds, referencingRules: referencing, connection: connection)
                }
                scheduler.update {
                    execution.bounds = bounds
                    execution.result.cutoff = bounds.cutoff
                    counts.apply(to: &execution.result, affected: [:], dryRun: true)
                    execution.result.status = .ok
                    execution.result.durationMs = Int64(Date().timeIntervalSince(execution.startedAt) * 1000)
                    execution.state = .done
                }
                return
            }
            let erasures = try withRetry { connection in try RuleStart.erasures(for: plan, bounds: bounds, context: context, connection: connection) }
            try context.ledger.append(erasures)
            let cursors = try withRetry { connection in try RuleStart.cursors(for: plan, bounds: bounds, connection: connection) }
            scheduler.update {
                execution.bounds = bounds
                execution.result.cutoff = bounds.cutoff
                execution.cursors = cursors
                execution.state = .running
            }
        } catch {
            scheduler.update {
                execution.result.status = .failed
                execution.result.error = describe(error)
                execution.state = .done
            }
        }
    }

    /// Runs a `purge-files` rule: the cutoff comes from the database's interval arithmetic like
    /// every other rule's.
    private func purgeFiles(_ rule: Rule, _ spec: FileSpec) throws -> RuleResult {
        let started = Date()
        let row = try withRetry { connection in
            try connection.execute("""
                SELECT \(SQLTime.isoUTC("$1::timestamptz - $2::interval")), extract(epoch FROM $1::timestamptz - $2::interval)::float8
                """, [context.asOf, rule.due.after.intervalText]).rows[0]
        }
        let cutoff = try row.text(0)
        let purge = FilePurge(spec: spec, cutoff: Double(try row.text(1)) ?? 0, dryRun: context.options.dryRun)
        let outcome = try purge.run()
        var result = RuleResult(rule: rule, status: .ok)
        result.cutoff = cutoff
        result.matched = outcome.matched
        result.affected = outcome.affected
        result.files = outcome.files
        result.bytesFreed = outcome.bytesFreed
        result.warnings = outcome.warnings + outcome.skippedLinks.map { "left symbolic link \"\($0)\" alone" }
        let problems = outcome.failures.map { "\($0.name) (\($0.error ?? "?"))" } + outcome.directoryErrors
        if !problems.isEmpty {
            result.status = .failed
            result.error = "\(problems.count) files or directories could not be handled: " + problems.joined(separator: ", ")
        }
        result.durationMs = Int64(Date().timeIntervalSince(started) * 1000)
        if !context.options.dryRun {
            try withRetry { connection in try RunLedger.recordRule(result, runID: context.runID, connection: connection) }
        }
        return result
    }

    /// For a dry run: the already-started rules that remove rows from tables referencing this one.
    private func referencingRules(of plan: RulePlan) -> [Identifier: [CountStatement.ReferencingRule]] {
        let roots = Set(plan.blockingKeys.map(\.referencingRoot))
        var result: [Identifier: [CountStatement.ReferencingRule]] = [:]
        let names = scheduler.executions.filter { execution in
            execution.rule.removesRows && execution.plan.map { roots.contains($0.table.identifier) } == true
        }.map(\.rule.name)
        for (execution, bounds) in scheduler.startedBounds(of: names) {
            guard let childPlan = execution.plan else { continue }
            result[childPlan.table.identifier, default: []].append(CountStatement.ReferencingRule(plan: childPlan, bounds: bounds))
        }
        return result
    }

    // MARK: Batches

    private func process(_ execution: RuleExecution, _ slice: BatchSlice) {
        guard let plan = execution.plan, let bounds = execution.bounds else { return }
        var outcome = SliceOutcome()
        do {
            try run(plan, bounds: bounds, slice: slice, skipLocked: false, depth: 0, into: &outcome) { rows in
                self.scheduler.update { execution.committedRows += rows }
            }
        } catch {
            outcome.failure = describe(error)
        }
        scheduler.update {
            execution.inFlight -= 1
            execution.finishedSize += slice.size
            execution.batchDurations += outcome.durations
            execution.result.batches += outcome.durations.count
            for (tenant, affected) in outcome.affectedByTenant {
                execution.affectedByTenant[tenant, default: 0] += affected
            }
            if outcome.skippedLocked { execution.skippedLockedRows = true }
            if outcome.leftRows { execution.leftRows = true }
            if let failure = outcome.failure, execution.failure == nil { execution.failure = failure }
            if outcome.failure == nil, let seconds = outcome.durations.last {
                execution.adapt(slice, seconds: seconds, affected: outcome.lastAffected,
                                target: context.options.targetBatchSeconds, batchSize: context.options.batchSize)
            }
        }
    }

    /// What the batches of one slice did.
    private struct SliceOutcome {
        var durations: [Double] = []
        var affectedByTenant: [String?: Int64] = [:]
        var lastAffected: Int64 = 0
        var skippedLocked = false
        /// The slice was left before all its batches ran (a stop request).
        var leftRows = false
        var failure: String?
    }

    /// Runs the batches of one slice: the TID range statement, or, once a row held by the
    /// application was met, the `SKIP LOCKED` form; with `--batch-size`, repeated until a batch
    /// comes back short. A batch that hits `statement_timeout` is split in halves.
    private func run(_ plan: RulePlan, bounds: RuleBounds, slice: BatchSlice, skipLocked: Bool, depth: Int,
                     into outcome: inout SliceOutcome, committed: (Int64) -> Void) throws {
        let limit = context.options.batchSize
        var mode: BatchStatement.Mode = (limit == nil && !skipLocked) ? .range : .lockedRows(limit: limit, skipLocked: skipLocked)
        var attempt = 0
        while true {
            let statement = BatchStatement.make(plan, slice: slice, bounds: bounds, runID: context.runID, mode: mode)
            let started = Date()
            do {
                let counts = try execute(statement, ruleName: plan.rule.name)
                outcome.durations.append(Date().timeIntervalSince(started))
                var affected: Int64 = 0
                for (tenant, count) in counts {
                    outcome.affectedByTenant[tenant, default: 0] += count
                    affected += count
                }
                outcome.lastAffected = affected
                committed(affected)
                if context.options.pauseMilliseconds > 0 {
                    Thread.sleep(forTimeInterval: Double(context.options.pauseMilliseconds) / 1000)
                }
                if let limit, affected >= Int64(limit) {
                    guard context.stop.stopReason == nil else {
                        outcome.leftRows = true
                        return
                    }
                    continue
                }
                return
            } catch let error as PostgresError {
                attempt += 1
                if error.isConnectionLost { connection = nil }
                switch error.sqlState {
                case .lockNotAvailable?:
                    outcome.skippedLocked = true
                    mode = .lockedRows(limit: limit, skipLocked: true)
                    if attempt <= 3 { continue }
                case .queryCanceled? where depth < 8:
                    if let (first, second) = slice.halves() {
                        try run(plan, bounds: bounds, slice: first, skipLocked: skipLocked, depth: depth + 1, into: &outcome, committed: committed)
                        try run(plan, bounds: bounds, slice: second, skipLocked: skipLocked, depth: depth + 1, into: &outcome, committed: committed)
                        return
                    }
                case .foreignKeyViolation? where attempt <= 3:
                    continue
                default:
                    break
                }
                guard error.isTransient, attempt <= 6 else { throw error }
                Thread.sleep(forTimeInterval: Retry.backoff(attempt: attempt))
            }
        }
    }

    /// Runs one batch as one transaction and returns what it changed per tenant.
    private func execute(_ statement: BatchStatement, ruleName: String) throws -> [(String?, Int64)] {
        let connection = try connectedConnection()
        if statement.countsByTenant {
            return try connection.execute(statement.sql, statement.parameters).rows.map { ($0[0], try $0.int64(1)) }
        }
        return try connection.transaction {
            let affected = try connection.execute(statement.sql, statement.parameters).affectedRows
            if affected > 0 {
                try connection.execute(BatchStatement.recordSQL, [context.runID, ruleName, String(affected)])
            }
            return [(nil, Int64(affected))]
        }
    }

    // MARK: Finishing a rule

    private func finish(_ execution: RuleExecution) {
        guard let plan = execution.plan, let bounds = execution.bounds else { return }
        let interrupted = context.stop.stopReason != nil && (execution.hasSlicesLeft || execution.leftRows)
        var counts = RuleCounts()
        var failure = execution.failure
        let needsCount = !plan.blockingKeys.isEmpty || execution.skippedLockedRows || (plan.rule.tenantColumn != nil && holdsInForce())
        if failure == nil, !interrupted, needsCount {
            do {
                counts = try withRetry { connection in try RuleCounts.read(plan, bounds: bounds, referencingRules: [:], connection: connection) }
            } catch {
                failure = describe(error)
            }
        }
        // What the batches changed, as recorded with them: exact even when a commit's reply was
        // lost and the retry found the rows already gone.
        var affected = execution.affectedByTenant
        if let recorded = try? withRetry({ connection in
            try connection.execute("SELECT tenant, sum(affected)::bigint FROM retention.batch_results WHERE run_id = $1::uuid AND rule = $2 GROUP BY tenant",
                                   [context.runID, plan.rule.name]).rows.map { ($0[0], try $0.int64(1)) }
        }) {
            affected = Dictionary(recorded, uniquingKeysWith: +)
        }
        var result = execution.result
        result.status = failure != nil ? .failed : interrupted ? .interrupted : .ok
        result.error = failure ?? (interrupted ? "stopped before every batch ran: \(context.stop.stopReason ?? "")" : nil)
        counts.apply(to: &result, affected: affected, dryRun: false)
        result.durationMs = Int64(Date().timeIntervalSince(execution.startedAt) * 1000)
        let sorted = execution.batchDurations.sorted()
        result.longestBatchMs = (sorted.last ?? 0) * 1000
        result.medianBatchMs = sorted.isEmpty ? 0 : sorted[sorted.count / 2] * 1000
        do {
            try withRetry { connection in try RunLedger.recordRule(result, runID: context.runID, connection: connection) }
        } catch {
            result.status = .failed
            result.error = "could not record the rule's result: \(describe(error))"
        }
        scheduler.update {
            execution.result = result
            execution.state = .done
        }
    }

    /// Whether any legal hold is in force (then a rule with a tenant column counts what it kept).
    private func holdsInForce() -> Bool {
        (try? withRetry { connection in
            try connection.execute("SELECT EXISTS (SELECT 1 FROM retention.legal_holds WHERE released_at IS NULL)").requiredScalar() == "t"
        }) ?? true
    }

    // MARK: Connection

    private func connectedConnection() throws -> Connection {
        if let connection, connection.isOpen { return connection }
        let fresh = try context.connect()
        connection = fresh
        return fresh
    }

    /// Runs `body` on the worker's connection, reconnecting and retrying transient errors.
    private func withRetry<T>(_ body: (Connection) throws -> T) throws -> T {
        var attempt = 0
        while true {
            do {
                return try body(try connectedConnection())
            } catch let error as PostgresError where error.isTransient && attempt < 6 {
                attempt += 1
                if error.isConnectionLost { connection = nil }
                Thread.sleep(forTimeInterval: Retry.backoff(attempt: attempt))
            }
        }
    }

    private func describe(_ error: Error) -> String {
        if let error = error as? PostgresError { return error.description }
        return "\(error)"
    }
}

/// Back-off between retries of a transient failure: 50 ms doubling, with jitter, at most 3.2 s.
enum Retry {
    static func backoff(attempt: Int) -> Double {
        let base = 0.05 * Double(1 << min(attempt - 1, 6))
        return base * Double.random(in: 0.5...1.0)
    }
}

/// Errors of the engine itself, with the rule they concern.
public enum EngineError: Error, Sendable, CustomStringConvertible {
    case unsupported(String)

    public var description: String {
        switch self {
        case let .unsupported(message): return message
        }
    }
}
