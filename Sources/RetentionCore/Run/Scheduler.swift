import Foundation
import Postgres

/// Hands out work to the workers: which rule to start, which heap slice to process next,
/// which rule to finish. A rule starts only when the rules it waits for (`RuleOrder`) are done.
/// The rules' state lives behind one lock; each piece of work carries a snapshot of its rule.
final class Scheduler: Sendable {
    enum Work {
        case start(RuleExecution)
        case slice(RuleExecution, BatchSlice)
        case finish(RuleExecution)
        case done
    }

    private let executions: Locked<[RuleExecution]>
    private let waitsFor: [String: Set<String>]
    private let stop: StopSignal

    init(rules: [(Rule, RulePlan?)], waitsFor: [String: Set<String>], stop: StopSignal) {
        executions = Locked(rules.enumerated().map { RuleExecution(index: $0.offset, rule: $0.element.0, plan: $0.element.1) })
        self.waitsFor = waitsFor
        self.stop = stop
    }

    /// Blocks until there is work, or returns `.done` when every rule is done.
    func next() -> Work {
        executions.wait(checkingEvery: 0.2) { executions in
            let stopReason = stop.stopReason
            for index in executions.indices where executions[index].state == .running {
                if stopReason == nil, executions[index].failure == nil, let slice = executions[index].takeSlice() {
                    return .slice(executions[index], slice)
                }
                if executions[index].inFlight == 0 {
                    executions[index].state = .finishing
                    return .finish(executions[index])
                }
            }
            for index in executions.indices where executions[index].state == .waiting {
                if let stopReason {
                    executions[index].result.status = .skipped
                    executions[index].result.error = "not started: \(stopReason)"
                    executions[index].state = .done
                    continue
                }
                let ready = (waitsFor[executions[index].rule.name] ?? []).allSatisfy { name in
                    executions.first { $0.rule.name == name }.map { $0.state == .done } ?? true
                }
                if ready {
                    executions[index].state = .starting
                    executions[index].startedAt = Date()
                    return .start(executions[index])
                }
            }
            return executions.allSatisfy { $0.state == .done } ? .done : nil
        }
    }

    /// Changes the shared state of one rule and wakes the waiting workers.
    func update(_ execution: RuleExecution, _ body: (inout RuleExecution) -> Void) {
        executions.withLock { body(&$0[execution.index]) }
    }

    /// Where each running rule is.
    func progress() -> [RuleProgress] {
        executions.withLock { executions in
            executions.filter { $0.state == .running || $0.state == .finishing }.map(\.progress)
        }
    }

    /// Every rule's result, in policy order.
    var results: [RuleResult] { executions.withLock { $0.map(\.result) } }

    /// For a dry run's blocked counts: the rules already started that remove rows from one of
    /// `tables`, with their bounds.
    func startedRules(removingFrom tables: Set<Identifier>) -> [(RulePlan, RuleBounds)] {
        executions.withLock { executions in
            executions.compactMap { execution in
                guard execution.rule.removesRows, let plan = execution.plan, tables.contains(plan.table.identifier),
                      let bounds = execution.bounds else { return nil }
                return (plan, bounds)
            }
        }
    }
}
