/// The compliance report as JSON, Markdown and a self-contained, print-friendly HTML page.
extension ComplianceReport: Document {
    public var json: JSONValue {
        .members([
            ("schema", .string("retention-compliance-report/1")),
            ("tenant", .string(tenant)),
            ("from", .optionalString(from)),
            ("to", .optionalString(to)),
            ("generatedAt", .string(generatedAt)),
            ("runs", .int(runs)),
            ("rules", .array(rules.map { rule -> JSONValue in
                let columns: [JSONValue] = rule.columns.map { column, strategy in
                    .members([("column", .string(column)), ("strategy", .string(strategy.rawValue))])
                }
                return .members([
                    ("rule", .string(rule.rule)), ("category", .string(rule.category)), ("basis", .optionalString(rule.basis)),
                    ("action", .string(rule.action.rawValue)), ("table", .optionalString(rule.table)),
                    ("pseudonymisedColumns", .array(columns)),
                    ("rows", .int(rule.total)),
                    ("byDate", .array(rule.byDate.map { .members([("date", .string($0.date)), ("rows", .int($0.rows))]) })),
                    ("blocked", .int(rule.blocked)),
                    ("blockedBy", .array(rule.blockedBy.map(JSONValue.string))),
                ])
            })),
            ("holds", .array(holds.map(\.json))),
            ("personHolds", .array(personHolds.map { .members([("id", .int($0.id)), ("subject", .optionalString($0.subjectColumn)),
                                                              ("placedAt", .string($0.placedAt))]) })),
            ("backupsExpired", .array(backupsExpired.map { run in
                .members([("rule", .string(run.rule)), ("basis", .optionalString(run.basis)), ("date", .string(run.date)),
                          ("sets", .array(run.sets.map(\.json)))])
            })),
            ("terms", .array(terms.map { entry in
                .members([("rule", .string(entry.rule)), ("term", entry.term.json)])
            })),
            ("scheduled", scheduled.map { timeline in
                .array(timeline.map { day in
                    .members([("date", .string(day.date)), ("items", .array(day.items.map { item in
                        .members([("rule", .string(item.rule)), ("action", .string(item.action.rawValue)), ("table", .string(item.table)),
                                  ("rows", .int(item.rows)), ("year", .optionalString(item.year)), ("held", .bool(item.held))])
                    }))])
                })
            } ?? .null),
            ("keptPastPeriod", keptPastPeriod.map { audit in
                .members([("asOf", .string(audit.asOf)), ("grace", .string(audit.grace.description)),
                          ("promises", .array(audit.promises.filter { $0.overdue.total > 0 }.map(\.json)))])
            } ?? .null),
            ("integrity", .members([
                ("intact", .bool(integrity.isIntact)), ("reportsChecked", .int(integrity.reportsChecked)),
                ("problems", .array(integrity.problems.map(JSONValue.string))), ("notes", .array(integrity.notes.map(JSONValue.string))),
            ])),
        ])
    }

    /// Sentences a person reads, shared by Markdown and HTML.
    private var periodText: String {
        switch (from, to) {
        case let (from?, to?): return "from \(from) to \(to)"
        case let (from?, nil): return "since \(from)"
        case let (nil, to?): return "until \(to)"
        default: return "all recorded runs"
        }
    }

    private var runsText: String { runs == 1 ? "1 run" : "\(runs) runs" }

    private var title: String { "Data retention report for tenant \(tenant)" }

    private var generatedText: String {
        "Generated \(generatedAt), covering \(periodText) (\(runsText)). Counts only: this report contains no personal data."
    }

    private static let backupsExplained = "Backups hold every tenant's data; these backup sets were expired because they were older than the period."

    /// "2026-12-07, rule backups: full backup 20261207-181853F (started 2026-09-01T02:00:00Z), ...; Basis: ..."
    private func backupsText(_ run: BackupsExpired) -> String {
        let sets = run.sets.map { "\($0.kind.rawValue) backup \($0.label) (started \($0.startISO))" }.joined(separator: ", ")
        return "\(run.date), rule \(run.rule): \(sets)" + (run.basis.map { ". Basis: \($0)" } ?? "")
    }

