/// The receipt as JSON, Markdown and a self-contained, print-friendly HTML page. The sentences
/// are written once and shared by Markdown and HTML.
extension Receipt: Document {
    public var json: JSONValue {
        .members([
            ("schema", .string("retention-erasure-receipt/1")),
            ("request", .int(requestID)), ("reference", .optionalString(reference)), ("status", .string(status.rawValue)),
            ("receivedAt", .string(receivedAt)), ("deadline", .string(deadline)), ("extended", .bool(extended)),
            ("completedAt", .optionalString(completedAt)), ("verifiedBy", .optionalString(verification.method)),
            ("evidence", .optionalString(verification.evidence)),
            ("recipientsTold", recipientsTold.map { .array($0.map(JSONValue.string)) } ?? .null), ("generatedAt", .string(generatedAt)),
            ("categories", .array(categories.map { category in
                .members([("category", .string(category.name)), ("targets", .array(category.lines.map { line in
                    .members([("target", .string(line.target)), ("action", .string(line.action.rawValue)),
                              ("erased", .int(line.action == .delete ? line.affected : 0)),
                              ("pseudonymised", .int(line.action == .pseudonymise ? line.affected : 0)),
                              ("kept", .int(line.kept)), ("heldBack", .int(line.heldBack)), ("blocked", .int(line.blocked)),
                              ("basis", .optionalString(line.basis)), ("keptUntil", .optionalString(line.keptUntil))])
                }))])
            })),
        ])
    }

    private var title: String { "Answer to your erasure request" + (reference.map { " \($0)" } ?? "") }

    private var datesText: String {
        var text = "Received \(Self.day(receivedAt)); answer due by \(Self.day(deadline))\(extended ? " (extended by two months)" : "")"
        switch status {
        case .done: text += "; completed \(completedAt.map(Self.day) ?? "")."
        case .cancelled: text += "; the request was withdrawn \(completedAt.map(Self.day) ?? "")."
        case .open: text += "; still in progress."
        }
        if let recipients = recipientsTold, !recipients.isEmpty {
            text += " We have told the recipients of your data of the erasure: \(recipients.joined(separator: ", "))."
        }
        if let method = verification.method {
            text += " Your identity was verified by \(method)\(verification.evidence.map { " (our record: \($0))" } ?? "")."
        }
        return text
    }

    private static let privacyText = "This receipt contains no identifier and no personal data: only what was done, by category."
    private static let nothingFound = "we found no data about you here."

    /// `2026-03-15` of an ISO 8601 instant.
    private static func day(_ instant: String) -> String { String(instant.prefix(10)) }

    /// What was done to one target's rows, as a sentence that says which records they are.
    private func sentence(_ line: Line) -> String {
        var parts: [String] = []
        switch line.action {
        case .delete: if line.affected > 0 { parts.append("\(Self.records(line.affected)) erased") }
        case .pseudonymise: if line.affected > 0 { parts.append("\(Self.records(line.affected)) pseudonymised (identifying fields replaced or removed)") }
        case .keep: break
        }
        if line.kept > 0 {
            var kept = "\(Self.records(line.kept)) kept"
            if let basis = line.basis { kept += " because of a legal obligation: \(basis)" }
            if let until = line.keptUntil { kept += "; \(line.kept == 1 ? "it" : "they") will be erased by \(until)" }
            parts.append(kept)
        }
        if line.heldBack > 0 { parts.append("\(Self.records(line.heldBack)) kept for now under a legal hold; \(line.heldBack == 1 ? "it" : "they") will be erased when it ends") }
        if line.blocked > 0 { parts.append("\(Self.records(line.blocked)) not yet erased because other records still refer to \(line.blocked == 1 ? "it" : "them")") }
        return "\(Self.label(line.target)): " + (parts.isEmpty ? Self.nothingFound : parts.joined(separator: "; ") + ".")
    }

    /// `1 record`, `2 records`.
    private static func records(_ count: Int64) -> String { count == 1 ? "1 record" : "\(count) records" }

    /// What a target's records are, in its own words: its name as a phrase (`user-comments`
    /// becomes "User comments").
    private static func label(_ target: String) -> String {
        let words = target.replacingOccurrences(of: "-", with: " ").replacingOccurrences(of: "_", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    public func markdown() -> String {
        let md = TextEscaping.markdown
        var lines = ["# \(md(title))", "", md(datesText), "", md(Self.privacyText)]
        if categories.isEmpty { lines += ["", "Nothing has been recorded for this request yet."] }
        for category in categories {
            lines += ["", "## \(md(category.name))", ""]
            for line in category.lines { lines.append("- \(md(sentence(line)))") }
        }
        lines += ["", md("Generated \(generatedAt).")]
        return lines.joined(separator: "\n") + "\n"
    }

    public func html() -> String {
        let escape = TextEscaping.html
        var body = "<h1>\(escape(title))</h1>\n<p class=\"meta\">\(escape(datesText))</p>\n<p class=\"meta\">\(escape(Self.privacyText))</p>\n"
        if categories.isEmpty { body += "<p>Nothing has been recorded for this request yet.</p>\n" }
        for category in categories {
            body += "<section class=\"category\"><h2>\(escape(category.name))</h2>\n<ul>\n"
            for line in category.lines { body += "<li>\(escape(sentence(line)))</li>\n" }
            body += "</ul></section>\n"
        }
        body += "<p class=\"meta\">\(escape("Generated \(generatedAt)."))</p>\n"
        return TextEscaping.htmlPage(title: title, style: Self.style, body: body)
    }

    private static let style = DocumentStyle.page(width: "46em")
}
