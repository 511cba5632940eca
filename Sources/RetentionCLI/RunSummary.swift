import RetentionCore

/// The human summary of a run on stdout: one line per rule, then the totals.
enum RunSummary {
    static func print(_ report: RunReport, path: String) {
        let mode = report.dryRun ? "dry run" : "run"
        Output.out("\(mode) of policy \"\(report.policy)\" as of \(report.asOf): \(report.status.rawValue)")
        for rule in report.rules {
            Output.event(rule.status == .ok ? "info" : "error", "rule \(rule.status.rawValue)", [
                ("policy", .string(report.policy)), ("run", .string(report.runID)), ("rule", .string(rule.name)),
                ("action", .string(rule.action.rawValue)), ("table", .optionalString(rule.table)), ("cutoff", .optionalString(rule.cutoff)),
                ("matched", .int(rule.matched)), ("affected", .int(rule.affected)), ("heldBack", .int(rule.heldBack)),
                ("blocked", .int(rule.blocked)), ("durationMs", .int(rule.durationMs)), ("throttledMs", .int(rule.throttledMs)), ("error", .optionalString(rule.error)),
            ])
            var line = "  \(rule.name): \(rule.action.rawValue) \(rule.table ?? "-"), cutoff \(rule.cutoff ?? "-"), matched \(rule.matched), "
            line += report.dryRun ? "would act on \(rule.matched - rule.heldBack - rule.blocked)" : "affected \(rule.affected)"
            if rule.heldBack > 0 { line += ", held back \(rule.heldBack)" }
            if rule.blocked > 0 { line += ", blocked \(rule.blocked)" }
            if rule.skipped > 0 { line += ", skipped \(rule.skipped)" }
            line += ", \(rule.batches) batches, \(rule.durationMs) ms"
            if rule.throttledMs > 0 {
                line += " (\(rule.throttledMs) ms waiting for \(rule.throttledBy.map(\.description).joined(separator: ", ")))"
            }
            if let hygiene = rule.tableHygiene { line += ", \(hygiene.commandName) \(rule.tableHygieneMs) ms" }
            if !rule.viewsRefreshed.isEmpty {
                line += ", REFRESH \(rule.viewsRefreshed.joined(separator: ", ").escapingControlCharacters) \(rule.viewsRefreshMs) ms"
            }
            if rule.status != .ok { line += " [\(rule.status.rawValue)\(rule.error.map { ": \($0.escapingControlCharacters)" } ?? "")]" }
            Output.out(line)
        }
        for warning in report.warnings { Output.warning(warning) }
        for rule in report.rules {
            for file in rule.files {
                Output.out("    \(file.state.rawValue) \(file.name.escapingControlCharacters): \(file.bytes) bytes, \(Int(file.ageDays)) days old\(file.error.map { " (\($0))" } ?? "")")
            }
            for backup in rule.backups {
                Output.out("    \(backup.state.rawValue) \(backup.kind.rawValue) backup \(backup.label), started \(backup.startISO)\(backup.with.map { " (with \($0))" } ?? "")")
            }
            for warning in rule.warnings { Output.warning("rule \"\(rule.name)\": \(warning)") }
        }
        for request in report.requests {
            var line = "  request \(request.id)\(request.reference.map { " (\($0))" } ?? ""): \(request.status.rawValue)"
            let counts = request.targets.map { target -> String in
                let done = report.dryRun ? target.actionable : target.affected
                var text = "\(target.name) \(report.dryRun ? "would act on" : "affected") \(done)"
                if target.kept > 0 { text += ", kept \(target.kept)" }
                if target.heldBack > 0 { text += ", held back \(target.heldBack)" }
                if target.blocked > 0 { text += ", blocked \(target.blocked)" }
                return text
            }
            if !counts.isEmpty { line += "; " + counts.joined(separator: "; ") }
            if let error = request.error { line += " [\(error)]" }
            Output.out(line.escapingControlCharacters)
        }
        let totals = report.totals
        Output.out("total: matched \(totals.matched), affected \(totals.affected), held back \(totals.heldBack), blocked \(totals.blocked)")
        Output.out("report: \(path)")
        Output.event(report.status == .ok ? "info" : "error", "run \(report.status.rawValue)", [
            ("policy", .string(report.policy)), ("run", .string(report.runID)), ("mode", .string(report.dryRun ? "dry-run" : "execute")),
            ("matched", .int(totals.matched)), ("affected", .int(totals.affected)), ("report", .string(path)),
            ("stopReason", .optionalString(report.stopReason)),
        ])
        if let reason = report.stopReason { Output.warning("run stopped early (\(reason)); due rows are left for the next run") }
    }
}
