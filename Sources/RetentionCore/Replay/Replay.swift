import Foundation
import Postgres

/// `replay`: after a restore from a backup taken at `since`, re-applies every erasure recorded in
/// the ledger after that time: the same rules, whatever the restored rows say (a ledger entry's
/// tenant counts as terminated even when the restored `terminatedAt` is NULL). One run for all
/// entries, as of the latest recorded run among them.
///
/// Entries are written when a rule starts, before its batches. A run that was under way when the
/// backup was taken may have recorded its entries before `since` and erased after it, so entries
/// from up to `margin` (a day) before `since` are replayed too: replaying only acts on rows that
/// are due, so an erasure the backup already had is harmless to repeat.
public struct Replay {
    /// The run the replay is made from: policy, options, connection and state.
    public let base: Runner

    public static let margin: TimeInterval = 24 * 3600

    public init(base: Runner) { self.base = base }

    public struct Outcome: Sendable {
        /// The replay's run, or nil when the ledger has nothing to replay.
        public var run: (report: RunReport, path: String)?
        /// Entries whose rule the policy no longer has: not replayed.
        public var unknownRules: [ErasureEntry]
        public var entries: Int
        /// The tenants whose erasures were replayed.
        public var tenants: [String]
        /// The erasure requests whose erasures were replayed.
        public var requests: [Int64] = []
        /// Targets of replayed requests that the policy no longer has: their rows were not
        /// erased again (request id, target name).
        public var unknownTargets: [(request: Int64, target: String)] = []
        /// Ledger lines that are not valid entries (skipped).
        public var damagedLines: [Int]
    }

    /// The erasure requests' entries recorded since `horizon`, whatever policy name wrote them
    /// (a request belongs to the database), each narrowed by a later cancellation to the targets
    /// that had erased rows before it. A key whose fingerprint is not the one an entry was made
    /// with would find nobody: refused.
    static func subjectEntries(_ ledger: ErasureLedger, since horizon: Date, key: PseudonymKey?) throws -> [SubjectErasureEntry] {
        let cancellations = try ledger.cancellations()
        let entries = try ledger.subjectEntries().filter { (Timestamps.date($0.recordedAt) ?? .distantPast) >= horizon }
        if let key, let foreign = entries.first(where: { $0.keyFingerprint.map { $0 != key.fingerprint } ?? false }) {
            throw RunError.usage("the pseudonym key (fingerprint \(key.fingerprint)) is not the key that made the erasure ledger's entry for request \(foreign.requestID) (fingerprint \(foreign.keyFingerprint ?? "")); give the key the runs used (--pseudonym-key-file)")
        }
        return entries.compactMap { entry in
            var entry = entry
            let recorded = Timestamps.date(entry.recordedAt) ?? .distantPast
            for cancellation in cancellations where cancellation.requestID == entry.requestID
                && (Timestamps.date(cancellation.recordedAt) ?? .distantPast) >= recorded {
                entry.targets = entry.targets.filter(cancellation.erasedTargets.contains)
            }
            return entry.targets.isEmpty ? nil : entry
        }
    }

    public func run(since: String) throws -> Outcome {
        guard let sinceDate = Timestamps.date(since) else { throw RunError.usage("invalid --since \"\(since)\"") }
        guard base.state.ledger.exists else {
            throw RunError.stateLost("there is no erasure ledger at \"\(base.state.ledger.path)\": replay needs the state directory the runs wrote (--state-dir, or restore it from its own backup); without it the erased rows of the restored database would stay")
        }
        let policy = base.policy
        let horizon = sinceDate.addingTimeInterval(-Replay.margin)
        let ledger = try base.state.ledger.read()
        let recorded = ledger.entries.filter { (Timestamps.date($0.recordedAt) ?? .distantPast) >= horizon }
        let known = recorded.filter { policy.rule(named: $0.rule) != nil }
        var tenants: [String] = []
        for tenant in known.compactMap(\.tenant) where !tenants.contains(tenant) { tenants.append(tenant) }
        let subjects = policy.subjects == nil ? [] : try Replay.subjectEntries(base.state.ledger, since: horizon, key: base.options.pseudonymKey)
        var outcome = Outcome(run: nil, unknownRules: recorded.filter { policy.rule(named: $0.rule) == nil }, entries: known.count,
                              tenants: tenants, requests: subjects.map(\.requestID), damagedLines: ledger.damagedLines)
        let targetNames = Set(policy.subjects?.targets.map(\.name) ?? [])
        outcome.unknownTargets = subjects.flatMap { entry in entry.targets.filter { !targetNames.contains($0) }.map { (entry.requestID, $0) } }
        guard !known.isEmpty || !subjects.isEmpty else { return outcome }
        var runner = base
        runner.options.tenant = nil
        runner.options.replaySubjects = subjects
        runner.options.skipRules = known.isEmpty
        runner.options.ruleNames = policy.rules.map(\.name).filter { name in known.contains { $0.rule == name } }
        runner.options.asOf = known.map(\.asOf).max()
        runner.options.replay = known
        outcome.run = try runner.run()
        return outcome
    }
}
