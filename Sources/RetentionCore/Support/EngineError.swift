/// What the engine found it cannot do, one case per failing operation, each naming the rule or
/// record it concerns. Fails the rule (or the command), exit 1.
public enum EngineError: Error, Sendable, CustomStringConvertible {
    /// A rule on a table whose table was not resolved (validate would have refused it).
    case noTable(rule: String)
    /// The scheduler handed out a slice of a rule that had not started.
    case sliceBeforeStart(rule: String)
    /// A batch whose counts and changes disagree within one snapshot (rolled back).
    case countMismatch(rule: String, counted: Int64, changed: Int64)
    /// A '-infinity' anchor, which a walk along the anchor's index cannot reach.
    case infiniteAnchor(rule: String, table: String, column: String)
    /// An action name in the engine's own tables that this version does not know.
    case unknownRecordedAction(String)
    /// A detached partition renamed while its lock was awaited.
    case partitionRenamed(rule: String, partition: String, runID: String)
    /// A partition's archive name is taken by another relation.
    case archiveNameTaken(rule: String, partition: String, taken: String)

    public var description: String {
        switch self {
        case let .noTable(rule):
            return "rule \"\(rule)\" has no table to act on"
        case let .sliceBeforeStart(rule):
            return "rule \"\(rule)\" was handed a slice before it started"
        case let .countMismatch(rule, counted, changed):
            return "rule \"\(rule)\": a batch counted \(counted) rows and changed \(changed) in one snapshot; it was rolled back"
        case let .infiniteAnchor(rule, table, column):
            return "rule \"\(rule)\": \(table) has '-infinity' in \"\(column)\", which a walk by its index cannot reach"
        case let .unknownRecordedAction(name):
            return "the audit trail records action \"\(name)\", which this version of retention does not know; upgrade it"
        case let .partitionRenamed(rule, partition, runID):
            return "rule \"\(rule)\": partition \(partition) detached by run \(runID) was renamed while the run took its lock; the next run finishes it"
        case let .archiveNameTaken(rule, partition, taken):
            return "rule \"\(rule)\": partition \(partition) cannot be archived: its archive's name \(taken) is taken; rename or drop that relation, and the next run archives it"
        }
    }
}
