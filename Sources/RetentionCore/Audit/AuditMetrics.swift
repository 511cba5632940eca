import Foundation

/// The audit's metrics in Prometheus text format, per promise, for the node exporter's textfile
/// collector, so that an alert fires the night a promise breaks. `database` labels every sample,
/// as the run's metrics do, so that a fleet's files give distinct series in one collector.
public enum AuditMetrics {
    public static func text(_ report: AuditReport, database: String?) -> String {
        var lines: [String] = []
        func metric(_ name: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) gauge")
            for sample in samples { lines.append("\(name){\(sample.labels)} \(sample.value)") }
        }
        func labels(_ promise: Promise) -> String {
            (database.map { "database=\"\(PrometheusMetrics.escape($0))\"," } ?? "")
                + "policy=\"\(PrometheusMetrics.escape(report.policy))\",kind=\"\(promise.kind.rawValue)\",name=\"\(PrometheusMetrics.escape(promise.name))\""
        }
        let asOf = Timestamps.date(report.asOf)
        metric("retention_promise_broken", "Whether the promise is broken (1): something is kept past its period plus the grace that no legal hold keeps.",
               report.promises.map { (labels($0), $0.verdict == .broken ? "1" : "0") })
        metric("retention_promise_overdue_rows", "Rows (files, backup sets, requests) kept past their period plus the grace, by reason.",
               report.promises.flatMap { promise in
                   [("held", promise.overdue.held), ("blocked", promise.overdue.blocked), ("pending", promise.overdue.pending)].map {
                       ("\(labels(promise)),reason=\"\($0.0)\"", String($0.1))
                   }
               })
        metric("retention_promise_overdue_since_seconds", "How long the earliest overdue row has been due, at the audit's as-of (0 when none is).",
               report.promises.map { promise in
                   let seconds = promise.overdueSince.flatMap(Timestamps.date).flatMap { since in asOf.map { $0.timeIntervalSince(since) } } ?? 0
                   return (labels(promise), String(format: "%.0f", max(0, seconds)))
               })
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the metrics to `path` atomically.
    public static func write(_ report: AuditReport, database: String?, to path: String) throws {
        try ReportStore.atomicWrite(Array(text(report, database: database).utf8), to: path)
    }
}
