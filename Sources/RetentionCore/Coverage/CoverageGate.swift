/// What `coverage --fail-on` fails on.
public enum CoverageGate: String, Sendable, CaseIterable {
    /// An uncovered column, or a table that could not be sampled: a gate never passes blind.
    case uncovered
    /// An uncovered column only; tables that could not be sampled are still listed.
    case uncoveredSampled = "uncovered-sampled"

    public func fails(_ scan: CoverageScan) -> Bool {
        switch self {
        case .uncovered: return !scan.findings.isEmpty || !scan.unsampled.isEmpty
        case .uncoveredSampled: return !scan.findings.isEmpty
        }
    }
}
