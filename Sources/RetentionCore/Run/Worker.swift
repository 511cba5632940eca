import Foundation
import Postgres

/// One connection working through the scheduler's work until every rule is done. Each piece of
/// work comes with a snapshot of its rule; what the worker learns goes back through
/// `scheduler.update`.
final class Worker {
    let context: RunContext
    let scheduler: Scheduler
    private var connection: Connection?
    /// Seconds `withRetry` waited for locks the application held, not yet added to a rule.
    private var lockWaited: Double = 0
    /// By rule: the keys its blocking foreign keys referenced when this worker last read them
    /// (`PriorReads.referencedKeys`).
    private var referencedKeys: [String: [String: [String]]] = [:]

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

    /// The result of a rule on backups (files, a pgBackRest repository), which has no table
    /// and no batches; nil for a rule on a table.
    private func backupResult(_ rule: Rule) throws -> RuleResult? {
        switch rule.action {
        case let .purgeFiles(spec): return try purgeFiles(rule, spec)
        case let .expireBackups(spec): return try expireBackups(rule, spec)
        case .delete, .pseudonymise, .aggregate: return nil
        }
    }

    private func start(_ execution: RuleExecution) {
        lockWaited = 0
        do {
            if let result = try backupResult(execution.rule) {
                scheduler.update(execution) {
                    $0.result = result
                    $0.state = .done
                }
                return
            }
            guard let plan = execution.plan else {
                throw EngineError.noTable(rule: execution.rule.name)
            }
            let bounds = try withRetry { connection in try RuleStart.bounds(for: plan, context: context, connection: connection) }
            if context.options.dryRun {
                let path = try withRetry { connection in try BatchPath.choose(rule: plan.rule, table: plan.table, connection: connection).get() }
                let referencing = referencingRules(of: plan)
                let counts = try withRetry { connection in
                    try RuleCounts.read(plan, bounds: bounds, referencingRules: referencing, connection: connection)
                }
                let partitions = try withRetry { connection in try PartitionProof.forecast(plan, bounds, connection: connection) }
                let waited = takeLockWaited()
                scheduler.update(execution) {
                    $0.bounds = bounds
                    $0.result.batchPath = path
                    $0.result.lockWaitMs = Int64(waited * 1000)
                    $0.result.cutoff = bounds.cutoff
                    $0.result.partitions = partitions.removed
                    $0.result.warnings += partitions.notes
                    counts.apply(to: &$0.result, affected: [:], dryRun: true)
                    $0.result.status = .ok
                    $0.result.durationMs = Int64(Date().timeIntervalSince($0.startedAt) * 1000)
                    $0.state = .done
                }
                return
            }
            let missedRowsMarker = MissedRows.applies(to: plan)
                ? try withRetry { connection in try connection.execute(MissedRows.startMarker).requiredScalar() } : nil
            let erasures = try withRetry { connection in try RuleStart.erasures(for: plan, bounds: bounds, context: context, connection: connection) }
            let ledgerFile = try context.ledger.append(erasures)
            // A failure after some partitions were removed ends the rule (no batches), reporting those.
            let partitions: PartitionRemoval.Outcome
            var failure: String?
            do {
                partitions = try PartitionRemoval(plan: plan, bounds: bounds, context: context).run { step in try withRetry(step) }
            } catch let failed as PartitionRemoval.Failed {
                partitions = failed.outcome
                failure = Worker.describe(failed.error)
            }
            // The path is chosen once the partitions removed whole are gone (none when that failed).
            let walking = plan.table.leaves.filter { !partitions.removedLeaves.contains($0) }
            let path = failure != nil ? nil : try withRetry { connection in
                try BatchPath.choose(rule: plan.rule, table: plan.table, walking: walking, connection: connection).get()
            }
            let cursors = try path.map { path in
                try withRetry { connection in
                    try RuleStart.cursors(for: plan, path: path, bounds: bounds, removed: partitions.removedLeaves, connection: connection)
                }
            } ?? []
            let waited = takeLockWaited()
            scheduler.update(execution) {
                $0.lockWaitSeconds += waited
                $0.bounds = bounds
                $0.result.batchPath = path
                $0.result.cutoff = bounds.cutoff
                $0.result.partitions = partitions.partitions
                $0.recordedBeyondReplies = !partitions.partitions.isEmpty
                $0.result.warnings += partitions.warnings
                $0.batchDurations += partitions.durations
                $0.committedRows += partitions.rows
                $0.ledgerFile = ledgerFile
                $0.cursors = cursors
                $0.failure = failure
                $0.missedRowsBaseline = missedRowsMarker.map {
                    MissedRows.Baseline(marker: $0, walked: Set(plan.table.leaves).union(partitions.removedLeaves))
                }
                $0.state = .running
            }
        } catch {
            var result = execution.result
            result.status = .failed
            result.error = Worker.describe(error)
            result.durationMs = Int64(Date().timeIntervalSince(execution.startedAt) * 1000)
            // Recorded like every rule's end, so that the database's trail (audit, Owner reports)
            // shows the failure too; the report has it whatever becomes of this.
            if !context.options.dryRun {
                do {
                    try withRetry { connection in try RunLedger.recordRule(result, runID: context.runID, connection: connection) }
                } catch {
                    result.warnings.append("could not record the rule's failure: \(Worker.describe(error))")
                }
            }
            scheduler.update(execution) {
                $0.result = result
                $0.state = .done
            }
        }
    }

