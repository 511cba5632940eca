/// One promise of a policy as `retention audit` finds it: a rule's period, the erasure
/// requests' deadline, a backup rule's period; whether anything is kept past it, since when,
/// and why.
public struct Promise: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case rule, requests, files, backups
    }

    /// `kept`: nothing is overdue; `held`: only rows a legal hold keeps are; `broken`: anything else is.
    public enum Verdict: String, Sendable {
        case kept, held, broken
    }

    /// What is overdue, by reason: rows (or files, backup sets, requests).
    public struct Overdue: Sendable, Equatable {
        /// Kept by a legal hold in force: lawful.
        public var held: Int64 = 0
        /// Referenced by rows that are not due, through a foreign key.
        public var blocked: Int64 = 0
        /// Neither: the engine should have removed them (a failed, skipped or never-run rule).
        public var pending: Int64 = 0

        public init(held: Int64 = 0, blocked: Int64 = 0, pending: Int64 = 0) {
            self.held = held
            self.blocked = blocked
            self.pending = pending
        }

        public var total: Int64 { held + blocked + pending }
    }

    public var kind: Kind
    /// The rule's name; `erasure-requests` for the requests.
    public var name: String
    public var overdue: Overdue
    /// The earliest instant at which an overdue row became due (ISO 8601 UTC), nil when none is.
    public var overdueSince: String?
    /// Whole days from `overdueSince` to the audit's `asOf`.
    public var overdueDays: Int64?
    /// The foreign keys that block rows, by constraint.
    public var blockedBy: [String] = []
    /// Requests only: open requests whose deadline falls within the next 7 days.
    public var dueSoon: Int64?
    /// Why the promise could not be checked (a backup repository that could not be listed).
    public var error: String?
    /// The rule in the last run that began it; nil when no run did (requests: nil).
    public var lastRun: LastRun?

    /// A rule in a recorded run (not a dry run, which records nothing).
    public struct LastRun: Sendable, Equatable {
        public var startedAt: String
        /// The run's status: `ok`, `failed`, `interrupted` or `running`.
        public var runStatus: String
        /// The rule's status (`ok`, `failed`, `interrupted`); nil when its result was not recorded.
        public var status: String?
        public var error: String?
    }

    public var verdict: Verdict {
        if error != nil || overdue.blocked > 0 || overdue.pending > 0 { return .broken }
        return overdue.held > 0 ? .held : .kept
    }

    /// `count` of what is overdue, with its unit: "1 row", "3 backup sets", "2 open erasure requests".
    public func counted(_ count: Int64) -> String {
        let (one, many) = switch kind {
        case .rule: ("row", "rows")
        case .requests: ("open erasure request", "open erasure requests")
        case .files: ("file", "files")
        case .backups: ("backup set", "backup sets")
        }
        return "\(grouped(count)) \(count == 1 ? one : many)"
    }
}
