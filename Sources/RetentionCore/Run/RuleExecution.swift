import Foundation
import Postgres

/// The state of one rule during a run. The `Scheduler` keeps the shared copy behind its lock;
/// a worker is handed a copy (a snapshot) and changes the shared one through the scheduler.
struct RuleExecution: Sendable {
    enum State { case waiting, starting, running, finishing, done }

    /// One relation's pages (or anchor window) still to be sliced, and the size the next slice
    /// gets, adapted after each batch to the target time.
    struct Cursor: Sendable {
        /// What the cursor's numbers count.
        enum Walk: Sendable, Equatable {
            /// Heap pages (of the relation, or of each of its shards).
            case pages
            /// Microseconds of an anchor column, walked by its index.
            case anchor(String)
            /// Values of an integer key column, walked by its index.
            case key(String)
        }

        var relation: Identifier
        var walk: Walk
        var start: Int64
        var next: Int64
        var end: Int64
        var sliceSize: Double
        /// For an aggregate's walk: the bucket boundaries (microseconds, ascending) that windows
        /// end on when they can, so that no bucket is added to by two batches.
        var boundaries: [Int64] = []
        /// For an aggregate's walk: where the slice in flight that ended inside a bucket ends. The
        /// slice after it would add to the same roll-up rows, and wait for that one's commit on
        /// them (and time out), so it is handed out only once that one is done.
        var openBucketEnd: Int64?
        /// For an anchor or key walk: the shortest of its batches that changed almost nothing, in
        /// seconds: what a batch costs whatever its slice (round trips, planning, commit; on
        /// Citus, a task per shard and a two-phase commit).
        var fixedCost: Double?
    }

    /// The rule's place in the scheduler's list.
    let index: Int
    let rule: Rule
    let plan: RulePlan?
    var state = State.waiting
    var bounds: RuleBounds?
    var cursors: [Cursor] = []
    var inFlight = 0
    var result: RuleResult
    var affectedByTenant: [String?: Int64] = [:]
    /// Rows changed by the batches that committed so far, and pages (or microseconds) of slices finished.
    var committedRows: Int64 = 0
    var finishedSize: Int64 = 0
    var batchDurations: [Double] = []
    /// Seconds the batches waited for locks the application held on the table.
    var lockWaitSeconds: Double = 0
    /// What the batches waited for standbys and slots, and the excess they wait for now. Its
    /// seconds are wall-clock time during which any batch of the rule waited: four workers
    /// waiting the same minute wait one minute.
    var throttle = ThrottleRecord()
    var waitingFor: LagExcess?
    /// Workers waiting for replication now, and since when one of them has been.
    private var waitingWorkers = 0
    private var waitingSince: Date?

    mutating func beginWaiting() {
        if waitingWorkers == 0 { waitingSince = Date() }
        waitingWorkers += 1
    }

    mutating func endWaiting() {
        waitingWorkers -= 1
        guard waitingWorkers == 0, let since = waitingSince else { return }
        throttle.seconds += Date().timeIntervalSince(since)
        waitingSince = nil
    }
    /// The erasure ledger as the rule's entries were written to it; checked before every batch.
    var ledgerFile: ErasureLedger.FileIdentity?
    /// Some slice met rows the application held and skipped them.
    var skippedLockedRows = false
    /// Rows were recorded that no batch's reply counted: partitions removed whole (their rows are
    /// recorded per tenant by the removal), or a batch that lost its connection (it may have
    /// committed without its reply). Then what the rule changed is read from the records when it ends.
    var recordedBeyondReplies = false
    /// A slice was left unfinished because the run was asked to stop.
    var leftRows = false
    var failure: String?
    /// What `MissedRows` compares with when the rule ends, where the guard applies.
    var missedRowsBaseline: MissedRows.Baseline?
    var startedAt = Date()

    init(index: Int, rule: Rule, plan: RulePlan?) {
        self.index = index
        self.rule = rule
        self.plan = plan
        var result = RuleResult(rule: rule, status: .skipped)
        // The table as the catalog resolved it (`public."a.b"`), as plans and messages print it.
        if let plan { result.table = plan.table.identifier.description }
        self.result = result
    }

    /// How far the rule is, for progress lines: the share of its pages (or anchor range) handed
    /// out, and the rows changed so far.
    var progress: RuleProgress {
        let total = cursors.reduce(0) { $0 + ($1.end - $1.start) }
        return RuleProgress(rule: rule.name, running: state == .running || state == .finishing,
                            fraction: total > 0 ? Double(finishedSize) / Double(total) : 0,
                            affected: committedRows, seconds: Date().timeIntervalSince(startedAt),
                            waitingFor: waitingFor?.description)
    }

    var hasSlicesLeft: Bool { cursors.contains { $0.next < $0.end } }

