/// The retention schedule a privacy policy publishes, and the record of processing (GDPR
/// Art. 30(1)), generated from the policy alone (`retention schedule`): what happens to each
/// category of data and when, the exceptions, how erasure requests are answered and how long
/// backups hold deleted data. No database is read.
public struct RetentionSchedule: Sendable {
    /// What one rule does, in sentences derived from the rule.
    public struct Entry: Sendable, Equatable {
        public var rule: String
        public var category: String
        /// The table, files or backup repository the rule works on.
        public var source: String
        public var action: ActionKind
        /// "deleted", "pseudonymised", "aggregated into daily statistics".
        public var what: String
        /// "Usage and log data is deleted 12 months after it was recorded."
        public var sentence: String
        /// What the action leaves: the pseudonymised fields, what the statistics count.
        public var detail: String?
        /// The time limit alone: "12 months after it was recorded".
        public var when: String
        public var basis: String?
        public var exceptions: [String]
        public var purpose: String?
        public var recipients: [String]
    }

    /// What an erasure request does to one category of a person's data.
    public struct RequestAnswer: Sendable, Equatable {
        public var target: String
        public var category: String
        public var action: SubjectActionKind
        /// "deleted"; "pseudonymised (…)"; "kept: <why>, then deleted <when>".
        public var sentence: String
        public var purpose: String?
        public var recipients: [String]
    }

    /// How one rule on backups bounds the time backups hold deleted data.
    public struct BackupTerm: Sendable, Equatable {
        public var rule: String
        public var sentence: String
    }

    /// One category of the record of processing.
    public struct RecordEntry: Sendable, Equatable {
        public var category: String
        public var purposes: [String]
        public var recipients: [String]
        /// Art. 30(1)(f): the time limits for erasure.
        public var timeLimits: [String]
    }

    public var policy: String
    public var policySHA256: String
    public var timeZone: String
    public var entries: [Entry]
    /// "An erasure request is answered within 1 month of its receipt …"; nil without subjects.
    public var requestDeadline: String?
    public var requests: [RequestAnswer]
    public var backups: [BackupTerm]
    public var record: [RecordEntry]

    /// The legal-hold exception of a rule or target tied to tenants.
    static let holdException = "A legal hold on a customer keeps that customer's data of this category past the period, for as long as the hold is in force."

    public init(policy: Policy) {
        self.policy = policy.name
        policySHA256 = policy.sha256
        timeZone = policy.timeZone
        let startMonth = policy.financialYearStartMonth
        entries = policy.rules.filter(\.action.kind.actsOnTable).map { rule in
            let when = ScheduleWording.when(rule.due, financialYearStartMonth: startMonth)
            let subject = rule.category ?? "The data of rule \(rule.name)"
            return Entry(rule: rule.name, category: rule.category ?? rule.name, source: Self.source(of: rule), action: rule.action.kind,
                         what: ScheduleWording.what(rule.action), sentence: "\(subject) is \(ScheduleWording.what(rule.action)) \(when).",
                         detail: ScheduleWording.detail(rule.action), when: when, basis: rule.basis,
                         exceptions: rule.tenantColumn == nil ? [] : [Self.holdException],
                         purpose: rule.purpose, recipients: rule.recipients)
        }
        if let subjects = policy.subjects {
            let statutory = subjects.deadline == SubjectMap.statutoryDeadline
            requestDeadline = "An erasure request is answered within \(subjects.deadline) of its receipt"
                + (statutory ? " (GDPR Art. 12(3)); the deadline can be extended once by two months when the request is complex, and the person is told why." : ".")
            requests = subjects.targets.map { Self.answer($0, policy: policy) }
        } else {
            requestDeadline = nil
            requests = []
        }
        backups = policy.rules.compactMap { rule in
            switch rule.action {
            case let .purgeFiles(spec):
                return BackupTerm(rule: rule.name, sentence: "Backup files (\(spec.glob) in \(spec.directory)) are deleted \(ScheduleWording.when(rule.due, financialYearStartMonth: startMonth)), so data deleted from the database remains in them for at most \(ScheduleWording.period(rule.due.after)) after its deletion.")
            case let .expireBackups(spec):
                return BackupTerm(rule: rule.name, sentence: "Backups in pgBackRest (stanza \(spec.stanza)) are expired \(ScheduleWording.when(rule.due, financialYearStartMonth: startMonth)), so data deleted from the database remains in them for at most \(ScheduleWording.period(rule.due.after)) after its deletion.")
            case .delete, .pseudonymise, .aggregate:
                return nil
            }
        }
        record = Self.record(entries: entries, requests: requests, deadline: policy.subjects?.deadline)
    }

    private static func source(of rule: Rule) -> String {
        switch rule.action {
        case let .purgeFiles(spec): return "files \(spec.glob) in \(spec.directory)"
        case let .expireBackups(spec): return "pgBackRest stanza \(spec.stanza)"
        case .delete, .pseudonymise, .aggregate: return rule.table.map { "table \($0.description)" } ?? "-"
        }
    }

    private static func answer(_ target: SubjectTarget, policy: Policy) -> RequestAnswer {
        var sentence: String
        switch target.action {
        case .delete:
            sentence = "\(target.category) (table \(target.table)) is deleted."
        case let .pseudonymise(spec):
            sentence = "\(target.category) (table \(target.table)) is pseudonymised. \(ScheduleWording.fields(spec))."
        case let .keep(untilRule):
            sentence = "\(target.category) (table \(target.table)) is kept: \(target.basis ?? "a legal obligation")."
            if let rule = untilRule.flatMap(policy.rule(named:)) {
                sentence += " It is then \(ScheduleWording.what(rule.action)) \(ScheduleWording.when(rule.due, financialYearStartMonth: policy.financialYearStartMonth))."
            }
        }
        if target.tenantColumn != nil, target.erases {
            sentence += " A legal hold on the person's customer delays this until the hold is released."
        }
        return RequestAnswer(target: target.name, category: target.category, action: target.action.kind, sentence: sentence,
                             purpose: target.purpose, recipients: target.recipients)
    }

    /// One entry per category, in the order the policy first names it: its purposes, recipients
    /// and time limits, from its rules and targets.
    private static func record(entries: [Entry], requests: [RequestAnswer], deadline: Period?) -> [RecordEntry] {
        var record: [RecordEntry] = []
        func entry(_ category: String) -> Int {
            if let index = record.firstIndex(where: { $0.category == category }) { return index }
            record.append(RecordEntry(category: category, purposes: [], recipients: [], timeLimits: []))
            return record.count - 1
        }
        func add(_ values: [String], to list: inout [String]) {
            for value in values where !list.contains(value) { list.append(value) }
        }
        for item in entries {
            let index = entry(item.category)
            add(item.purpose.map { [$0] } ?? [], to: &record[index].purposes)
            add(item.recipients, to: &record[index].recipients)
            add(["\(item.what) \(item.when)"], to: &record[index].timeLimits)
        }
        for answer in requests {
            let index = entry(answer.category)
            add(answer.purpose.map { [$0] } ?? [], to: &record[index].purposes)
            add(answer.recipients, to: &record[index].recipients)
            if answer.action != .keep, let deadline {
                add(["on an erasure request, within \(deadline) of its receipt"], to: &record[index].timeLimits)
            }
        }
        return record
    }
}
