import Foundation
import Postgres

/// Removes a rule's wholly due partitions whole when the rule starts (`partitions: drop|detach`).
///
/// Each candidate (`PartitionProof.candidates`) is removed in two transactions. The first takes
/// the lock that detaching takes on the partition (ACCESS EXCLUSIVE, under a lock timeout of half
/// the batches'), counts its rows exactly and proves them due, unheld and unreferenced, adds them
/// to an aggregate's roll-up, writes the erasure ledger's entry (flushed), records the partition
/// and its rows (`retention.partition_removals`, `retention.batch_results`) and, as its last
/// statement, detaches it: the parent's ACCESS EXCLUSIVE lock is held only from the `DETACH` to
/// the commit. The second drops the partition or moves it to `retention_archive`, and marks the
/// record finished. A run killed between the two leaves a record that the next run finishes.
/// A partition that fails the proof, or whose lock is not had after a few tries, stays and goes
/// by row batches.
struct PartitionRemoval {
    let plan: RulePlan
    let bounds: RuleBounds
    let context: RunContext

    /// What the removals did.
    struct Outcome {
        var partitions: [PartitionOutcome] = []
        /// Partitions of the table that are gone (no pages left to walk).
        var removedLeaves: Set<Identifier> = []
        var warnings: [String] = []
        /// The transactions' durations, in seconds.
        var durations: [Double] = []
        /// Rows counted into this run's `affected`.
        var rows: Int64 = 0
    }

    /// Tries to take the partition's lock this many times, with back-off, before leaving it to row batches.
    static let lockAttempts = 5

    /// Runs every removal; `attempt` runs a step on a connection, retrying transient failures.
    func run(_ attempt: (_ step: (Connection) throws -> Void) throws -> Void) throws -> Outcome {
        var outcome = Outcome()
        try attempt { connection in try finishEarlier(connection, into: &outcome) }
        var candidates: [PartitionLeaf] = []
        try attempt { connection in
            let found = try PartitionProof.candidates(plan, bounds, connection: connection)
            candidates = found.leaves
            outcome.warnings += found.warnings
        }
        for leaf in candidates {
            try attempt { connection in try remove(leaf, connection, into: &outcome) }
        }
        return outcome
    }

    /// Finishes the partitions an earlier run of this rule detached but did not drop or archive.
    private func finishEarlier(_ connection: Connection, into outcome: inout Outcome) throws {
        let rows = try connection.execute(PartitionStatements.unfinished, [context.policy.name, plan.rule.name]).rows
        for row in rows {
            let runID = try row.text(0)
            let name = try row.text(1)
            guard let removal = PartitionRemovalKind(rawValue: try row.text(3)) else { continue }
            let started = Date()
            try connection.transaction {
                if let table = try resolve(name, connection) {
                    try connection.execute(PartitionStatements.finish(table, removal))
                }
                try connection.execute(PartitionStatements.recordFinished, [runID, name])
            }
            outcome.durations.append(Date().timeIntervalSince(started))
            var finished = PartitionOutcome(name: name, rows: try row.int64(2), removal: removal)
            finished.detachedByRun = runID
            outcome.partitions.append(finished)
        }
    }

    /// The table named `name` (as recorded), or nil when there is none.
    private func resolve(_ name: String, _ connection: Connection) throws -> Identifier? {
        guard let row = try connection.execute(PartitionStatements.resolve, [name]).rows.first else { return nil }
        return Identifier(try row.text(0), try row.text(1))
    }

    private func remove(_ leaf: PartitionLeaf, _ connection: Connection, into outcome: inout Outcome) throws {
        let name = leaf.identifier.description
        let removal = PartitionRemovalKind(plan.rule.partitions)
        // A retry after a lost reply: the detach may have committed.
        let recorded = try connection.execute(PartitionStatements.recordedRows, [context.runID, name]).rows.first.map { try $0.int64(0) }
        var removed = PartitionOutcome(name: name, rows: recorded ?? 0, removal: removal)
        if recorded == nil {
            var tries = 0
            while true {
                let started = Date()
                do {
                    var lockStarted: Date?
                    let kept = try connection.transaction { () -> String? in
                        let timeout = "\(max(1, context.options.lockTimeoutMilliseconds / 2))ms"
                        try connection.execute(PartitionStatements.lockTimeout, [timeout])
                        try connection.execute(PartitionStatements.lock(leaf.identifier))
                        let count = try PartitionProof.count(plan, leaf.identifier, bounds, connection: connection)
                        if let reason = count.keptReason { return reason }
                        if case let .aggregate(spec) = plan.rule.action {
                            try connection.execute(PartitionStatements.rollUp(spec, plan, leaf.identifier))
                        }
                        try context.ledger.append([ledgerEntry(leaf, rows: count.rows)])
                        try connection.execute(PartitionStatements.recordDetached,
                                               [context.runID, context.policy.name, plan.rule.name, name, leaf.parent.description,
                                                String(count.rows), removal.rawValue])
                        for (tenant, rows) in count.rowsByTenant where rows > 0 {
                            try connection.execute(PartitionStatements.recordRows, [context.runID, plan.rule.name, tenant, String(rows)])
                        }
                        removed.rows = count.rows
                        lockStarted = Date()
                        try connection.execute(PartitionStatements.detach(leaf))
                        return nil
                    }
                    outcome.durations.append(Date().timeIntervalSince(started))
                    if let kept {
                        outcome.warnings.append("partition \(leaf.identifier) is wholly due by its bounds but stays, its rows going by row batches: \(kept)")
                        return
                    }
                    removed.parentLockMs = lockStarted.map { Date().timeIntervalSince($0) * 1000 } ?? 0
                    break
                } catch let error as PostgresError where error.sqlState == .lockNotAvailable {
                    tries += 1
                    guard tries < PartitionRemoval.lockAttempts, context.stop.stopReason == nil else {
                        outcome.warnings.append("partition \(leaf.identifier) is wholly due but its lock could not be had (the application held it): its rows go by row batches")
                        return
                    }
                    Thread.sleep(forTimeInterval: Retry.backoff(attempt: tries))
                }
            }
        }
        outcome.rows += removed.rows
        let started = Date()
        try connection.transaction {
            if try resolve(name, connection) != nil {
                try connection.execute(PartitionStatements.finish(leaf.identifier, removal))
            }
            try connection.execute(PartitionStatements.recordFinished, [context.runID, name])
        }
        outcome.durations.append(Date().timeIntervalSince(started))
        outcome.partitions.append(removed)
        outcome.removedLeaves.insert(leaf.identifier)
    }

    /// The erasure ledger's line for a partition: written and flushed before its detach commits,
    /// so that a `replay` after a restore runs the rule again and removes it again.
    private func ledgerEntry(_ leaf: PartitionLeaf, rows: Int64) -> ErasureEntry {
        var entry = ErasureEntry(tenant: nil, rule: plan.rule.name, table: plan.table.identifier.description,
                                 anchor: plan.rule.due.anchors.map(\.description).joined(separator: ","), terminatedAt: nil,
                                 cutoff: bounds.cutoff, asOf: context.asOf, runID: context.runID, recordedAt: Timestamps.now())
        entry.partition = leaf.identifier.description
        entry.rows = rows
        return entry
    }
}
