import Foundation
import Postgres

/// `retention run`'s second part: the open erasure requests, after the rules, one after the
/// other on one connection. Each target's rows go in batches (at most `limit` rows, locked by
/// primary key, sized to the run's target time like the rules' slices), each batch one
/// statement that also records its count, so a killed run leaves whole batches and exact
/// counts and the next run goes on from the values stored at the first resolution. Holds are
/// read by every statement. A dry run only counts, in READ ONLY transactions.
struct RequestProcessing {
    let context: RunContext
    let targets: SubjectTargets
    /// Who the `done` events name.
    static let actor = "retention run"

    private final class Session {
        var connection: Connection?
    }

    func run(_ requests: [ErasureRequest]) -> [RequestResult] {
        let session = Session()
        var results: [RequestResult] = []
        for request in requests {
            if context.stop.stopReason != nil {
                results.append(RequestResult(request: request, status: .open, outcome: .notStarted))
                continue
            }
            do {
                results.append(try process(request, session))
            } catch {
                results.append(RequestResult(request: request, status: .open, outcome: .failed(Worker.describe(error))))
            }
        }
        return results
    }

    private func process(_ original: ErasureRequest, _ session: Session) throws -> RequestResult {
        var request = original
        let plans = targets.plans(for: request)
        if context.options.dryRun {
            let values = targets.values(for: request)
            let outcomes = try withRetry(session) { connection in
                try connection.transaction(readOnly: true) {
                    try connection.execute("SELECT set_config('TimeZone', $1, true)", [context.policy.timeZone])
                    return try plans.map { plan in
                        try TargetOutcome.read(plan, values: values, affected: .given(0), policy: context.policy, connection: connection)
                    }
                }
            }
            return RequestResult(request: request, status: .open, outcome: .counted, targets: outcomes)
        }
        if !request.resolved {
            let resolve = SubjectStatements.resolve(SubjectResolution(subjects: targets.subjects, subjectTable: targets.subjectTable,
                                                                      column: request.subjectColumn, given: .request(request.id)), requestID: request.id)
            try withRetry(session) { try $0.execute(resolve.sql, resolve.parameters) }
            request.resolved = true
        }
        let values = SubjectValues.stored(requestID: request.id)
        let ledgerFile = try recordInLedger(request, plans: plans, session)
        var outcomes: [TargetOutcome] = []
        var stopped = false
        for plan in plans {
            switch plan.target.action {
            case .delete, .pseudonymise:
                if !stopped { stopped = try erase(plan, requestID: request.id, values: values, ledgerFile: ledgerFile, session) }
            case .keep:
                break
            }
            // The session's time zone is the policy's (`RunContext.connect`), as the kept-until date needs.
            outcomes.append(try withRetry(session) { connection in
                try TargetOutcome.read(plan, values: values, affected: .recordedInRun(runID: context.runID, requestID: request.id),
                                       policy: context.policy, connection: connection)
            })
        }
        if !outcomes.isEmpty {
            let parameters = outcomes.flatMap { $0.recordParameters(runID: context.runID, requestID: request.id) }
            try withRetry(session) { try $0.execute(SubjectStatements.recordTargets(rows: outcomes.count), parameters) }
        }
        if stopped {
            return RequestResult(request: request, status: .open, outcome: .interrupted(context.stop.stopReason ?? "stopped"), targets: outcomes)
        }
        let reason = RequestResult.openReason(outcomes)
        if let reason {
            try withRetry(session) { try $0.execute(RequestStatements.keepOpen, [String(request.id), reason]) }
            return RequestResult(request: request, status: .open, outcome: .processed, targets: outcomes)
        }
        try withRetry(session) { try $0.execute(RequestStatements.close, [String(request.id), RequestStatus.done.rawValue, nil, Self.actor]) }
        return RequestResult(request: request, status: .done, outcome: .processed, targets: outcomes)
    }