    private static let nothingRemoved = "Nothing was removed in this period."
    private static let noHolds = "No legal hold was ever placed on this tenant."
    /// `Rule events: 24 months, from organizations.log_retention`.
    private func termText(_ entry: (rule: String, term: TenantTermOf)) -> String {
        "Rule \(entry.rule): kept \(entry.term.applied), from \(entry.term.origin)"
    }

    private static let nothingScheduled = "Nothing of this tenant is scheduled."

    /// What a rule did, after its name: "1,200 rows of public.events deleted."
    private func removedText(_ rule: RuleSection) -> String {
        "\(grouped(rule.total)) rows of \(rule.table ?? "-") \(rule.action.pastTense)."
    }

    private func holdText(_ hold: LegalHold) -> String {
        let released = hold.releasedAt.map { "released \($0) by \(hold.releasedBy ?? "?")" } ?? "in force"
        return "Hold \(hold.id) (\(hold.rule.map { "rule \($0)" } ?? "every rule")): placed \(hold.placedAt) by \(hold.placedBy), \(released). Reason: \(hold.reason)"
    }

    /// "Hold 7 on a person named by subject email: in force since …; …".
    private func personHoldText(_ hold: LegalHold) -> String {
        "Hold \(hold.id) on a person named by \(hold.holder.description): in force since \(hold.placedAt). \(Self.personHoldsExplained)"
    }

    private static let personHoldsExplained = "If the person is among this tenant's data, their rows are kept from every rule and every erasure request until the hold is released."

    private func scheduledText(_ items: [TimelineItem]) -> String {
        items.map { "\($0.action.verb) \(grouped($0.rows)) rows of \($0.table)\($0.year.map { " (\($0))" } ?? "")\($0.held ? " (held)" : "")" }
            .joined(separator: "; ")
    }

    private var integrityText: String {
        integrity.isIntact
            ? "Intact: \(integrity.reportsChecked) run reports checked; each names the SHA-256 of the one before it, and every recorded run's report is present and unchanged."
            : "NOT INTACT: \(integrity.problems.count) problems in \(integrity.reportsChecked) run reports."
    }

    private func columnsText(_ rule: RuleSection) -> String? {
        guard !rule.columns.isEmpty else { return nil }
        let described = rule.columns.map { column, strategy in strategy.describe(column) }
        return "The rows were kept in this form: " + described.joined(separator: "; ") + "."
    }

    private var blockedText: [(rule: String, text: String)] {
        rules.filter { $0.blocked > 0 }.map { rule in
            (rule.rule, "\(grouped(rule.blocked)) rows of \(rule.table ?? rule.rule) are due but kept for now because other records that must still be kept refer to them\(rule.blockedBy.isEmpty ? "" : " (\(rule.blockedBy.joined(separator: ", ")))"). They are removed by the first run after those records are gone.")
        }
    }

    /// Text from the policy, the database or a person as Markdown that can only be read as text.
    private func md(_ text: String) -> String { TextEscaping.markdown(text) }

