import Foundation

/// Hands out work to the workers: which rule to start, which heap slice to process next,
/// which rule to finish. A rule starts only when the rules it waits for (`RuleOrder`) are done.
final class Scheduler: @unchecked Sendable {
    enum Work {
        case start(RuleExecution)
        case slice(RuleExecution, BatchSlice)
        case finish(RuleExecution)
        case done
    }

    private let condition = NSCondition()
    let executions: [RuleExecution]
    private let waitsFor: [String: Set<String>]
    private let stop: StopSignal

    init(executions: [RuleExecution], waitsFor: [String: Set<String>], stop: StopSignal) {
        self.executions = executions
        self.waitsFor = waitsFor
        self.stop = stop
    }

    /// Blocks until there is work, or returns `.done` when every rule is done.
    func next() -> Work {
        condition.lock()
        defer { condition.unlock() }
        while true {
            let stopReason = stop.stopReason
            for execution in executions where execution.state == .running {
                if stopReason == nil, execution.failure == nil, let slice = execution.nextSlice() {
                    execution.inFlight += 1
                    return .slice(execution, slice)
                }
                if execution.inFlight == 0 {
                    execution.state = .finishing
                    return .finish(execution)
                }
            }
            for execution in executions where execution.state == .waiting {
                if let stopReason {
                    execution.result.status = .skipped
                    execution.result.error = "not started: \(stopReason)"
                    execution.state = .done
                    continue
                }
                let ready = (waitsFor[execution.rule.name] ?? []).allSatisfy { name in
                    executions.first { $0.rule.name == name }.map { $0.state == .done } ?? true
                }
                if ready {
                    execution.state = .starting
                    execution.startedAt = Date()
                    return .start(execution)
                }
            }
            if executions.allSatisfy({ $0.state == .done }) {
                condition.broadcast()
                return .done
            }
            _ = condition.wait(until: Date().addingTimeInterval(0.2))
        }
    }

    /// Runs `body` under the scheduler's lock and wakes the waiting workers.
    func update(_ body: () -> Void) {
        condition.lock()
        body()
        condition.broadcast()
        condition.unlock()
    }

    /// Where each running rule is.
    func progress() -> [RuleProgress] {
        condition.lock()
        defer { condition.unlock() }
        return executions.filter { $0.state == .running || $0.state == .finishing }.map(\.progress)
    }

    /// The bounds of rules already started, for a dry run's blocked counts.
    func startedBounds(of names: [String]) -> [(RuleExecution, RuleBounds)] {
        condition.lock()
        defer { condition.unlock() }
        return executions.compactMap { execution in
            guard names.contains(execution.rule.name), let bounds = execution.bounds else { return nil }
            return (execution, bounds)
        }
    }
}
