/// The termination plan as text for a person and as JSON for scripts.
extension TerminationPlan {
    /// One line per date of the timeline, then each rule with what is kept and why.
    public func text() -> String {
        var lines: [String] = []
        let termination = terminationIsRecorded ? "terminated at \(terminatedAt)" : "if terminated at \(terminatedAt)"
        lines.append("Termination plan for tenant \(tenant) of policy \"\(policy)\" (\(termination); as of \(asOf); dates in \(timeZone))")
        for hold in holds {
            lines.append("HELD: legal hold \(hold.id) (\(hold.rule.map { "rule \($0)" } ?? "every rule")) placed \(hold.placedAt) by \(hold.placedBy): \(hold.reason); nothing it covers is removed while it is in force")
        }
        lines.append("")
        lines.append("Timeline:")
        let timeline = self.timeline
        if timeline.isEmpty { lines.append("  nothing of this tenant is scheduled") }
        for (date, items) in timeline {
            let label = items.first?.overdue == true ? "next run (due since \(date))" : date
            let parts = items.map { item in
                "\(item.action.verb) \(grouped(item.rows)) \(item.table)\(item.year.map { " (\($0))" } ?? "")\(item.held ? " [held]" : "")"
            }
            lines.append("  \(label): \(parts.joined(separator: ", "))")
        }
        lines.append("")
        lines.append("Rules:")
        for rule in rules {
            lines.append("  \(rule.rule)\(rule.category.map { " (\($0))" } ?? ""): \(rule.action.rawValue) on \(rule.table), \(grouped(rule.total)) rows scheduled")
            if let basis = rule.basis { lines.append("    basis: \(basis)") }
            if let term = rule.term { lines.append("    term: \(term.applied), from \(term.origin)") }
            if rule.neverDue > 0 { lines.append("    kept: \(grouped(rule.neverDue)) rows that this rule never makes due (no anchor set)") }
            if rule.held { lines.append("    kept while held: a legal hold covers this rule") }
            if !rule.partitions.isEmpty {
                let names = rule.partitions.map { "\($0.name) (\(grouped($0.rows)) rows)" }.joined(separator: ", ")
                lines.append("    removed whole by the next run, with every tenant's rows in them: \(names)")
            }
        }
        if !otherRules.isEmpty {
            lines.append("  not tied to tenants, so not in this plan: \(otherRules.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What happens on each date, in order: rows due already come first.
    public var timeline: [(date: String, items: [TimelineItem])] {
        var byDate: [String: [TimelineItem]] = [:]
        for rule in rules {
            for entry in rule.entries {
                let item = TimelineItem(rule: rule.rule, action: rule.action, table: rule.table, rows: entry.rows,
                                        year: entry.year, overdue: entry.overdue, dueAt: entry.dueAt, date: entry.date, held: rule.held)
                byDate[entry.overdue ? "" : entry.date, default: []].append(item)
            }
        }
        return byDate.keys.sorted().map { key in
            let items = byDate[key]!
            return (key.isEmpty ? (items.map(\.date).min() ?? "") : key, items)
        }
    }

    public var json: JSONValue {
        .members([
            ("policy", .string(policy)),
            ("tenant", .string(tenant)),
            ("terminatedAt", .string(terminatedAt)),
            ("terminationRecorded", .bool(terminationIsRecorded)),
            ("asOf", .string(asOf)),
            ("timeZone", .string(timeZone)),
            ("holds", .array(holds.map(\.json))),
            ("rules", .array(rules.map { rule in
                .members([
                    ("name", .string(rule.rule)), ("category", .optionalString(rule.category)), ("basis", .optionalString(rule.basis)),
                    ("action", .string(rule.action.rawValue)), ("table", .string(rule.table)), ("held", .bool(rule.held)),
                    ("scheduled", .array(rule.entries.map { entry in
                        .members([("dueAt", .string(entry.dueAt)), ("date", .string(entry.date)), ("year", .optionalString(entry.year)),
                                  ("rows", .int(entry.rows)), ("overdue", .bool(entry.overdue))])
                    })),
                    ("keptNeverDue", .int(rule.neverDue)),
                    ("term", rule.term?.json ?? .null),
                    ("partitionsNextRun", .array(rule.partitions.map(\.json))),
                ])
            })),
            ("notInPlan", .array(otherRules.map(JSONValue.string))),
        ])
    }
}

/// One rule's rows on one date of the timeline.
public struct TimelineItem: Sendable {
    public var rule: String
    public var action: ActionKind
    public var table: String
    public var rows: Int64
    public var year: String?
    public var overdue: Bool
    public var dueAt: String
    /// `dueAt`'s date in the policy's time zone.
    public var date: String
    public var held: Bool
}

/// `12345678` as `12,345,678`.
func grouped(_ value: Int64) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (index, character) in digits.enumerated() {
        if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
        result.append(character)
    }
    return value < 0 ? "-" + result : result
}
