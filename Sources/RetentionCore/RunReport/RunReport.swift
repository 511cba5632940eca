import Foundation

/// The report of one run (`retention-report/1`, docs/commands.md): counts, rule names, tables and
/// tenant keys only, never the personal data that was removed.
public struct RunReport: Sendable {
    public enum Status: String, Sendable {
        case ok, failed, interrupted
    }

    public var runID: String
    public var policy: String
    public var policySHA256: String
    public var dryRun: Bool
    public var asOf: String
    public var startedAt: String
    public var finishedAt: String
    public var status: Status
    /// Why the run stopped early, when it did.
    public var stopReason: String?
    public var previousReportSHA256: String?
    public var rules: [RuleResult]
    /// What the schema check found worth knowing (cascades, unindexed foreign keys).
    public var warnings: [String] = []
    /// For `replay`: the ledger entries re-applied.
    public var replayed: [ErasureEntry] = []
    /// The erasure requests the run processed (or counted, in a dry run).
    public var requests: [RequestResult] = []
    /// The policy's requests still open after the run, and how many of them are past their deadline.
    public var openRequests: (open: Int64, overdue: Int64)?

    public var totals: (matched: Int64, affected: Int64, heldBack: Int64, blocked: Int64) {
        rules.reduce((0, 0, 0, 0)) { ($0.0 + $1.matched, $0.1 + $1.affected, $0.2 + $1.heldBack, $0.3 + $1.blocked) }
    }

    /// The process exit code this report calls for.
    public var exitCode: ExitCode { status == .ok ? .success : .failure }

    public func json() -> JSONValue {
        let totals = totals
        return .members([
            ("schema", .string("retention-report/1")),
            ("runId", .string(runID)),
            ("policy", .string(policy)),
            ("policySha256", .string(policySHA256)),
            ("mode", .string(dryRun ? "dry-run" : "execute")),
            ("asOf", .string(asOf)),
            ("startedAt", .string(startedAt)),
            ("finishedAt", .string(finishedAt)),
            ("status", .string(status.rawValue)),
            ("stopReason", .optionalString(stopReason)),
            ("previousReportSha256", .optionalString(previousReportSHA256)),
            ("rules", .array(rules.map(RunReport.json))),
            ("warnings", .array(warnings.map(JSONValue.string))),
            ("replayed", .array(replayed.map(\.json))),
            ("requests", .array(requests.map(\.json))),
            ("totals", .members([("matched", .int(totals.matched)), ("affected", .int(totals.affected)),
                                 ("heldBack", .int(totals.heldBack)), ("blocked", .int(totals.blocked))])),
        ])
    }

    private static func json(_ rule: RuleResult) -> JSONValue {
        .members([
            ("name", .string(rule.name)),
            ("category", .optionalString(rule.category)),
            ("basis", .optionalString(rule.basis)),
            ("table", .optionalString(rule.table)),
            ("action", .string(rule.action.rawValue)),
            ("cutoff", .optionalString(rule.cutoff)),
            ("matched", .int(rule.matched)),
            ("affected", .int(rule.affected)),
            ("heldBack", .int(rule.heldBack)),
            ("blocked", .int(rule.blocked)),
            ("skipped", .int(rule.skipped)),
            ("blockedBy", .array(rule.blockedBy.map { .members([("constraint", .string($0.constraint)), ("rows", .int($0.rows))]) })),
            ("batches", .int(rule.batches)),
            ("batchPath", .optionalString(rule.batchPath?.description)),
            ("partitions", .array(rule.partitions.map(\.json))),
            ("files", .array(rule.files.map { file in
                .members([("name", .string(file.name)), ("bytes", .int(file.bytes)), ("ageDays", .number(String(format: "%.1f", file.ageDays))),
                          ("state", .string(file.state.rawValue)), ("error", .optionalString(file.error))])
            })),
            ("bytesFreed", .int(rule.bytesFreed)),
            ("backups", .array(rule.backups.map(\.json))),
            ("oldestBackupAgeSeconds", rule.oldestBackupAgeSeconds.map(JSONValue.int) ?? .null),
            ("warnings", .array(rule.warnings.map(JSONValue.string))),
            ("durationMs", .int(rule.durationMs)),
            ("longestBatchMs", .number(String(format: "%.1f", rule.longestBatchMs))),
            ("medianBatchMs", .number(String(format: "%.1f", rule.medianBatchMs))),
            ("lockWaitMs", .int(rule.lockWaitMs)),
            ("throttledMs", .int(rule.throttledMs)),
            ("throttledBy", .array(rule.throttledBy.map { .string($0.description) })),
            ("tableHygiene", .optionalString(rule.tableHygiene?.rawValue)),
            ("tableHygieneMs", .int(rule.tableHygieneMs)),
            ("viewsRefreshed", .array(rule.viewsRefreshed.map(JSONValue.string))),
            ("viewsRefreshMs", .int(rule.viewsRefreshMs)),
            ("status", .string(rule.status.rawValue)),
            ("error", .optionalString(rule.error)),
            ("tenants", .array(rule.tenants.map { tenant in
                .members([("tenant", .string(tenant.tenant)), ("matched", .int(tenant.matched)), ("affected", .int(tenant.affected)),
                          ("heldBack", .int(tenant.heldBack)), ("blocked", .int(tenant.blocked))])
            })),
        ])
    }
}
