import Postgres

/// What an erasure request found and did in one target: counts only, never values.
public struct TargetOutcome: Sendable {
    public var name: String
    public var category: String
    public var basis: String?
    public var action: SubjectActionKind
    /// The person's rows found: `affected + kept + heldBack + blocked + actionable left`.
    public var matched: Int64 = 0
    /// Rows deleted or pseudonymised (0 in a dry run or a plan).
    public var affected: Int64 = 0
    /// Rows kept by a legal obligation: the target's own (`keep`), or rows a kept target's rows reference.
    public var kept: Int64 = 0
    public var heldBack: Int64 = 0
    /// Rows still referenced through a foreign key by rows that no target removes.
    public var blocked: Int64 = 0
    /// Rows found only through an ambiguous value (one another subject row holds too): not the
    /// person's for certain, so neither erased nor extracted; not part of `matched`.
    public var ambiguous: Int64 = 0
    /// Rows the target could act on but did not (yet): a dry run's or a plan's work, or a run stopped early.
    public var actionable: Int64 = 0
    /// Each blocking or keeping constraint and the rows it references.
    public var blockedBy: [(constraint: String, rows: Int64)] = []
    /// The targets whose kept rows reference rows of this one.
    public var keptBy: [String] = []
    /// The last day the keeping rule removes the kept rows (`keptUntilRule`).
    public var keptUntil: String?

    init(_ target: SubjectTarget) {
        name = target.name
        category = target.category
        basis = target.basis
        action = target.action.kind
    }

    /// The outcomes of a group of requests in `plan`'s target, by request, from the rows of
    /// `SubjectStatements.counts`.
    static func read(_ plan: SubjectTargetPlan, rows: [[String?]]) throws -> [Int64: TargetOutcome] {
        var outcomes: [Int64: TargetOutcome] = [:]
        for row in rows {
            var outcome = TargetOutcome(plan.target)
            outcome.affected = try row.int64(1)
            let pending = try row.int64(2)
            outcome.matched = pending + outcome.affected
            outcome.ambiguous = try row.int64(6)
            switch plan.target.action {
            case .keep:
                outcome.kept = pending
                outcome.keptUntil = row[row.count - 1]
            case .delete, .pseudonymise:
                outcome.heldBack = try row.int64(3)
                outcome.kept = try row.int64(4)
                outcome.blocked = try row.int64(5)
                outcome.actionable = pending - outcome.heldBack - outcome.kept - outcome.blocked
                for (index, key) in plan.blockingKeys.enumerated() {
                    let rows = try row.int64(7 + index)
                    guard rows > 0 else { continue }
                    outcome.blockedBy.append((key.name, rows))
                    if let keeper = plan.keepingTargets[key.referencingRoot], !outcome.keptBy.contains(keeper.name) {
                        outcome.keptBy.append(keeper.name)
                        if outcome.basis == nil { outcome.basis = keeper.basis }
                    }
                }
            }
            outcomes[try row.int64(0)] = outcome
        }
        return outcomes
    }

    /// A request's outcomes with the rows that kept rows keep given their keepers' last day:
    /// they are erased once the keeping rows are gone.
    static func keptUntilOfKeepers(_ outcomes: [TargetOutcome]) -> [TargetOutcome] {
        outcomes.map { outcome in
            guard outcome.keptUntil == nil, outcome.kept > 0, !outcome.keptBy.isEmpty else { return outcome }
            var dated = outcome
            dated.keptUntil = outcomes.filter { outcome.keptBy.contains($0.name) }.compactMap(\.keptUntil).max()
            return dated
        }
    }

    /// The outcome as one object of `SubjectStatements.recordTargets`.
    func record(requestID: Int64) -> JSONValue {
        let details = JSONValue.members([
            ("blockedBy", blockedByJSON),
            ("keptBy", .array(keptBy.map(JSONValue.string))),
        ])
        return .members([
            ("request_id", .int(requestID)), ("target", .string(name)), ("category", .string(category)), ("basis", .optionalString(basis)),
            ("action", .string(action.rawValue)), ("matched", .int(matched)), ("affected", .int(affected)), ("kept", .int(kept)),
            ("held_back", .int(heldBack)), ("blocked", .int(blocked)), ("ambiguous", .int(ambiguous)), ("kept_until", .optionalString(keptUntil)),
            ("details", details),
        ])
    }

    private var blockedByJSON: JSONValue {
        .array(blockedBy.map { .members([("constraint", .string($0.constraint)), ("rows", .int($0.rows))]) })
    }

    public var json: JSONValue {
        .members([
            ("name", .string(name)), ("category", .string(category)), ("basis", .optionalString(basis)), ("action", .string(action.rawValue)),
            ("matched", .int(matched)), ("affected", .int(affected)), ("kept", .int(kept)), ("heldBack", .int(heldBack)),
            ("blocked", .int(blocked)), ("ambiguous", .int(ambiguous)), ("pending", .int(actionable)),
            ("blockedBy", blockedByJSON),
            ("keptBy", .array(keptBy.map(JSONValue.string))), ("keptUntil", .optionalString(keptUntil)),
        ])
    }
}
