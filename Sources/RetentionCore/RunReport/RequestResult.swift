/// One erasure request in a run's report: its status after the run and each target's counts.
/// No identifier and no value: ids, the reference, target names and counts.
public struct RequestResult: Sendable {
    /// What the run did with the request.
    public enum Outcome: Sendable {
        /// Every target was worked through (the request is `done`, or open with the reason).
        case processed
        /// A dry run counted it.
        case counted
        /// The run stopped before or while working on it; the next run goes on.
        case interrupted(String)
        case notStarted
        case failed(String)
    }

    public var id: Int64
    public var reference: String?
    public var status: RequestStatus
    public var outcome: Outcome
    public var targets: [TargetOutcome] = []

    init(request: ErasureRequest, status: RequestStatus, outcome: Outcome, targets: [TargetOutcome] = []) {
        self.init(id: request.id, reference: request.reference, status: status, outcome: outcome, targets: targets)
    }

    init(id: Int64, reference: String?, status: RequestStatus, outcome: Outcome, targets: [TargetOutcome] = []) {
        self.id = id
        self.reference = reference
        self.status = status
        self.outcome = outcome
        self.targets = targets
    }

    /// Why the request stays open after its targets ran, or nil when nothing erasable is left.
    static func openReason(_ targets: [TargetOutcome]) -> String? {
        var parts: [String] = []
        for target in targets {
            if target.heldBack > 0 { parts.append("\(target.heldBack) rows of \(target.name) held by a legal hold") }
            if target.blocked > 0 { parts.append("\(target.blocked) rows of \(target.name) referenced by rows no target removes") }
            if target.actionable > 0 { parts.append("\(target.actionable) rows of \(target.name) left (locked or added during the run)") }
            if target.ambiguous > 0, target.action != .keep {
                parts.append("\(target.ambiguous) rows of \(target.name) found only through a value another person also holds; review them")
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// Whether the run must report failure (exit 1) or an early stop for this request.
    var isFailure: Bool {
        if case .failed = outcome { return true }
        return false
    }

    var isInterrupted: Bool {
        switch outcome {
        case .interrupted, .notStarted: return true
        case .processed, .counted, .failed: return false
        }
    }

    var outcomeName: String {
        switch outcome {
        case .processed: return "processed"
        case .counted: return "counted"
        case .interrupted: return "interrupted"
        case .notStarted: return "not-started"
        case .failed: return "failed"
        }
    }

    public var error: String? {
        switch outcome {
        case let .failed(message), let .interrupted(message): return message
        case .processed, .counted, .notStarted: return nil
        }
    }

    public var json: JSONValue {
        .members([
            ("id", .int(id)), ("reference", .optionalString(reference)), ("status", .string(status.rawValue)),
            ("outcome", .string(outcomeName)), ("error", .optionalString(error)),
            ("targets", .array(targets.map(\.json))),
        ])
    }
}