    /// Runs a `purge-files` rule: the cutoff comes from the database's interval arithmetic like
    /// every other rule's.
    private func purgeFiles(_ rule: Rule, _ spec: FileSpec) throws -> RuleResult {
        let started = Date()
        let row = try withRetry { connection in
            try connection.execute(RunStatements.backupCutoff, [context.asOf, rule.due.after.intervalText]).onlyRow()
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
        result.lockWaitMs = Int64(takeLockWaited() * 1000)
        if !context.options.dryRun {
            try withRetry { connection in try RunLedger.recordRule(result, runID: context.runID, connection: connection) }
        }
        return result
    }

    /// Runs an `expire-backups` rule, with the cutoff from the database like every other rule's.
    private func expireBackups(_ rule: Rule, _ spec: PgBackRestSpec) throws -> RuleResult {
        let started = Date()
        let row = try withRetry { connection in
            try connection.execute(RunStatements.backupCutoff, [context.asOf, rule.due.after.intervalText]).onlyRow()
        }
        let asOf = Double(try row.text(2)) ?? Date().timeIntervalSince1970
        var result = RuleResult(rule: rule, status: .ok)
        result.cutoff = try row.text(0)
        do {
            let expiry = BackupExpiry(spec: spec, cutoff: Double(try row.text(1)) ?? 0, period: rule.due.after, dryRun: context.options.dryRun)
            let outcome = try expiry.run()
            result.matched = outcome.matched
            result.affected = outcome.affected
            result.backups = outcome.sets
            result.oldestBackupAgeSeconds = outcome.oldestRemaining.map { Int64(asOf) - $0.start }
            result.warnings = outcome.warnings
            if !outcome.failures.isEmpty {
                result.status = .failed
                result.error = outcome.failures.joined(separator: "; ")
            }
        } catch {
            result.status = .failed
            result.error = "\(error)"
        }
        result.durationMs = Int64(Date().timeIntervalSince(started) * 1000)
        result.lockWaitMs = Int64(takeLockWaited() * 1000)
        if !context.options.dryRun {
            try withRetry { connection in try RunLedger.recordRule(result, runID: context.runID, connection: connection) }
        }
        return result
    }

    /// For a dry run: the already-started rules that remove rows from tables referencing this one.
    private func referencingRules(of plan: RulePlan) -> [Identifier: [CountStatement.ReferencingRule]] {
        let roots = Set(plan.blockingKeys.map(\.referencingRoot))
        var result: [Identifier: [CountStatement.ReferencingRule]] = [:]
        for (childPlan, bounds) in scheduler.startedRules(removingFrom: roots) {
            result[childPlan.table.identifier, default: []].append(CountStatement.ReferencingRule(plan: childPlan, bounds: bounds))
        }
        return result
    }

    // MARK: Batches

    private func process(_ execution: RuleExecution, _ slice: BatchSlice) {
        var outcome = SliceOutcome()
        outcome.ledgerFile = execution.ledgerFile
        do {
            guard let plan = execution.plan, let bounds = execution.bounds else {
                throw EngineError.sliceBeforeStart(rule: execution.rule.name)
            }
            try runBatches(execution, plan, bounds: bounds, slice: slice, skipLocked: false, depth: 0, into: &outcome) { rows in
                self.scheduler.update(execution) { $0.committedRows += rows }
            }
        } catch {
            outcome.failure = Worker.describe(error)
        }
        scheduler.update(execution) { execution in
            execution.inFlight -= 1
            execution.finished(slice)
            execution.finishedSize += slice.size
            execution.batchDurations += outcome.durations
            execution.lockWaitSeconds += outcome.lockWaitSeconds
            execution.ledgerFile = outcome.ledgerFile
            execution.throttle.add(outcome.throttle)
            execution.result.batches += outcome.durations.count
            for (tenant, affected) in outcome.affectedByTenant {
                execution.affectedByTenant[tenant, default: 0] += affected
            }
            if outcome.skippedLocked { execution.skippedLockedRows = true }
            if outcome.connectionLost { execution.recordedBeyondReplies = true }
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
        /// A batch's connection was lost, so a batch may have committed without its reply.
        var connectionLost = false
        /// The slice was left before all its batches ran (a stop request).
        var leftRows = false
        var lockWaitSeconds: Double = 0
        /// The erasure ledger as last verified (compaction by another run replaces the file).
        var ledgerFile: ErasureLedger.FileIdentity?
        var throttle = ThrottleRecord()
        var failure: String?
    }

    /// Whether a batch may start: no standby or slot is further behind than the limits allow
    /// (else it waits), the run still holds its lock and the erasure ledger is still the file the
    /// rule's entries were written to. A lost lock stops the run; a lost ledger fails the rule,
    /// so that no erasure goes unrecorded.
    private func mayStartBatch(_ execution: RuleExecution, into outcome: inout SliceOutcome) throws -> Bool {
        try waitForReplication(execution, into: &outcome)
        if let lost = context.runLock.verify() {
            context.stop.requestStop(lost)
        }
        if context.stop.stopReason != nil { return false }
        if let ledgerFile = outcome.ledgerFile {
            outcome.ledgerFile = try context.ledger.verify(ledgerFile, holding: context.runID, rule: execution.rule.name)
        }
        return true
    }

    /// Waits while a standby or replication slot is over its limit, showing what it waits for
    /// in the rule's progress, noting it in the slice's `throttle` and counting the wait into
    /// the rule's wall-clock waiting time.
    private func waitForReplication(_ execution: RuleExecution, into outcome: inout SliceOutcome) throws {
        let throttle = context.throttle
        var record = ThrottleRecord()
        var waiting = false
        _ = try throttle.wait(measure: { try withRetry { try throttle.excess($0) } }, waiting: { excess in
            if let excess { record.note(excess) }
            scheduler.update(execution) { execution in
                execution.waitingFor = excess
                if excess != nil, !waiting { execution.beginWaiting() }
                if excess == nil, waiting { execution.endWaiting() }
            }
            waiting = excess != nil
        })
        outcome.throttle.add(record)
    }

    /// What one batch came to.
    private enum BatchAttempt {
        /// It ran and changed these rows, per tenant.
        case changed([(String?, Int64)])
        /// It took too long and its slice's halves ran instead.
        case split
    }

    /// Thrown when a slice's next batch may not start (a stop request, a lost run lock): the
    /// slice's rows are left for the next run.
    private struct SliceLeft: Error {}

    /// Runs the batches of one slice: the TID range statement, or, once a row held by the
    /// application was met, the `SKIP LOCKED` form; with `--batch-size`, repeated until a batch
    /// comes back short. Failures go through one `RetryBudget` for the slice, whose hook skips
    /// locked rows, splits a batch that hit `statement_timeout` in halves and reads the referenced
    /// keys again after a foreign-key failure.
    private func runBatches(_ execution: RuleExecution, _ plan: RulePlan, bounds: RuleBounds, slice: BatchSlice,
                     skipLocked: Bool, depth: Int, into outcome: inout SliceOutcome, committed: (Int64) -> Void) throws {
        let limit = context.options.batchSize
        var skipLocked = skipLocked
        var budget = RetryBudget(lockWaitLimit: context.options.lockWaitLimitSeconds)
        var referenceRetries = 0
        defer { outcome.lockWaitSeconds += budget.lockWaited }
        while true {
            var started = Date()
            let attempt: BatchAttempt
            do {
                attempt = try budget.run(stop: context.stop, connection: connectedConnection, lost: {
                    connection = nil
                    outcome.connectionLost = true
                }, before: {
                    guard try mayStartBatch(execution, into: &outcome) else { throw SliceLeft() }
                    started = Date()
                }, recover: { error in
                    switch error.sqlState {
                    case .lockNotAvailable? where !skipLocked && execution.result.batchPath?.locksRowsFirst == true:
                        // A row the application holds: leave it for the next run.
                        outcome.skippedLocked = true
                        skipLocked = true
                        return .retryNow
                    case .lockNotAvailable? where context.stop.stopReason != nil:
                        throw SliceLeft()
                    case .queryCanceled? where depth < 8:
                        guard let (first, second) = slice.halves() else { return nil }
                        try runBatches(execution, plan, bounds: bounds, slice: first, skipLocked: skipLocked, depth: depth + 1,
                                       into: &outcome, committed: committed)
                        try runBatches(execution, plan, bounds: bounds, slice: second, skipLocked: skipLocked, depth: depth + 1,
                                       into: &outcome, committed: committed)
                        return .done(.split)
                    case .foreignKeyViolation? where referenceRetries < 3:
                        // A row referencing a due row was added between the check and the delete.
                        referenceRetries += 1
                        referencedKeys[plan.rule.name] = nil
                        return .retryNow
                    default:
                        return nil
                    }
                }) { connection -> BatchAttempt in
                    let mode: BatchStatement.Mode = (limit == nil && !skipLocked) ? .range : .lockedRows(limit: limit, skipLocked: skipLocked)
                    return .changed(try execute(plan, slice: slice, bounds: bounds, mode: mode, connection: connection))
                }
            } catch is SliceLeft {
                outcome.leftRows = true
                return
            }
            guard case let .changed(counts) = attempt else { return }
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
            guard let limit, affected >= Int64(limit) else { return }
        }
    }

    /// Runs one batch as one transaction and returns what it changed per tenant. What the batch
    /// must read first (`PriorReads`) is read before it, outside its transaction (Citus refuses a
    /// change of a reference table after a parallel read of a distributed table in one
    /// transaction): the holds every time, so that a hold placed later protects from the next
    /// batch on; the referenced keys once, and again after a row that came to reference a due row
    /// made a batch fail on the foreign key.
    private func execute(_ plan: RulePlan, slice: BatchSlice, bounds: RuleBounds, mode: BatchStatement.Mode,
                         connection: Connection) throws -> [(String?, Int64)] {
        var prior: PriorReads?
        if plan.readsHoldsFirst || plan.readsReferencesFirst {
            let keys = try referencedKeys[plan.rule.name] ?? PriorReads.referencedKeys(for: plan, connection)
            referencedKeys[plan.rule.name] = keys
            prior = PriorReads(holds: try HoldsInForce.read(for: plan, connection), referencedKeys: keys)
        }
        let statement = BatchStatement.make(plan, slice: slice, bounds: bounds, runID: context.runID, mode: mode, prior: prior)
        switch statement.reply {
        case .countedByTenant:
            return try connection.execute(statement.sql, statement.parameters).rows.map { ($0[0], try $0.int64(1)) }
        case let .countedFirst(countSQL):
            return try connection.transaction(repeatableRead: true) {
                let counts = try connection.execute(countSQL, statement.parameters).rows.map { ($0[0], try $0.int64(1)) }
                let counted = counts.reduce(0) { $0 + $1.1 }
                let affected = Int64(try connection.execute(statement.sql, statement.parameters).affectedRows)
                guard affected == counted else {
                    throw EngineError.countMismatch(rule: plan.rule.name, counted: counted, changed: affected)
                }
                if !counts.isEmpty {
                    try connection.execute(BatchStatement.recordTenantsSQL, [context.runID, plan.rule.name, textArrayLiteral(counts.map(\.0)),
                                                                             bigintArrayLiteral(counts.map(\.1))])
                }
                return counts
            }
        case .rowCount:
            return try connection.transaction {
                let affected = try connection.execute(statement.sql, statement.parameters).affectedRows
                if affected > 0 {
                    try connection.execute(BatchStatement.recordSQL, [context.runID, plan.rule.name, String(affected)])
                }
                return [(nil, Int64(affected))]
            }
        }
    }

    // MARK: Finishing a rule

    private func finish(_ execution: RuleExecution) {
        lockWaited = 0
        guard let plan = execution.plan, let bounds = execution.bounds else {
            scheduler.update(execution) {
                $0.result.status = .failed
                $0.result.error = "rule \"\(execution.rule.name)\" was finished before it started"
                $0.state = .done
            }
            return
        }
        let stopReason = context.stop.stopReason
        let interrupted = stopReason != nil && (execution.hasSlicesLeft || execution.leftRows)
        var counts = RuleCounts()
        var failure = execution.failure
        let needsCount = !plan.blockingKeys.isEmpty || execution.skippedLockedRows || ((plan.rule.tenantColumn != nil || plan.personHolds != nil) && holdsInForce())
        if failure == nil, !interrupted, needsCount {
            do {
                counts = try withRetry { connection in try RuleCounts.read(plan, bounds: bounds, referencingRules: [:], connection: connection) }
            } catch {
                failure = Worker.describe(error)
            }
        }
        if failure == nil, !interrupted, !execution.skippedLockedRows, let baseline = execution.missedRowsBaseline {
            do {
                let missed = try withRetry { connection in try MissedRows.count(plan, bounds: bounds, baseline: baseline, connection: connection) }
                if missed.rows > 0 {
                    failure = "\(missed.rows) due rows in \(missed.relations.map(\.description).joined(separator: ", ")), which hold rows of \(plan.table.identifier) but which the rule did not walk (a table that inherits from it, a foreign or newly attached partition), were there when the rule started and are still there"
                }
            } catch {
                failure = Worker.describe(error)
            }
        }
        // What the batches changed: their replies, which arrive only once a batch committed. The
        // records written with the batches and the partitions removed whole are read instead when
        // they hold more (`recordedBeyondReplies`): a batch that lost its connection may have
        // committed without its reply (the retry then found its rows gone). Reading them always
        // would cost a scan of one record per tenant and batch (2.4 million for a rule of 10,000
        // tenants), which outlasted the statement timeout.
        var affected = execution.affectedByTenant
        var result = execution.result
        if execution.recordedBeyondReplies {
            do {
                let recorded = try withRetry { connection in
                    try connection.execute(RunStatements.recordedByTenant, [context.runID, plan.rule.name]).rows.map { ($0[0], try $0.int64(1)) }
                }
                affected = Dictionary(recorded, uniquingKeysWith: +)
            } catch {
                result.warnings.append("the rule's affected rows are counted from the batches' replies, not from their records: \(Worker.describe(error))")
            }
        }
        result.status = failure != nil ? .failed : interrupted ? .interrupted : .ok
        result.error = failure ?? (interrupted ? "stopped before every batch ran: \(stopReason ?? "")" : nil)
        counts.apply(to: &result, affected: affected, dryRun: false)
        result.durationMs = Int64(Date().timeIntervalSince(execution.startedAt) * 1000)
        result.lockWaitMs = Int64((execution.lockWaitSeconds + takeLockWaited()) * 1000)
        result.throttledMs = Int64(execution.throttle.seconds * 1000)
        result.throttledBy = execution.throttle.worst
        let sorted = execution.batchDurations.sorted()
        result.longestBatchMs = (sorted.last ?? 0) * 1000
        result.medianBatchMs = sorted.isEmpty ? 0 : sorted[sorted.count / 2] * 1000
        if let hygiene = context.options.tableHygiene, result.affected > 0 {
            maintainTables(plan, hygiene, result: &result)
        }
        if context.options.refreshViews, result.affected > 0 {
            refreshViews(plan, result: &result)
        }
        do {
            try withRetry { connection in try RunLedger.recordRule(result, runID: context.runID, connection: connection) }
        } catch {
            result.status = .failed
            result.error = "could not record the rule's result: \(Worker.describe(error))"
        }
        scheduler.update(execution) {
            $0.result = result
            $0.state = .done
        }
    }

    /// `--analyze` / `--vacuum` on the tables the rule changed, timed apart from the rule. Not
    /// started once the run is asked to stop; a failure is a warning (the rows were changed).
    private func maintainTables(_ plan: RulePlan, _ hygiene: TableHygiene, result: inout RuleResult) {
        if let reason = context.stop.stopReason {
            result.warnings.append("\(hygiene.commandName) not run: \(reason)")
            return
        }
        let started = Date()
        for table in TableHygiene.tables(of: plan) {
            do {
                try withRetry { connection in
                    try hygiene.run(on: table, connection: connection, statementTimeoutMilliseconds: context.options.statementTimeoutMilliseconds)
                }
            } catch {
                result.warnings.append("\(hygiene.commandName) \(table) failed: \(Worker.describe(error))")
            }
        }
        result.tableHygiene = hygiene
        result.tableHygieneMs = Int64(Date().timeIntervalSince(started) * 1000)
    }

    /// `--refresh-views` on the materialized views that read the tables the rule changed, timed
    /// apart from the rule. Not started once the run is asked to stop; a failure is a warning.
    private func refreshViews(_ plan: RulePlan, result: inout RuleResult) {
        let views = ViewRefresh.views(of: plan, schema: context.schema)
        guard !views.isEmpty else { return }
        if let reason = context.stop.stopReason {
            result.warnings.append("materialized views not refreshed: \(reason)")
            return
        }
        let started = Date()
        for view in views {
            do {
                try withRetry { connection in
                    try ViewRefresh.refresh(view, connection: connection, statementTimeoutMilliseconds: context.options.statementTimeoutMilliseconds)
                }
                result.viewsRefreshed.append(view.identifier.description)
            } catch {
                result.warnings.append("REFRESH MATERIALIZED VIEW \(view.identifier) failed: \(Worker.describe(error))")
            }
        }
        result.viewsRefreshMs = Int64(Date().timeIntervalSince(started) * 1000)
    }

    /// Whether any legal hold is in force (then a rule with a tenant column, or on a table where
    /// a person's rows are found, counts what it kept).
    private func holdsInForce() -> Bool {
        (try? withRetry { connection in try connection.execute(RunStatements.holdsInForce).requiredScalar() == "t" }) ?? true
    }

    // MARK: Connection

    private func connectedConnection() throws -> Connection { try context.reconnect(&connection) }

    /// The lock waits of `withRetry` since the last call.
    private func takeLockWaited() -> Double {
        defer { lockWaited = 0 }
        return lockWaited
    }

    /// Runs `body` on the worker's connection, reconnecting and retrying as `RetryBudget` says.
    private func withRetry<T>(_ body: (Connection) throws -> T) throws -> T {
        var budget = RetryBudget(lockWaitLimit: context.options.lockWaitLimitSeconds)
        defer { lockWaited += budget.lockWaited }
        return try budget.run(stop: context.stop, connection: connectedConnection, lost: { connection = nil }, body)
    }

    static func describe(_ error: Error) -> String {
        if let error = error as? PostgresError { return error.description }
        return "\(error)"
    }
}
