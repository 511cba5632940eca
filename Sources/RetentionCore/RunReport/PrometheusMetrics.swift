import Foundation

/// The run's metrics in Prometheus text format, for the node exporter's textfile collector.
/// Written atomically (a temporary file renamed into place) so the collector never reads half.
/// `database` labels every sample, so that the files of a fleet's instances (one policy on
/// several databases) give distinct series in one collector.
public enum PrometheusMetrics {
    public static func text(_ report: RunReport, durationSeconds: Double, database: String?, previous: String?) -> String {
        let identity = (database.map { "database=\"\(escape($0))\"," } ?? "") + "policy=\"\(escape(report.policy))\""
        let mode = report.dryRun ? "dry-run" : "execute"
        var lines: [String] = []
        func metric(_ name: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) gauge")
            for sample in samples { lines.append("\(name){\(sample.labels)} \(sample.value)") }
        }
        let now = Date().timeIntervalSince1970
        let lastSuccess = report.status == .ok && !report.dryRun
            ? String(format: "%.3f", now)
            : previousValue("retention_run_last_success_timestamp_seconds", in: previous) ?? "0"
        metric("retention_run_success", "Whether the last run ended ok (1) or failed or stopped early (0).",
               [("\(identity),mode=\"\(mode)\"", report.status == .ok ? "1" : "0")])
        metric("retention_run_last_success_timestamp_seconds", "When a run (not a dry run) last ended ok, in seconds since 1970.",
               [(identity, lastSuccess)])
        metric("retention_run_timestamp_seconds", "When the last run ended, in seconds since 1970.", [("\(identity),mode=\"\(mode)\"", String(format: "%.3f", now))])
        metric("retention_run_duration_seconds", "How long the last run took.", [("\(identity),mode=\"\(mode)\"", String(format: "%.3f", durationSeconds))])
        func perRule(_ value: (RuleResult) -> String) -> [(labels: String, value: String)] {
            report.rules.map { ("\(identity),rule=\"\(escape($0.name))\",action=\"\($0.action.rawValue)\"", value($0)) }
        }
        metric("retention_rule_rows_matched", "Rows (or files) due when the rule ran.", perRule { String($0.matched) })
        metric("retention_rule_rows_affected", "Rows deleted, pseudonymised or aggregated (files removed).", perRule { String($0.affected) })
        metric("retention_rule_rows_held_back", "Due rows kept by a legal hold.", perRule { String($0.heldBack) })
        metric("retention_rule_rows_blocked", "Due rows kept because rows that are not due reference them.", perRule { String($0.blocked) })
        metric("retention_rule_duration_seconds", "How long the rule took.", perRule { String(format: "%.3f", Double($0.durationMs) / 1000) })
        metric("retention_rule_throttled_seconds", "How long the rule's batches waited for standbys or replication slots to catch up.",
               perRule { String(format: "%.3f", Double($0.throttledMs) / 1000) })
        metric("retention_rule_lock_wait_seconds", "How long the rule's batches waited for locks the application held.",
               perRule { String(format: "%.3f", Double($0.lockWaitMs) / 1000) })
        metric("retention_rule_table_hygiene_seconds", "How long ANALYZE or VACUUM took after the rule (--analyze, --vacuum).",
               perRule { String(format: "%.3f", Double($0.tableHygieneMs) / 1000) })
        metric("retention_rule_success", "Whether the rule ended ok (1) or not (0).", perRule { $0.status == .ok ? "1" : "0" })
        let backupRules = report.rules.filter { $0.oldestBackupAgeSeconds != nil }
        if !backupRules.isEmpty {
            metric("retention_backup_oldest_age_seconds", "The age of the oldest backup left by an expire-backups rule, at the run's as-of.",
                   backupRules.map { ("\(identity),rule=\"\(escape($0.name))\",action=\"\($0.action.rawValue)\"", String($0.oldestBackupAgeSeconds!)) })
        }
        if let requests = report.openRequests {
            metric("retention_erasure_requests_open", "Erasure requests still open after the run.", [(identity, String(requests.open))])
            metric("retention_erasure_requests_overdue", "Open erasure requests past their deadline.", [(identity, String(requests.overdue))])
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the metrics to `path` atomically, carrying the last success time over from the file there.
    public static func write(_ report: RunReport, durationSeconds: Double, database: String?, to path: String) throws {
        let previous = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
        try ReportStore.atomicWrite(Array(text(report, durationSeconds: durationSeconds, database: database, previous: previous).utf8), to: path)
    }

    private static func previousValue(_ name: String, in text: String?) -> String? {
        text?.split(separator: "\n").first { $0.hasPrefix(name + "{") }?.split(separator: " ").last.map(String.init)
    }

    /// Label values escape backslash, double quote and newline.
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
