import Postgres
@testable import RetentionCore
import Testing

/// How a rule's slices are sized from the time its batches took, on a simulated table whose
/// batches cost a fixed time plus a time per slice unit.
@Suite("Slice sizing")
struct SliceSizingTests {
    /// Runs `batches` batches of one anchor walk whose batch takes `fixed + perUnit * size`
    /// seconds; returns each batch's time and the units walked.
    static func walk(fixed: Double, perUnit: Double, batches: Int) throws -> (times: [Double], walked: Int64) {
        let rule = try PolicyParser.parse(#"{"policy": "p", "rules": [{"name": "r", "table": "t", "due": {"after": "1 day", "from": "created_at"}, "action": "delete"}]}"#).rules[0]
        var execution = RuleExecution(index: 0, rule: rule, plan: nil)
        let end = Int64(1) << 50
        execution.cursors = [RuleExecution.Cursor(relation: Identifier("public", "t"), walk: .anchor("created_at"), start: 0, next: 0, end: end,
                                                  sliceSize: Double(end) / RuleExecution.firstWindowFraction / 1_000_000)]
        var times: [Double] = []
        for _ in 0..<batches {
            guard let slice = execution.nextSlice() else { break }
            let seconds = fixed + perUnit * Double(slice.size)
            times.append(seconds)
            execution.adapt(slice, seconds: seconds, affected: 1, target: 0.08, batchSize: nil)
        }
        return (times, execution.cursors[0].next)
    }

    @Test("a cheap fixed cost: slices grow to the 80 ms target and stay near it")
    func cheapBatches() throws {
        let (times, _) = try SliceSizingTests.walk(fixed: 0.002, perUnit: 1e-12, batches: 60)
        #expect(times.first! < 0.01)
        #expect(times.max()! < 0.16, "\(times)")
        let settled = times.suffix(20)
        #expect(settled.allSatisfy { $0 > 0.05 && $0 < 0.12 }, "\(settled)")
    }

    @Test("a fixed cost above the target (a loaded machine, 32 shards): slices still grow, every batch stays under 250 ms")
    func expensiveBatches() throws {
        let (times, walked) = try SliceSizingTests.walk(fixed: 0.1, perUnit: 1e-12, batches: 60)
        #expect(times.max()! < 0.25, "\(times)")
        // Scaling the whole time would shrink the windows fourfold a batch to nothing.
        #expect(times.last! > 0.11, "the slices did not grow: \(times)")
        #expect(walked > 100_000_000_000, "walked \(walked)")
    }
}
