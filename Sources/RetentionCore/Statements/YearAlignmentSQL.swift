/// The SQL of a rule's year alignment (`align`): the year a financial year starts in the
/// policy's `financialYearStartMonth`, a calendar year in January; an aligned anchor is replaced
/// by the end of its year, the first instant of the next. Pure: builds SQL text.
enum YearAlignmentSQL {
    /// The months the year starts after January: 0 for calendar years.
    static func shift(_ align: YearAlignment, financialYearStartMonth: Int) -> Int {
        align == .calendarYearEnd ? 0 : financialYearStartMonth - 1
    }

    /// The first instant of the year that holds `instant` (a timestamptz expression).
    static func yearStart(of instant: String, shift: Int) -> String {
        "(date_trunc('year', \(instant) - interval '\(shift) months') + interval '\(shift) months')"
    }

    /// The end of the year that holds `instant`: the first instant of the next year.
    static func yearEnd(of instant: String, shift: Int) -> String {
        "(\(yearStart(of: instant, shift: shift)) + interval '1 year')"
    }

    /// A row's anchor as `rule` reads it: the earliest of its anchors, each at the end of its
    /// year when the rule aligns. `column` gives a column anchor's timestamptz expression,
    /// `terminatedAt` the tenant's termination (nil: that anchor is left out). Nil without anchors.
    static func anchor(_ rule: Rule, financialYearStartMonth: Int, column: (String) -> String, terminatedAt: String?) -> String? {
        let anchors = rule.due.anchors.compactMap { anchor -> String? in
            let value: String?
            switch anchor {
            case let .column(name): value = column(name)
            case .tenantTerminatedAt: value = terminatedAt
            case .fileModified, .backupStart: value = nil
            }
            guard let value else { return nil }
            guard let align = rule.due.align else { return value }
            return yearEnd(of: value, shift: shift(align, financialYearStartMonth: financialYearStartMonth))
        }
        guard !anchors.isEmpty else { return nil }
        return anchors.count == 1 ? anchors[0] : "least(\(anchors.joined(separator: ", ")))"
    }
}
