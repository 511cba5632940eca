import Foundation
import Postgres

/// `replay`: after a restore from a backup taken at `since`, re-applies every erasure recorded in
/// the ledger after that time: the same rule for the same tenant, whatever the restored rows
/// say (a termination counts even when the restored `terminatedAt` is NULL). One run per tenant,
/// as of the latest recorded run for it.
///
/// Entries are written when a rule starts, before its batches. A run that was under way when the
/// backup was taken may have recorded its entries before `since` and erased after it, so entries
/// from up to `margin` (a day) before `since` are replayed too: replaying only acts on rows that
/// are due, so an erasure the backup already had is harmless to repeat.
public struct Replay {
    /// The run every tenant's replay is made from: policy, options, connection and state.
    public let base: Runner

    public static let margin: TimeInterval = 24 * 3600

    public init(base: Runner) { self.base = base }

    public struct Outcome: Sendable {
        public var reports: [(report: RunReport, path: String)]
        /// Entries whose rule the policy no longer has: not replayed.
        public var unknownRules: [ErasureEntry]
        public var entries: Int
        /// Tenants whose replay failed, with the reason; the others were still replayed.
        public var failures: [(tenant: String, error: String)]
        /// Ledger lines that are not valid entries (skipped).
        public var damagedLines: [Int]
    }

    public func run(since: String) throws -> Outcome {
        guard let sinceDate = Timestamps.date(since) else { throw RunError.usage("invalid --since \"\(since)\"") }
        let policy = base.policy
        let horizon = sinceDate.addingTimeInterval(-Replay.margin)
        let ledger = try base.state.ledger.read()
        let recorded = ledger.entries.filter { (Timestamps.date($0.recordedAt) ?? .distantPast) >= horizon }
        let known = recorded.filter { policy.rule(named: $0.rule) != nil }
        // Refuse before anything runs: every rule the ledger names must be runnable (its key given).
        var everything = base.options
        everything.ruleNames = Array(Set(known.map(\.rule))).sorted()
        everything.tenant = nil
        try Runner.checkOptions(policy, everything)
        var failures: [(tenant: String, error: String)] = []
        var tenants: [String] = []
        for entry in known where !tenants.contains(entry.tenant) { tenants.append(entry.tenant) }
        var reports: [(report: RunReport, path: String)] = []
        for tenant in tenants {
            guard base.stop.stopReason == nil else { break }
            let entries = known.filter { $0.tenant == tenant }
            var runner = base
            runner.options.tenant = tenant
            runner.options.ruleNames = policy.rules.map(\.name).filter { name in entries.contains { $0.rule == name } }
            runner.options.asOf = entries.map(\.asOf).max()
            runner.options.replay = entries
            do {
                reports.append(try runner.run())
            } catch {
                failures.append((tenant, "\(error)"))
            }
        }
        return Outcome(reports: reports, unknownRules: recorded.filter { policy.rule(named: $0.rule) == nil }, entries: known.count,
                       failures: failures, damagedLines: ledger.damagedLines)
    }
}
