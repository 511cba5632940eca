import Foundation

/// `expire-backups`: keeps a pgBackRest repository within the period, a hard maximum age where
/// pgBackRest's own retention means "keep at least". After a run no backup set that started
/// before the cutoff remains, nor WAL older than the oldest remaining backup: each due full
/// backup goes with `pgbackrest expire --set=LABEL` (with the differential and incremental
/// backups that depend on it), then the WAL archive before the oldest remaining full backup with
/// `expire --repoN-retention-archive-type=full --repoN-retention-archive=N` (N the full backups
/// left; `expire --set` alone leaves that WAL). The result is read back from `pgbackrest info`.
///
/// pgBackRest never expires a repository's last full backup (error 075). When that one is due,
/// it stays with what depends on it, everything else due goes, and the rule fails.
public struct BackupExpiry: Sendable {
    public let spec: PgBackRestSpec
    /// Sets that started before this instant (seconds since 1970) are due.
    public let cutoff: Double
    /// The period, for messages ("90 days").
    public let period: Period
    public let dryRun: Bool

    public init(spec: PgBackRestSpec, cutoff: Double, period: Period, dryRun: Bool) {
        self.spec = spec
        self.cutoff = cutoff
        self.period = period
        self.dryRun = dryRun
    }

    /// One backup set that was due, or goes or stays with one that was.
    public struct SetOutcome: Sendable, Equatable {
        public enum State: String, Sendable {
            /// Due and expired by this run.
            case expired
            /// Due; a dry run, so still there.
            case due
            /// Due (or depending on such a set) but kept: the repository's last full backup.
            case kept
            /// Due, but `pgbackrest expire` failed or the set was still there afterwards.
            case failed
        }

        public var label: String
        public var kind: BackupSet.Kind
        /// `timestamp.start`, seconds since 1970.
        public var start: Int64
        public var state: State
        /// For a differential or incremental backup that goes (or stays) with a full one: its label.
        public var with: String?
    }

    /// What to do, decided from `info` before anything is expired.
    public struct Plan: Sendable {
        /// The due sets that nothing due depends on (full backups), oldest first: one
        /// `expire --set` each; each with the sets that depend on it.
        public var roots: [(set: BackupSet, dependents: [BackupSet])]
        /// The repository's last full backup when it is due, which pgBackRest will not expire,
        /// with the sets that depend on it.
        public var keptLastFull: (set: BackupSet, dependents: [BackupSet])?

        public init(_ info: RepositoryInfo, cutoff: Double) {
            let due = info.sets.filter { Double($0.start) < cutoff }
            let lastFull = info.fullSets.last
            roots = []
            keptLastFull = nil
            for set in due where !due.contains(where: { set.dependsOn($0) }) {
                let dependents = info.sets.filter { $0.dependsOn(set) }
                if set == lastFull {
                    keptLastFull = (set, dependents)
                } else {
                    roots.append((set, dependents))
                }
            }
        }

        /// Every set the plan names, as outcomes in `state` (the kept ones as `kept`).
        func outcomes(_ state: SetOutcome.State) -> [SetOutcome] {
            var result: [SetOutcome] = []
            for (root, dependents) in roots {
                result.append(SetOutcome(label: root.label, kind: root.kind, start: root.start, state: state, with: nil))
                result += dependents.map { SetOutcome(label: $0.label, kind: $0.kind, start: $0.start, state: state, with: root.label) }
            }
            if let (root, dependents) = keptLastFull {
                result.append(SetOutcome(label: root.label, kind: root.kind, start: root.start, state: .kept, with: nil))
                result += dependents.map { SetOutcome(label: $0.label, kind: $0.kind, start: $0.start, state: .kept, with: root.label) }
            }
            return result
        }
    }

    public struct Outcome: Sendable {
        public var sets: [SetOutcome]
        /// The oldest backup set left (as read back), nil when none is.
        public var oldestRemaining: BackupSet?
        /// Why the rule failed: a set that could not be expired, something past the age still in
        /// the repository, or a due last full backup.
        public var failures: [String] = []
        public var warnings: [String] = []

        public var matched: Int64 { Int64(sets.count) }
        public var affected: Int64 { Int64(sets.filter { $0.state == .expired }.count) }
    }

