import Postgres

/// Which leaf partitions of a rule's table are wholly due, proven twice: by the catalog's bounds
/// (an upper bound on one of the rule's anchor columns at or before the anchor cutoff, which
/// with `align` is already the aligned comparison), then by the partition's own rows.
enum PartitionProof {
    /// A partition's rows, counted exactly in one scan, by tenant.
    struct Count {
        var rowsByTenant: [(tenant: String?, rows: Int64)] = []
        var notDue: Int64 = 0
        var held: Int64 = 0
        var referenced: Int64 = 0

        var rows: Int64 { rowsByTenant.reduce(0) { $0 + $1.rows } }

        /// Why the partition must stay and go by row batches, or nil when it may be removed whole.
        var keptReason: String? {
            if notDue > 0 { return "\(notDue) of its rows are not due" }
            if held > 0 { return "\(held) of its rows belong to tenants under a legal hold" }
            if referenced > 0 { return "\(referenced) of its rows are referenced through a foreign key, which a detach cannot cascade" }
            return nil
        }
    }

    /// The leaves whose bounds guarantee that every row is due, and warnings for leaves that would
    /// be but that the engine cannot remove (another owner, a pending concurrent detach). A
    /// `DEFAULT` partition's own level gives it no bound, so the table's default partition is never
    /// a candidate (only a default below a wholly due range, such as a year's other regions); with
    /// `--tenant` nothing is (a partition holds every tenant's rows).
    static func candidates(_ plan: RulePlan, _ bounds: RuleBounds, connection: Connection) throws -> (leaves: [PartitionLeaf], warnings: [String]) {
        guard plan.rule.partitions.removesPartitions, bounds.onlyTenant == nil else { return ([], []) }
        let anchors = Set(plan.rule.due.anchors.compactMap { anchor -> String? in
            if case let .column(name) = anchor { return name }
            return nil
        })
        var checked: [(leaf: PartitionLeaf, first: Int, count: Int)] = []
        var upperBounds: [PartitionLeaf.UpperBound] = []
        for leaf in plan.table.partitionLeaves {
            let usable = leaf.upperBounds.filter { anchors.contains($0.column) && $0.upper != nil }
            guard !usable.isEmpty else { continue }
            checked.append((leaf, upperBounds.count, usable.count))
            upperBounds += usable
        }
        guard !checked.isEmpty else { return ([], []) }
        var builder = SQLBuilder()
        let query = PartitionStatements.boundsDue(upperBounds, &builder, anchorCutoff: bounds.wholeLeafAnchorCutoff)
        let row = try connection.execute(query, builder.parameters).onlyRow()
        var leaves: [PartitionLeaf] = []
        var warnings: [String] = []
        for entry in checked where try (entry.first..<(entry.first + entry.count)).contains(where: { try row.bool($0) }) {
            if !entry.leaf.removableByCurrentRole {
                warnings.append("partition \(entry.leaf.identifier) is wholly due but the connected role does not own it or its parent: its rows go by row batches (retention grants)")
            } else if entry.leaf.detachPending {
                warnings.append("partition \(entry.leaf.identifier) has a DETACH … CONCURRENTLY pending that the engine did not start: its rows go by row batches; finish it with ALTER TABLE \(entry.leaf.parent) DETACH PARTITION \(entry.leaf.identifier) FINALIZE")
            } else {
                leaves.append(entry.leaf)
            }
        }
        return (leaves, warnings)
    }

    /// Counts the partition's rows and what would keep it (not due, held, referenced); `longRead`
    /// for a read outside the removal's transaction, with a count's longer timeout.
    static func count(_ plan: RulePlan, _ leaf: Identifier, _ bounds: RuleBounds, longRead: Bool = false,
                      connection: Connection) throws -> Count {
        var builder = SQLBuilder()
        let query = PartitionStatements.proof(plan, leaf, bounds, &builder)
        let result = longRead ? try connection.longRead(query, builder.parameters) : try connection.execute(query, builder.parameters)
        var count = Count()
        for row in result.rows {
            count.rowsByTenant.append((row[0], try row.int64(1)))
            count.notDue += try row.int64(2)
            count.held += try row.int64(3)
            count.referenced += try row.int64(4)
        }
        return count
    }

    /// For a dry run, `plan` and `validate`: the partitions a run would remove now, with their rows
    /// (read without the lock, so a row written meanwhile may still change the verdict), and the
    /// reasons the others stay.
    static func forecast(_ plan: RulePlan, _ bounds: RuleBounds, connection: Connection) throws -> (removed: [PartitionOutcome], notes: [String]) {
        let (leaves, warnings) = try candidates(plan, bounds, connection: connection)
        var removed: [PartitionOutcome] = []
        var notes = warnings
        for leaf in leaves {
            let total = try count(plan, leaf.identifier, bounds, longRead: true, connection: connection)
            if let reason = total.keptReason {
                notes.append("partition \(leaf.identifier) is wholly due by its bounds but stays, its rows going by row batches: \(reason)")
            } else {
                removed.append(PartitionOutcome(name: leaf.identifier.description, rows: total.rows, removal: PartitionRemovalKind(plan.rule.partitions)))
            }
        }
        return (removed, notes)
    }
}