    /// Batches of the rule at once: on a distributed or reference table of Citus two, one running
    /// and one planned behind it. Citus lets one multi-shard change at a time work on a shard (its
    /// deadlock prevention) and one change at a time on a replicated table, so a third would only
    /// wait; timed with that wait, every batch would seem slow and the slices would shrink until
    /// batches were nearly all fixed cost (measured at --concurrency 4: 6,611 batches where two
    /// connections needed about 50). Elsewhere, as many as there are workers.
    var inFlightLimit: Int {
        switch plan?.table.distribution {
        case .distributed, .reference: 2
        default: .max
        }
    }

    /// The next slice to hand to a worker, counted in flight; nil when the rule has none left or
    /// has `inFlightLimit` batches in flight.
    mutating func takeSlice() -> BatchSlice? {
        guard inFlight < inFlightLimit, let slice = nextSlice() else { return nil }
        inFlight += 1
        return slice
    }

    /// Cuts the next slice from the first cursor with work left that no slice in flight holds
    /// back (`openBucketEnd`). Near the end the last slices are
    /// cut in halves, so that the workers finish together instead of one waiting for the other.
    mutating func nextSlice() -> BatchSlice? {
        guard let index = cursors.firstIndex(where: { $0.next < $0.end && $0.openBucketEnd != $0.next }) else { return nil }
        let cursor = cursors[index]
        let remaining = cursor.end - cursor.next
        var size = max(1, min(Int64(cursor.sliceSize), remaining))
        if remaining > size, remaining < 2 * size { size = (remaining + 1) / 2 }
        if let boundary = Self.lastBoundary(in: cursor.boundaries, after: cursor.next, upTo: cursor.next + size) {
            size = boundary - cursor.next
        } else if !cursor.boundaries.isEmpty, cursor.next + size < cursor.end {
            cursors[index].openBucketEnd = cursor.next + size
        }
        cursors[index].next += size
        let span: BatchSlice.Span = switch cursor.walk {
        case .pages: .pages(first: cursor.next, end: cursor.next + size)
        case let .anchor(column): .anchorWindow(column: column, from: cursor.next, to: cursor.next + size)
        case let .key(column): .keyRange(column: column, from: cursor.next, to: cursor.next + size)
        }
        return BatchSlice(relation: cursor.relation, span: span, cursor: index)
    }

    /// Notes that `slice` is done: a slice that waited for it to end a bucket may be handed out.
    mutating func finished(_ slice: BatchSlice) {
        if cursors[slice.cursor].openBucketEnd == slice.end { cursors[slice.cursor].openBucketEnd = nil }
    }

    /// The largest boundary in `(after, upTo]`, by binary search.
    static func lastBoundary(in boundaries: [Int64], after: Int64, upTo: Int64) -> Int64? {
        var low = 0
        var high = boundaries.count
        while low < high {
            let middle = (low + high) / 2
            if boundaries[middle] <= upTo { low = middle + 1 } else { high = middle }
        }
        guard low > 0, boundaries[low - 1] > after else { return nil }
        return boundaries[low - 1]
    }

    /// The first slice of a heap walk, in pages: small, so that the first batch of a rule (which
    /// nothing has measured yet) stays short however wide its rows or heavy its updates.
    static let firstSlicePages = 8.0
    /// Rows a batch changes at most for its time to count as the fixed cost of a batch.
    static let fewRows: Int64 = 100
    /// The first window of an anchor or key walk, as a fraction of its range.
    static let firstWindowFraction = 8192.0

    /// Sizes the cursor's next slices so a batch takes about `target` seconds, growing at most
    /// fourfold while batches take under a quarter of the target (twofold under half of it, by
    /// half past that) and shrinking at most fourfold per batch; with `--batch-size`, so a slice
    /// holds about that many actionable rows. In an anchor or key walk, whose batches cost what
    /// their rows cost, a batch that changed almost nothing measures the fixed cost of a batch,
    /// and only the time above it scales with the slice: where that cost alone passes the target
    /// (a loaded machine, a batch of 32 shard tasks), windows still grow, where scaling the whole
    /// time would shrink them to nothing and the walk would never end. (A page walk cannot shrink
    /// below a page.)
    mutating func adapt(_ slice: BatchSlice, seconds: Double, affected: Int64, target: Double, batchSize: Int?) {
        let current = cursors[slice.cursor].sliceSize
        let size = Double(slice.size)
        if cursors[slice.cursor].walk != .pages, affected < RuleExecution.fewRows {
            cursors[slice.cursor].fixedCost = min(cursors[slice.cursor].fixedCost ?? seconds, seconds)
        }
        let fixed = cursors[slice.cursor].fixedCost ?? 0
        let scaling = max(seconds - fixed, target / 20)
        let budget = max(target - fixed, target / 4)
        let growth = seconds < target / 4 ? 4.0 : seconds < target / 2 ? 2.0 : 1.5
        var next = min(max(size * budget / scaling, current / 4), current * growth)
        if let batchSize, affected > 0 {
            next = min(next, Double(batchSize) * size / Double(affected))
        }
        let largest = cursors[slice.cursor].walk == .pages ? 65_536.0 : Double(Int64.max / 4)
        cursors[slice.cursor].sliceSize = min(max(next, 1), largest)
    }
}