    /// Reads the repository, expires what is due (unless a dry run), and reads it back.
    public func run() throws -> Outcome {
        let command = try PgBackRestCommand(spec: spec)
        let before = try command.info()
        let plan = Plan(before, cutoff: cutoff)
        var outcome = Outcome(sets: plan.outcomes(dryRun ? .due : .expired), oldestRemaining: before.sets.first)
        if before.sets.isEmpty {
            outcome.warnings.append("the repository holds no backup of stanza \(spec.stanza); check that backups are being taken")
        }
        if dryRun {
            if let kept = plan.keptLastFull { outcome.warnings.append(lastFullMessage(kept.set, dependents: kept.dependents.count)) }
            return outcome
        }
        for (root, dependents) in plan.roots {
            do {
                _ = try command.run("expire", ["--set=\(root.label)"])
            } catch {
                outcome.failures.append("\(error)")
                let labels = Set([root.label] + dependents.map(\.label))
                for index in outcome.sets.indices where labels.contains(outcome.sets[index].label) { outcome.sets[index].state = .failed }
            }
        }
        // `expire --set` leaves the WAL before the oldest remaining backup; keeping the archive
        // of exactly the full backups left removes it.
        let fullsLeft = try command.info().fullSets.count
        if fullsLeft > 0 {
            do {
                _ = try command.run("expire", ["--repo\(spec.repo)-retention-archive-type=full", "--repo\(spec.repo)-retention-archive=\(fullsLeft)"])
            } catch {
                outcome.failures.append("\(error)")
            }
        }
        let after = try command.info()
        outcome.oldestRemaining = after.sets.first
        let left = Set(after.sets.map(\.label))
        for index in outcome.sets.indices where outcome.sets[index].state == .expired && left.contains(outcome.sets[index].label) {
            outcome.sets[index].state = .failed
            outcome.failures.append("backup \(outcome.sets[index].label) is still in the repository after pgbackrest expire")
        }
        let known = Set(outcome.sets.map(\.label))
        let pastAge = after.sets.filter { Double($0.start) < cutoff && !known.contains($0.label) }
        if !pastAge.isEmpty {
            outcome.failures.append("backups past the age appeared during the run and remain: \(pastAge.map(\.label).joined(separator: ", "))")
        }
        for archive in after.walOlderThanOldestBackup {
            if let oldest = after.sets.first {
                outcome.failures.append("WAL archive \(archive.id) still starts at \(archive.oldest ?? "?"), before the oldest backup left (\(oldest.label)); check pgBackRest's log")
            } else {
                outcome.failures.append("WAL archive \(archive.id) holds WAL but the repository holds no backup to need it; take a full backup")
            }
        }
        if let kept = plan.keptLastFull { outcome.failures.append(lastFullMessage(kept.set, dependents: kept.dependents.count)) }
        return outcome
    }

    private func lastFullMessage(_ set: BackupSet, dependents: Int) -> String {
        let started = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(set.start)))
        let with = dependents == 0 ? "" : " and the \(dependents) backups that depend on it"
        return "no full backup younger than \(period): pgBackRest never expires a repository's last full backup, so \(set.label) (started \(started))\(with) stays; take a full backup more often than the period"
    }
}

extension BackupExpiry.SetOutcome {
    /// As written in the run report and recorded with the run: labels, types and times only.
    public var json: JSONValue {
        .members([("label", .string(label)), ("type", .string(kind.rawValue)), ("start", .string(startISO)),
                  ("state", .string(state.rawValue)), ("with", .optionalString(with))])
    }

    /// The start in ISO 8601, UTC.
    public var startISO: String { ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(start))) }

    /// Reads what `json` wrote.
    init?(_ value: JSONValue) {
        guard case let .string(label)? = value["label"], case let .string(type)? = value["type"], let kind = BackupSet.Kind(rawValue: type),
              case let .string(startText)? = value["start"], let start = ISO8601DateFormatter().date(from: startText),
              case let .string(stateText)? = value["state"], let state = State(rawValue: stateText) else { return nil }
        let with: String? = if case let .string(text)? = value["with"] { text } else { nil }
        self.init(label: label, kind: kind, start: Int64(start.timeIntervalSince1970), state: state, with: with)
    }
}
