/// The audit as text (one line per promise that is not kept), JSON, Markdown and HTML.
extension AuditReport: Document {
    public var json: JSONValue {
        .members([
            ("schema", .string("retention-audit/1")),
            ("policy", .string(policy)),
            ("asOf", .string(asOf)),
            ("grace", .string(grace.description)),
            ("promises", .array(promises.map(\.json))),
        ])
    }

    /// One line per promise that is not kept, starting with the verdict and the name.
    public func text() -> String {
        promises.filter { $0.verdict != .kept }.map { $0.line + "\n" }.joined()
    }

    private var title: String { "Retention audit: \(policy)" }

    private var summary: String {
        let counts = [Promise.Verdict.kept, .held, .broken].map { verdict in "\(promises.filter { $0.verdict == verdict }.count) \(verdict.rawValue)" }
        return "As of \(asOf), with a grace of \(grace): \(promises.count) promises, \(counts.joined(separator: ", ")). Only reads: counts, never personal data."
    }

    private static let header = ["verdict", "kind", "name", "held", "blocked", "pending", "overdue since", "days"]
    /// The columns of counts, aligned right.
    private static let numeric: Set = [3, 4, 5, 7]

    private func cells(_ promise: Promise) -> [String] {
        [promise.verdict.rawValue, promise.kind.rawValue, promise.name, grouped(promise.overdue.held), grouped(promise.overdue.blocked),
         grouped(promise.overdue.pending), promise.overdueSince ?? "-", promise.overdueDays.map(String.init) ?? "-"]
    }

    public func markdown() -> String {
        var lines = ["# \(TextEscaping.markdown(title))", "", TextEscaping.markdown(summary), "",
                     "| " + Self.header.joined(separator: " | ") + " |", "| --- | --- | --- | ---: | ---: | ---: | --- | ---: |"]
        lines += promises.map { "| " + cells($0).map(TextEscaping.markdown).joined(separator: " | ") + " |" }
        let notKept = promises.filter { $0.verdict != .kept }
        lines += ["", "## Not kept", ""]
        lines += notKept.isEmpty ? ["Every promise is kept: nothing is kept past its period."] : notKept.map { "- " + TextEscaping.markdown($0.line) }
        return lines.joined(separator: "\n") + "\n"
    }

    public func html() -> String {
        var body = "<h1>\(TextEscaping.html(title))</h1>\n<p class=\"meta\">\(TextEscaping.html(summary))</p>\n"
        body += "<table><thead><tr>" + Self.header.enumerated().map { index, name in
            (Self.numeric.contains(index) ? "<th class=\"n\">" : "<th>") + name + "</th>"
        }.joined() + "</tr></thead><tbody>\n"
        for promise in promises {
            body += "<tr class=\"\(promise.verdict.rawValue)\">" + cells(promise).enumerated().map { index, cell in
                (Self.numeric.contains(index) ? "<td class=\"n\">" : "<td>") + TextEscaping.html(cell) + "</td>"
            }.joined() + "</tr>\n"
        }
        body += "</tbody></table>\n<h2>Not kept</h2>\n"
        let notKept = promises.filter { $0.verdict != .kept }
        body += notKept.isEmpty ? "<p class=\"kept\">Every promise is kept: nothing is kept past its period.</p>\n"
            : "<ul>\n" + notKept.map { "<li class=\"\($0.verdict.rawValue)\">\(TextEscaping.html($0.line))</li>\n" }.joined() + "</ul>\n"
        return TextEscaping.htmlPage(title: title, style: Self.style, body: body)
    }

    private static let style = """
        body { font: 11pt/1.45 system-ui, sans-serif; color: #1d232a; max-width: 60em; margin: 2em auto; padding: 0 1em; }
        h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ccd; margin-top: 1.6em; } .meta { color: #556; }
        table { border-collapse: collapse; margin: 0.4em 0 1em; } th, td { border-bottom: 1px solid #dde; padding: 0.15em 0.8em 0.15em 0; text-align: left; }
        tr.broken td:first-child, li.broken { color: #a11; font-weight: 600; } tr.held td:first-child, li.held { color: #8a5a00; } tr.kept td:first-child, p.kept { color: #1a6b2f; }
        .n { text-align: right; font-variant-numeric: tabular-nums; }
        @media print { body { margin: 0; max-width: none; } }
        """
}

extension Promise {
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("kind", .string(kind.rawValue)), ("name", .string(name)), ("verdict", .string(verdict.rawValue)),
            ("overdue", .members([("held", .int(overdue.held)), ("blocked", .int(overdue.blocked)), ("pending", .int(overdue.pending))])),
            ("overdueSince", .optionalString(overdueSince)), ("overdueDays", overdueDays.map(JSONValue.int) ?? .null),
        ]
        if kind == .rule { members.append(("blockedBy", .array(blockedBy.map(JSONValue.string)))) }
        if let dueSoon { members.append(("dueWithin7Days", .int(dueSoon))) }
        members.append(("error", .optionalString(error)))
        if kind != .requests {
            members.append(("lastRun", lastRun.map { run in
                .members([("startedAt", .string(run.startedAt)), ("runStatus", .string(run.runStatus)), ("status", .optionalString(run.status)),
                          ("error", .optionalString(run.error))])
            } ?? .null))
        }
        return .members(members)
    }

    /// "broken usage-logs: 120 rows overdue (0 held, 20 blocked, 100 pending) since … (67 days)".
    public var line: String {
        var text = "\(verdict.rawValue) \(name): "
        if let error { return text + "could not be checked: \(error)" }
        switch kind {
        case .rule:
            text += "\(counted(overdue.total)) overdue (\(grouped(overdue.held)) held, \(grouped(overdue.blocked)) blocked, \(grouped(overdue.pending)) pending)"
        case .requests:
            text += "\(counted(overdue.pending)) past the deadline"
        case .files, .backups:
            text += "\(counted(overdue.pending)) older than the period plus the grace"
        }
        if let overdueSince { text += " since \(overdueSince)" + (overdueDays.map { $0 == 1 ? " (1 day)" : " (\($0) days)" } ?? "") }
        if !blockedBy.isEmpty, overdue.blocked > 0 { text += "; blocked by \(blockedBy.joined(separator: ", "))" }
        if let dueSoon, dueSoon > 0 { text += "; \(dueSoon) more due within 7 days" }
        if overdue.pending > 0, kind != .requests {
            if let lastRun {
                if let status = lastRun.status {
                    text += "; last run \(lastRun.startedAt): \(status)" + (lastRun.error.map { " (\($0))" } ?? "")
                } else {
                    text += "; last run \(lastRun.startedAt) (\(lastRun.runStatus)) recorded no result of the rule"
                }
            } else {
                text += "; no run recorded this rule"
            }
        }
        return text
    }
}
