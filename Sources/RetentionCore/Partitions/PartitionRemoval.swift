import Foundation
import Postgres

/// Removes a rule's wholly due partitions whole when the rule starts (`partitions: drop|detach`).
///
/// Each candidate (`PartitionProof.candidates`) is removed in one transaction. It takes the lock
/// that detaching takes on the partition (ACCESS EXCLUSIVE, under a lock timeout of half the
/// batches'), counts its rows exactly and proves them due, unheld and referenced by no foreign
/// key, proves for `detach` its archive names free, adds the rows to an aggregate's roll-up,
/// writes the erasure ledger's entry (flushed), records the partition (its oid, its rows, the
/// rule's table) in `retention.partition_removals` and its rows in `retention.batch_results`;
/// then, as its last statements, detaches it and drops it or moves it to `retention_archive`
/// (`ArchiveName`), and marks the record finished. The parent's ACCESS EXCLUSIVE lock is held
/// only from the `DETACH` to the commit; a run killed at any point leaves the partition attached
/// and whole, or removed and recorded, never in between. A partition that fails the proof, or
/// whose lock is not had after a few tries, stays and goes by row batches.
///
/// Earlier versions removed a partition in two transactions (detach, then drop or move). A
/// partition such a run left detached is finished by the next run of any rule on the same table,
/// in one transaction that takes the detached table's lock and proves again, about the table as
/// it is then, that it is the one detached (its oid), still detached, and holds the rows counted,
/// all still due, unheld and unreferenced; a table that fails that proof is left as it is, its
/// record marked `left` with the reason, and reported.
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

        /// Adds what another connection removed; the partitions in the candidates' `order` (by name).
        mutating func merge(_ other: Outcome, order: [String]) {
            partitions = (partitions + other.partitions).sorted {
                (order.firstIndex(of: $0.name) ?? order.count) < (order.firstIndex(of: $1.name) ?? order.count)
            }
            removedLeaves.formUnion(other.removedLeaves)
            warnings += other.warnings
            durations += other.durations
            rows += other.rows
        }
    }

    /// Tries to take the partition's lock this many times (`RetryBudget`), before leaving it to row batches.
    static let lockAttempts = 5

    /// A failure after some partitions were removed (or finished): what was removed, and the error.
    struct Failed: Error {
        var outcome: Outcome
        var error: Error
    }

    /// A partition detached and not yet dropped or archived, as recorded at its detach.
    struct DetachedRecord {
        var runID: String
        /// The partition's name as it was attached.
        var name: String
        var rows: Int64
        var removal: PartitionRemovalKind
        /// The table's oid, which survives a rename; nil in a record written before it was kept.
        var oid: String?
    }

    /// What the second proof decided about a detached table.
    enum Finished {
        /// Dropped, or archived under this name.
        case removed(archivedAs: Identifier?)
        /// Left as it is, for this reason.
        case left(String)
    }

    /// Runs every removal; `attempt` runs a step on the worker's connection, retrying transient
    /// failures. Every other candidate is removed at the same time on a second connection of the
    /// run (the proofs' scans are most of this phase, and the rule's other worker idles in it);
    /// each removal is its own transaction with its own proof, whichever connection runs it.
    /// Throws `Failed` with what was removed before a failure, on either connection.
    func run(_ attempt: (_ step: (Connection) throws -> Void) throws -> Void) throws -> Outcome {
        var outcome = Outcome()
        var candidates: [PartitionLeaf] = []
        do {
            try attempt { connection in try finishEarlier(connection, into: &outcome) }
            try attempt { connection in
                let found = try PartitionProof.candidates(plan, bounds, connection: connection)
                candidates = found.leaves
                outcome.warnings += found.warnings
            }
        } catch {
            throw Failed(outcome: outcome, error: error)
        }
        let alongside = stride(from: 1, to: candidates.count, by: 2).map { candidates[$0] }
        let second = Locked<(outcome: Outcome, error: Error?)?>(nil)
        let finished = DispatchSemaphore(value: 0)
        if !alongside.isEmpty {
            Thread.detachNewThread { [self] in
                let result = removeOnOwnConnection(alongside)
                second.withLock { $0 = result }
                finished.signal()
            }
        }
        var failure: Error?
        do {
            for leaf in stride(from: 0, to: candidates.count, by: 2).map({ candidates[$0] }) {
                try attempt { connection in try remove(leaf, connection, into: &outcome) }
            }
        } catch {
            failure = error
        }
        // The second connection's removals are waited for whatever happened here: they change the database.
        if !alongside.isEmpty {
            finished.wait()
            if let (other, error) = second.withLock({ $0 }) {
                outcome.merge(other, order: candidates.map(\.identifier.description))
                failure = failure ?? error
            }
        }
        if let failure { throw Failed(outcome: outcome, error: failure) }
        return outcome
    }

    /// Removes `leaves` on a connection of its own, retried as the worker's; what it removed, and
    /// the failure that stopped it, if any.
    private func removeOnOwnConnection(_ leaves: [PartitionLeaf]) -> (outcome: Outcome, error: Error?) {
        var outcome = Outcome()
        var connection: Connection?
        do {
            for leaf in leaves {
                var budget = RetryBudget(lockWaitLimit: context.options.lockWaitLimitSeconds)
                try budget.run(stop: context.stop, connection: { try context.reconnect(&connection) }, lost: { connection = nil }) { connection in
                    try remove(leaf, connection, into: &outcome)
                }
            }
        } catch {
            return (outcome, error)
        }
        return (outcome, nil)
    }

    /// Finishes the partitions that earlier runs detached from this rule's table but did not drop
    /// or archive, whichever policy and rule detached them.
    private func finishEarlier(_ connection: Connection, into outcome: inout Outcome) throws {
        let rows = try connection.execute(PartitionStatements.unfinished, [String(plan.table.oid)]).rows
        for row in rows {
            guard let removal = PartitionRemovalKind(rawValue: try row.text(3)) else { continue }
            let record = DetachedRecord(runID: try row.text(0), name: try row.text(1), rows: try row.int64(2), removal: removal, oid: row[4])
            let started = Date()
            let finished = try finish(record, connection)
            outcome.durations.append(Date().timeIntervalSince(started))
            switch finished {
            case let .removed(archivedAs):
                var done = PartitionOutcome(name: record.name, rows: record.rows, removal: removal)
                done.detachedByRun = record.runID
                done.archivedAs = archivedAs?.description
                outcome.partitions.append(done)
            case let .left(reason):
                outcome.warnings.append(leftWarning(record, reason))
            }
        }
    }

    private func leftWarning(_ record: DetachedRecord, _ reason: String) -> String {
        "partition \(record.name), detached by run \(record.runID) with \(record.rows) rows, was not \(record.removal == .dropped ? "dropped" : "archived"): \(reason); it is left as it is (retention.partition_removals marks it 'left')"
    }

    /// Removes one candidate in one transaction (see the type's comment), unless its proof keeps
    /// it or its lock is not had after a few tries (then its rows go by batches, with a warning).
    private func remove(_ leaf: PartitionLeaf, _ connection: Connection, into outcome: inout Outcome) throws {
        let name = leaf.identifier.description
        let removal = PartitionRemovalKind(plan.rule.partitions)
        // A retry after a lost reply: the removal may have committed.
        if let recorded = try connection.execute(PartitionStatements.recorded, [context.runID, name]).rows.first {
            var removed = PartitionOutcome(name: name, rows: try recorded.int64(0), removal: removal)
            removed.archivedAs = recorded[3]
            countDetached(removed, leaf, into: &outcome)
            outcome.partitions.append(removed)
            return
        }
        // Only the partition's lock is tried again here; other failures go to `run`'s caller.
        var budget = RetryBudget(lockWait: .attempts(PartitionRemoval.lockAttempts))
        do {
            var started = Date()
            var removed = PartitionOutcome(name: name, rows: 0, removal: removal)
            var lockStarted = Date()
            let kept = try budget.run(stop: context.stop, connection: { connection }, lost: {},
                                      recover: { $0.sqlState == .lockNotAvailable ? nil : .rethrow }) { connection in
                started = Date()
                return try connection.transaction { () -> String? in
                    try connection.execute(PartitionStatements.lockTimeout, [lockTimeout])
                    try connection.execute(PartitionStatements.lock(leaf.identifier))
                    let count = try PartitionProof.count(plan, leaf.identifier, bounds, connection: connection)
                    if let reason = count.keptReason { return reason }
                    let oid = try connection.execute(PartitionStatements.oid, [leaf.identifier.sql]).requiredScalar()
                    if removal == .detached, let taken = try archiveNamesTaken(leaf.identifier, oid: oid, connection).first {
                        return "its archive's name \(taken) is taken; rename or drop that relation"
                    }
                    if case let .aggregate(spec) = plan.rule.action {
                        try connection.execute(PartitionStatements.rollUp(spec, plan, leaf.identifier))
                    }
                    try context.ledger.append([ledgerEntry(leaf, rows: count.rows)])
                    try connection.execute(PartitionStatements.recordDetached,
                                           [context.runID, context.policy.name, plan.rule.name, name, leaf.parent.description,
                                            String(count.rows), removal.rawValue, oid, plan.table.identifier.description, String(plan.table.oid)])
                    for (tenant, rows) in count.rowsByTenant where rows > 0 {
                        try connection.execute(PartitionStatements.recordRows, [context.runID, plan.rule.name, tenant, String(rows)])
                    }
                    removed.rows = count.rows
                    lockStarted = Date()
                    try connection.execute(PartitionStatements.detach(leaf))
                    removed.archivedAs = try finishDetached(leaf.identifier, oid: oid, removal, connection)?.description
                    try connection.execute(PartitionStatements.recordFinished, [context.runID, name, removed.archivedAs])
                    return nil
                }
            }
            outcome.durations.append(Date().timeIntervalSince(started))
            if let kept {
                outcome.warnings.append("partition \(leaf.identifier) is wholly due by its bounds but stays, its rows going by row batches: \(kept)")
                return
            }
            removed.parentLockMs = Date().timeIntervalSince(lockStarted) * 1000
            countDetached(removed, leaf, into: &outcome)
            outcome.partitions.append(removed)
        } catch let error as PostgresError where error.sqlState == .lockNotAvailable {
            outcome.warnings.append("partition \(leaf.identifier) is wholly due but its lock could not be had (the application held it): its rows go by row batches")
        }
    }

    /// Counts a detached partition's rows into the run's (they left the table with the detach,
    /// which committed), once however often its step was retried.
    private func countDetached(_ removed: PartitionOutcome, _ leaf: PartitionLeaf, into outcome: inout Outcome) {
        guard outcome.removedLeaves.insert(leaf.identifier).inserted else { return }
        outcome.rows += removed.rows
    }

    /// The lock timeout of a removal's transactions: half the batches'.
    private var lockTimeout: String { "\(max(1, context.options.lockTimeoutMilliseconds / 2))ms" }

    /// Drops a detached table or moves it to `retention_archive`, in one transaction that takes
    /// the table's ACCESS EXCLUSIVE lock (which both take) and proves first, about the table as it
    /// is then: the same relation as detached (oid), attached to no table, holding the rows
    /// counted at its detach, all still due, unheld and unreferenced. Else the table is left as it
    /// is and its record marked `left`.
    private func finish(_ record: DetachedRecord, _ connection: Connection) throws -> Finished {
        try connection.transaction { () -> Finished in
            let leave = { (reason: String) throws -> Finished in
                try connection.execute(PartitionStatements.recordLeft, [record.runID, record.name, reason])
                return .left(reason)
            }
            try connection.execute(PartitionStatements.lockTimeout, [lockTimeout])
            guard let oid = record.oid, let before = try relation(oid, connection) else {
                return try leave("no table has the oid it had at its detach (it was dropped or replaced)")
            }
            try connection.execute(PartitionStatements.lock(before.identifier))
            // Read again under the lock: an ATTACH or a rename may have committed while it was awaited.
            guard let table = try relation(oid, connection), table.identifier == before.identifier else {
                throw EngineError.partitionRenamed(rule: plan.rule.name, partition: record.name, runID: record.runID)
            }
            if let parent = table.attachedTo {
                return try leave("\(table.identifier) is attached to \(parent) again")
            }
            let count = try PartitionProof.count(plan, table.identifier, bounds, connection: connection)
            if count.rows != record.rows {
                return try leave("\(table.identifier) holds \(count.rows) rows where \(record.rows) were counted at its detach")
            }
            if let reason = count.keptReason {
                return try leave("\(table.identifier): \(reason)")
            }
            let archivedAs = try finishDetached(table.identifier, oid: oid, record.removal, connection)
            try connection.execute(PartitionStatements.recordFinished, [record.runID, record.name, archivedAs?.description])
            return .removed(archivedAs: archivedAs)
        }
    }

    /// Drops a detached table or moves it to `retention_archive`; returns its archive name.
    private func finishDetached(_ table: Identifier, oid: String, _ removal: PartitionRemovalKind, _ connection: Connection) throws -> Identifier? {
        switch removal {
        case .dropped:
            try connection.execute(PartitionStatements.drop(table))
            return nil
        case .detached:
            return try archive(table, oid: oid, connection)
        }
    }

    /// A relation found by its oid: its name now, and the table it is attached to, if any.
    private func relation(_ oid: String, _ connection: Connection) throws -> (identifier: Identifier, attachedTo: String?)? {
        guard let row = try connection.execute(PartitionStatements.relation, [oid]).rows.first else { return nil }
        return (Identifier(try row.text(0), try row.text(1)), row[2])
    }

    /// The relations that `SET SCHEMA` moves with table `oid` (itself first), each with its kind,
    /// its name now and its name in the archive (`ArchiveName`).
    private func archiveNames(_ table: Identifier, oid: String, _ connection: Connection) throws -> [(kind: String, name: String, archived: String)] {
        let schema = table.schema ?? "public"
        let moving = [("r", table.name)] + (try connection.execute(PartitionStatements.movesWith, [oid]).rows.map { (try $0.text(0), try $0.text(1)) })
        return moving.map { ($0.0, $0.1, ArchiveName.of(schema: schema, name: $0.1)) }
    }

    /// The archive names of `table` and what moves with it that a relation or type already has,
    /// in the table's schema (where they are renamed) or in `retention_archive` (where they go).
    private func archiveNamesTaken(_ table: Identifier, oid: String, _ connection: Connection) throws -> [String] {
        let names = try archiveNames(table, oid: oid, connection).map(\.archived)
        var taken: [String] = []
        for schema in [table.schema ?? "public", ArchiveName.schema] {
            taken += try connection.execute(PartitionStatements.namesTaken, [schema, textArrayLiteral(names)]).rows
                .map { Identifier(schema, try $0.text(0)).description }
        }
        return taken
    }

    /// Renames the table, its indexes and its sequences to their archive names, proven free in
    /// this transaction, and moves them to `retention_archive`.
    private func archive(_ table: Identifier, oid: String, _ connection: Connection) throws -> Identifier {
        if let taken = try archiveNamesTaken(table, oid: oid, connection).first {
            throw EngineError.archiveNameTaken(rule: plan.rule.name, partition: table.description, taken: "\(taken)")
        }
        let schema = table.schema ?? "public"
        var archivedName = table.name
        for relation in try archiveNames(table, oid: oid, connection) {
            try connection.execute(PartitionStatements.rename(Identifier(schema, relation.name), kind: relation.kind, to: relation.archived))
            if relation.kind == "r" { archivedName = relation.archived }
        }
        try connection.execute(PartitionStatements.moveToArchive(Identifier(schema, archivedName)))
        return Identifier(ArchiveName.schema, archivedName)
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
