/// Where a running rule is: for progress lines on a terminal.
public struct RuleProgress: Sendable {
    public var rule: String
    public var running: Bool
    /// The share of the rule's heap pages (or anchor range) handed out to batches, 0...1.
    public var fraction: Double
    /// Rows changed so far.
    public var affected: Int64
    public var seconds: Double
    /// What a worker of the rule waits for now (`replica "standby1" 3.2 s behind`), if any.
    public var waitingFor: String?

    public var rowsPerSecond: Double { seconds > 0 ? Double(affected) / seconds : 0 }

    /// Seconds left at the pace so far, once there is a pace to go by.
    public var secondsLeft: Double? {
        guard fraction > 0.02, fraction < 1 else { return nil }
        return seconds * (1 - fraction) / fraction
    }
}