    public func markdown() -> String {
        var lines = ["# \(md(title))", "", md(generatedText), ""]
        lines.append("## What was removed")
        if rules.allSatisfy({ $0.total == 0 }) { lines.append(""); lines.append(Self.nothingRemoved) }
        for category in Array(Set(rules.map(\.category))).sorted() {
            lines.append("")
            lines.append("### \(md(category))")
            for rule in rules where rule.category == category && rule.total > 0 {
                lines.append("")
                lines.append("**\(md(rule.rule))**: \(md(removedText(rule)))")
                if let basis = rule.basis { lines.append("Basis: \(md(basis))") }
                if let columns = columnsText(rule) { lines.append(md(columns)) }
                lines.append("")
                lines.append("| date | rows |")
                lines.append("| --- | ---: |")
                for entry in rule.byDate { lines.append("| \(entry.date) | \(grouped(entry.rows)) |") }
            }
        }
        if !blockedText.isEmpty {
            lines.append("")
            lines.append("## Kept because other records need them")
            for entry in blockedText { lines.append("- \(md(entry.rule)): \(md(entry.text))") }
        }
        if !backupsExpired.isEmpty {
            lines.append("")
            lines.append("## Backups expired")
            lines.append("")
            lines.append(md(Self.backupsExplained))
            lines.append("")
            for run in backupsExpired { lines.append("- " + md(backupsText(run))) }
        }
        lines.append("")
        lines.append("## Legal holds")
        if holds.isEmpty { lines.append(""); lines.append(Self.noHolds) }
        for hold in holds { lines.append("- " + md(holdText(hold))) }
        for hold in personHolds { lines.append("- " + md(personHoldText(hold))) }
        if !terms.isEmpty {
            lines.append("")
            lines.append("## Retention terms of this tenant")
            lines.append("")
            for entry in terms { lines.append("- " + md(termText(entry))) }
        }
        if let scheduled {
            lines.append("")
            lines.append("## Scheduled next")
            if scheduled.isEmpty { lines.append(""); lines.append(Self.nothingScheduled) }
            for day in scheduled { lines.append("- \(day.date): " + md(scheduledText(day.items))) }
        }
        if let keptPastPeriod {
            lines.append("")
            lines.append("## Kept past its period")
            lines.append("")
            lines.append(md(KeptPastPeriod.intro(keptPastPeriod)))
            for line in KeptPastPeriod.lines(keptPastPeriod) { lines.append("- " + md(line)) }
        }
        lines.append("")
        lines.append("## Integrity of the audit trail")
        lines.append("")
        lines.append(md(integrityText))
        for problem in integrity.problems { lines.append("- \(md(problem))") }
        for note in integrity.notes { lines.append("- Note: \(md(note))") }
        return lines.joined(separator: "\n") + "\n"
    }

    public func html() -> String {
        var body = ""
        body += "<h1>\(escape(title))</h1>\n"
        body += "<p class=\"meta\">\(escape(generatedText))</p>\n"
        body += "<h2>Rows removed per month</h2>\n" + chart() + "\n"
        body += "<h2>What was removed</h2>\n"
        if rules.allSatisfy({ $0.total == 0 }) { body += "<p>\(Self.nothingRemoved)</p>\n" }
        for category in Array(Set(rules.map(\.category))).sorted() {
            let inCategory = rules.filter { $0.category == category && $0.total > 0 }
            guard !inCategory.isEmpty else { continue }
            body += "<h3>\(escape(category))</h3>\n"
            for rule in inCategory {
                body += "<section class=\"rule\"><p><strong>\(escape(rule.rule))</strong>: \(escape(removedText(rule)))</p>\n"
                if let basis = rule.basis { body += "<p class=\"basis\">Basis: \(escape(basis))</p>\n" }
                if let columns = columnsText(rule) { body += "<p>\(escape(columns))</p>\n" }
                body += "<table><thead><tr><th>date</th><th class=\"n\">rows</th></tr></thead><tbody>\n"
                for entry in rule.byDate { body += "<tr><td>\(escape(entry.date))</td><td class=\"n\">\(grouped(entry.rows))</td></tr>\n" }
                body += "</tbody></table></section>\n"
            }
        }
        if !blockedText.isEmpty {
            body += "<h2>Kept because other records need them</h2>\n<ul>\n"
            for entry in blockedText { body += "<li><strong>\(escape(entry.rule))</strong>: \(escape(entry.text))</li>\n" }
            body += "</ul>\n"
        }
        if !backupsExpired.isEmpty {
            body += "<h2>Backups expired</h2>\n<p>\(escape(Self.backupsExplained))</p>\n<ul>\n"
            for run in backupsExpired { body += "<li>\(escape(backupsText(run)))</li>\n" }
            body += "</ul>\n"
        }
        body += "<h2>Legal holds</h2>\n"
        if holds.isEmpty { body += "<p>\(Self.noHolds)</p>\n" }
        if !holds.isEmpty || !personHolds.isEmpty { body += "<ul>\n" }
        for hold in holds { body += "<li>\(escape(holdText(hold)))</li>\n" }
        for hold in personHolds { body += "<li>\(escape(personHoldText(hold)))</li>\n" }
        if !holds.isEmpty || !personHolds.isEmpty { body += "</ul>\n" }
        if !terms.isEmpty {
            body += "<h2>Retention terms of this tenant</h2>\n<ul>\n"
            for entry in terms { body += "<li>\(escape(termText(entry)))</li>\n" }
            body += "</ul>\n"
        }
        if let scheduled {
            body += "<h2>Scheduled next</h2>\n"
            if scheduled.isEmpty { body += "<p>\(Self.nothingScheduled)</p>\n" } else { body += "<ul>\n" }
            for day in scheduled { body += "<li>\(escape(day.date)): \(escape(scheduledText(day.items)))</li>\n" }
            if !scheduled.isEmpty { body += "</ul>\n" }
        }
        if let keptPastPeriod {
            let lines = KeptPastPeriod.lines(keptPastPeriod)
            body += "<h2>Kept past its period</h2>\n<p class=\"\(lines.isEmpty ? "ok" : "bad")\">\(escape(KeptPastPeriod.intro(keptPastPeriod)))</p>\n"
            if !lines.isEmpty { body += "<ul>\n" + lines.map { "<li>\(escape($0))</li>\n" }.joined() + "</ul>\n" }
        }
        body += "<h2>Integrity of the audit trail</h2>\n"
        body += "<p class=\"\(integrity.isIntact ? "ok" : "bad")\">\(escape(integrityText))</p>\n"
        if !integrity.problems.isEmpty || !integrity.notes.isEmpty {
            body += "<ul>\n"
            for problem in integrity.problems { body += "<li class=\"bad\">\(escape(problem))</li>\n" }
            for note in integrity.notes { body += "<li>Note: \(escape(note))</li>\n" }
            body += "</ul>\n"
        }
        return TextEscaping.htmlPage(title: title, style: Self.style, body: body)
    }

