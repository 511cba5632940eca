/// The sentences of the published retention schedule, derived from what a rule does: its period,
/// anchors, alignment and action. Never copied from `basis`, so that a changed rule changes the
/// text. Pure: reads the policy only.
enum ScheduleWording {
    /// What happens to the data: "deleted", "pseudonymised", "aggregated into daily statistics".
    static func what(_ action: Action) -> String {
        switch action {
        case .delete, .purgeFiles: return "deleted"
        case .pseudonymise: return "pseudonymised"
        case let .aggregate(spec): return "aggregated into \(bucketAdjective(spec.bucketUnit)) statistics"
        case .expireBackups: return "expired"
        }
    }

    /// What the action leaves, after the sentence: which fields are pseudonymised and how, what
    /// the statistics count; nil when the action removes everything.
    static func detail(_ action: Action) -> String? {
        switch action {
        case .delete, .purgeFiles:
            return nil
        case let .pseudonymise(spec):
            return fields(spec) + "; the rest of the record is kept."
        case let .aggregate(spec):
            let by = spec.dimensions.isEmpty ? "" : " by " + list(spec.dimensions, conjunction: "and")
            let sums = spec.sums.isEmpty ? "" : ", with the totals of " + list(spec.sums.map(\.source), conjunction: "and")
            return "The statistics count the records per \(spec.bucketUnit.rawValue)\(by)\(sums); the individual records are then deleted."
        case let .expireBackups(spec):
            return "The backup sets of pgBackRest stanza \(spec.stanza) (repository \(spec.repo)) are expired, with the WAL that only they need."
        }
    }

    /// "Fields pseudonymised: email replaced by a keyed hash (HMAC-SHA256), name erased".
    static func fields(_ spec: PseudonymiseSpec) -> String {
        "Fields pseudonymised: " + spec.columns.map { $0.strategy.describe($0.column) }.joined(separator: ", ")
    }

    /// When: "30 days after the customer's contract ends or it is removed, whichever is earlier";
    /// "7 years after the end of the financial year (January-December) in which it was issued";
    /// "12 months by default, or the customer's own term by contract (between 30 days and 7
    /// years), after it was recorded".
    static func when(_ due: Due, financialYearStartMonth: Int) -> String {
        let events = due.anchors.map(event)
        var reference = list(events, conjunction: "or")
        if let align = due.align {
            reference = "the end of the \(yearName(align, financialYearStartMonth: financialYearStartMonth)) in which \(reference)"
        }
        var lead = due.after.months + due.after.days == 0 ? (due.align == nil ? "as soon as" : "at") : "\(period(due.after)) after"
        if let perTenant = due.perTenant {
            lead = "\(period(due.after)) by default, or the customer's own term by contract (between \(period(perTenant.min)) and \(period(perTenant.max))), after"
        }
        return "\(lead) \(reference)" + (events.count > 1 ? ", whichever is earlier" : "")
    }

    /// A period as a privacy policy writes it: whole years from two on ("7 years"), else months
    /// ("12 months", "18 months"), then days ("30 days", "1 month and 15 days").
    static func period(_ period: Period) -> String {
        var parts: [String] = []
        if period.months >= 24, period.months % 12 == 0 {
            parts.append("\(period.months / 12) years")
        } else if period.months > 0 {
            parts.append(period.months == 1 ? "1 month" : "\(period.months) months")
        }
        if period.days > 0 || parts.isEmpty { parts.append(period.days == 1 ? "1 day" : "\(period.days) days") }
        return parts.joined(separator: " and ")
    }

    /// "financial year (April-March)", "calendar year".
    static func yearName(_ align: YearAlignment, financialYearStartMonth: Int) -> String {
        switch align {
        case .calendarYearEnd:
            return "calendar year"
        case .financialYearEnd:
            let start = monthNames[financialYearStartMonth - 1]
            let end = monthNames[(financialYearStartMonth + 10) % 12]
            return "financial year (\(start)-\(end))"
        }
    }

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                             "October", "November", "December"]

    /// The event an anchor records, as a clause: "the customer's contract ends", "it was recorded".
    static func event(_ anchor: Anchor) -> String {
        switch anchor {
        case .tenantTerminatedAt: return "the customer's contract ends"
        case .fileModified: return "the file was written"
        case .backupStart: return "the backup was taken"
        case let .column(name): return columnEvent(name)
        }
    }

    /// A column's event: known names in words, `<participle>_at` as "it is <participle>", any
    /// other as "its <words>" (`last_login_at`: "its last login").
    static func columnEvent(_ column: String) -> String {
        var words = column.lowercased().split(separator: "_").map(String.init)
        if words.count > 1, let last = words.last, ["at", "on", "date", "time", "ts"].contains(last) { words.removeLast() }
        let phrase = words.joined(separator: " ")
        switch phrase {
        case "created", "inserted", "recorded", "logged", "timestamp", "time", "ts", "at":
            return "it was recorded"
        case "occurred", "happened":
            return "it occurred"
        case "unsubscribed", "opted out":
            return "the person unsubscribes"
        default:
            break
        }
        guard words.count == 1, let word = words.first, word.hasSuffix("ed") else { return "its \(phrase)" }
        return ["issued", "sent", "received", "signed", "paid"].contains(word) ? "it was \(word)" : "it is \(word)"
    }

    /// "a", "a or b", "a, b or c".
    static func list(_ items: [String], conjunction: String) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items.last!
    }

    private static func bucketAdjective(_ unit: BucketUnit) -> String {
        switch unit {
        case .day: return "daily"
        case .week: return "weekly"
        case .month: return "monthly"
        case .year: return "yearly"
        }
    }
}
