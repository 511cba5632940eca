import Foundation
import Postgres

/// The state of one rule during a run, shared by the workers through the `Scheduler`
/// (which guards every access with its lock).
final class RuleExecution: @unchecked Sendable {
    enum State { case waiting, starting, running, finishing, done }

    /// One relation's pages still to be sliced.
    struct Cursor {
        var relation: Identifier
        var nextPage: Int
        var endPage: Int
    }

    let rule: Rule
    let plan: RulePlan?
    var state = State.waiting
    var bounds: RuleBounds?
    var cursors: [Cursor] = []
    /// The slice size the next batch gets, adapted after each batch to the target time.
    var pagesPerBatch = 512.0
    var inFlight = 0
    var result: RuleResult
    var affectedByTenant: [String?: Int64] = [:]
    var batchDurations: [Double] = []
    /// Some slice met rows the application held and skipped them.
    var skippedLockedRows = false
    /// A slice was left unfinished because the run was asked to stop.
    var leftRows = false
    var failure: String?
    var startedAt = Date()

    init(rule: Rule, plan: RulePlan?) {
        self.rule = rule
        self.plan = plan
        self.result = RuleResult(rule: rule, status: .skipped)
    }

    var hasSlicesLeft: Bool { cursors.contains { $0.nextPage < $0.endPage } }

    /// Cuts the next slice of about `pagesPerBatch` pages.
    func nextSlice() -> PageSlice? {
        guard let index = cursors.firstIndex(where: { $0.nextPage < $0.endPage }) else { return nil }
        let cursor = cursors[index]
        let pages = max(1, min(Int(pagesPerBatch), cursor.endPage - cursor.nextPage))
        cursors[index].nextPage += pages
        return PageSlice(relation: cursor.relation, firstPage: cursor.nextPage, endPage: cursor.nextPage + pages)
    }

    /// Sizes the next slices so a batch takes about `target` seconds, growing at most twofold
    /// and shrinking at most fourfold per batch; with `--batch-size`, so a slice holds about that
    /// many actionable rows.
    func adapt(pages: Int, seconds: Double, affected: Int64, target: Double, batchSize: Int?) {
        let byTime = Double(pages) * target / max(seconds, 0.0005)
        var next = min(max(byTime, pagesPerBatch / 4), pagesPerBatch * 2)
        if let batchSize, affected > 0 {
            next = min(next, Double(batchSize) * Double(pages) / Double(affected))
        }
        pagesPerBatch = min(max(next, 1), 65_536)
    }
}