    /// Writes the request's ledger entry (the HMAC of each of the person's values) and flushes it
    /// before the first batch, so that `replay` can erase the person again after a restore.
    /// Returns the ledger file written to, which must still be there before every batch.
    private func recordInLedger(_ request: ErasureRequest, plans: [SubjectTargetPlan], _ session: Session) throws -> ErasureLedger.FileIdentity? {
        let erasing = plans.filter { plan in
            switch plan.target.action {
            case .delete, .pseudonymise: return true
            case .keep: return false
            }
        }
        guard !erasing.isEmpty else { return nil }
        let hashes = try withRetry(session) { connection in
            try connection.execute(SubjectStatements.valueHMACs, [String(request.id)]).rows.map {
                SubjectErasureEntry.ValueHash(subjectColumn: try $0.text(0), hmac: try $0.text(1))
            }
        }
        return try context.ledger.append(subject: SubjectErasureEntry(requestID: request.id, policy: context.policy.name, targets: erasing.map(\.target.name),
                                                              values: hashes, runID: context.runID, recordedAt: Timestamps.now()))
    }

    /// `replay`: erases again, in a restored database, the rows of each ledger entry's targets
    /// whose match column's HMAC is one of the entry's; no values are needed. A dry run only
    /// lists the entries (counting would need the key's pads, which a dry run's sessions lack).
    func replay(_ entries: [SubjectErasureEntry]) -> [RequestResult] {
        let session = Session()
        return entries.map { entry in
            guard !context.options.dryRun else {
                return RequestResult(id: entry.requestID, reference: nil, status: .done, outcome: .counted)
            }
            let values = SubjectValues.hashed(entry.values)
            do {
                var outcomes: [TargetOutcome] = []
                for plan in targets.plans where entry.targets.contains(plan.target.name) {
                    if try erase(plan, requestID: entry.requestID, values: values, ledgerFile: nil, session) {
                        return RequestResult(id: entry.requestID, reference: nil, status: .open, outcome: .interrupted(context.stop.stopReason ?? "stopped"), targets: outcomes)
                    }
                    outcomes.append(try withRetry(session) { connection in
                        try TargetOutcome.read(plan, values: values, affected: .recordedInRun(runID: context.runID, requestID: entry.requestID),
                                               policy: context.policy, connection: connection)
                    })
                }
                return RequestResult(id: entry.requestID, reference: nil, status: .done, outcome: .processed, targets: outcomes)
            } catch {
                return RequestResult(id: entry.requestID, reference: nil, status: .open, outcome: .failed(Worker.describe(error)))
            }
        }
    }

    /// Runs the target's batches until one comes back short; true when the run was asked to stop first.
    /// A ledger that was removed or replaced since the request's entry was written stops the
    /// request before its next batch (it fails, and stays open), so that no erasure goes unrecorded.
    private func erase(_ plan: SubjectTargetPlan, requestID: Int64, values: SubjectValues, ledgerFile: ErasureLedger.FileIdentity?,
                       _ session: Session) throws -> Bool {
        var limit = context.options.batchSize ?? 1000
        while true {
            if let lost = context.runLock.verify() { context.stop.requestStop(lost) }
            if context.stop.stopReason != nil { return true }
            if let ledgerFile { try context.ledger.verify(ledgerFile) }
            let batch = SubjectStatements.batch(plan, values: values, runID: context.runID, requestID: requestID, limit: limit)
            let started = Date()
            let affected = try withRetry(session) { try $0.execute(batch.sql, batch.parameters).int64() }
            if affected < Int64(limit) { return false }
            let seconds = max(Date().timeIntervalSince(started), 0.0005)
            var next = min(max(Double(limit) * context.options.targetBatchSeconds / seconds, Double(limit) / 4), Double(limit) * 2)
            if let cap = context.options.batchSize { next = min(next, Double(cap)) }
            limit = max(1, min(Int(next), 100_000))
        }
    }

    /// Runs `body` on the session's connection, reconnecting and retrying as `RetryBudget` says.
    @discardableResult
    private func withRetry<T>(_ session: Session, _ body: (Connection) throws -> T) throws -> T {
        var budget = RetryBudget(lockWaitLimit: context.options.lockWaitLimitSeconds)
        return try budget.run(stop: context.stop, connection: { try context.reconnect(&session.connection) }, lost: { session.connection = nil }, body)
    }
}
