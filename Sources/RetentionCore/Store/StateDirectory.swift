import Foundation

/// The state directory: `reports/` (one JSON report per run) and `erasures.jsonl` (the erasure
/// ledger). `--state-dir`, else `$STATE_DIRECTORY` (systemd's `StateDirectory=`), else
/// `/var/lib/retention`.
public struct StateDirectory: Sendable {
    public let path: String
    public let reports: ReportStore
    public let ledger: ErasureLedger

    public init(path: String) {
        self.path = path
        reports = ReportStore(stateDirectory: path)
        ledger = ErasureLedger(stateDirectory: path)
    }

    public static func resolve(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> StateDirectory {
        if let option { return StateDirectory(path: option) }
        if let systemd = environment["STATE_DIRECTORY"], !systemd.isEmpty {
            return StateDirectory(path: String(systemd.split(separator: ":").first ?? Substring(systemd)))
        }
        return StateDirectory(path: "/var/lib/retention")
    }
}