    private static let style = """
        body { font: 11pt/1.45 system-ui, sans-serif; color: #1d232a; max-width: 52em; margin: 2em auto; padding: 0 1em; }
        h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ccd; margin-top: 1.6em; }
        h3 { font-size: 1.05em; margin-bottom: 0.3em; } .meta, .basis { color: #556; }
        table { border-collapse: collapse; margin: 0.4em 0 1em; } th, td { border-bottom: 1px solid #dde; padding: 0.15em 0.8em 0.15em 0; text-align: left; }
        .n { text-align: right; font-variant-numeric: tabular-nums; } .ok { color: #1a6b2f; } .bad { color: #a11; font-weight: 600; }
        section.rule { break-inside: avoid; } svg { max-width: 100%; height: auto; }
        @media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } }
        """

    /// An inline SVG bar chart of the rows removed per month; no script, nothing from the network.
    private func chart() -> String {
        let months = byMonth
        guard !months.isEmpty else { return "<p>No rows were removed in this period.</p>" }
        let width = 640.0
        let height = 180.0
        let top = months.map(\.rows).max() ?? 1
        let slot = min((width - 60) / Double(months.count), 64)
        var bars = ""
        for (index, month) in months.enumerated() {
            let barHeight = max(1, (height - 40) * Double(month.rows) / Double(top))
            let x = 50 + Double(index) * slot
            bars += "<rect x=\"\(format(x + slot * 0.15))\" y=\"\(format(height - 20 - barHeight))\" width=\"\(format(slot * 0.7))\" height=\"\(format(barHeight))\" fill=\"#3b6ea5\"><title>\(month.month): \(grouped(month.rows)) rows</title></rect>"
            bars += "<text x=\"\(format(x + slot / 2))\" y=\"\(format(height - 5))\" font-size=\"10\" text-anchor=\"middle\">\(month.month)</text>"
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(format(width)) \(format(height))" role="img" aria-label="Rows removed per month">\
            <line x1="48" y1="\(format(height - 20))" x2="\(format(width - 10))" y2="\(format(height - 20))" stroke="#888"/>\
            <text x="44" y="24" font-size="10" text-anchor="end">\(grouped(top))</text><text x="44" y="\(format(height - 20))" font-size="10" text-anchor="end">0</text>\
            \(bars)</svg>
            """
    }

    private func format(_ value: Double) -> String { String(Int(value.rounded())) }

    private func escape(_ text: String) -> String { TextEscaping.html(text) }
}
