/// The Owner report's section "Kept past its period": the tenant's rows that `audit` finds kept
/// past their period plus the grace, by rule, and why; said plainly when there are none.
enum KeptPastPeriod {
    static func intro(_ audit: AuditReport) -> String {
        let overdue = audit.promises.filter { $0.overdue.total > 0 }
        let when = "as of \(audit.asOf), allowing \(audit.grace) for the nightly run"
        return overdue.isEmpty ? "Nothing of this tenant is kept past its period (\(when))."
            : "Rows of this tenant kept past their period (\(when)):"
    }

    /// "notes: 100 rows kept past their period since …(91 days): 100 under a legal hold, …".
    static func lines(_ audit: AuditReport) -> [String] {
        audit.promises.filter { $0.overdue.total > 0 }.map { promise in
            var reasons: [String] = []
            if promise.overdue.held > 0 { reasons.append("\(grouped(promise.overdue.held)) under a legal hold") }
            if promise.overdue.blocked > 0 {
                reasons.append("\(grouped(promise.overdue.blocked)) because other records that must still be kept refer to them (\(promise.blockedBy.joined(separator: ", ")))")
            }
            if promise.overdue.pending > 0 { reasons.append("\(grouped(promise.overdue.pending)) not yet removed by the engine, which should have removed them") }
            let since = promise.overdueSince.map { " since \($0)" + (promise.overdueDays.map { $0 == 1 ? " (1 day)" : " (\($0) days)" } ?? "") } ?? ""
            return "rule \(promise.name): \(grouped(promise.overdue.total)) rows kept past their period\(since): \(reasons.joined(separator: "; "))."
        }
    }
}
