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

    /// The rows a target's outcome counts as changed already.
    enum Affected {
        /// A number known to the caller (0 for a dry run; every run's for a plan).
        case given(Int64)
        /// What this run's batches recorded for the request, read by the counting statement.
        case recordedInRun(runID: String, requestID: Int64)
    }

    /// Counts the person's pending rows of `plan`'s target (in the caller's transaction) and
    /// adds the rows already changed.
    static func read(_ plan: SubjectTargetPlan, values: SubjectValues, affected: Affected, policy: Policy, connection: Connection) throws -> TargetOutcome {
        var outcome = TargetOutcome(plan.target)
        let inRun: (runID: String, requestID: Int64)?
        switch affected {
        case .given: inRun = nil
        case let .recordedInRun(runID, requestID): inRun = (runID, requestID)
        }
        let counts = SubjectStatements.counts(plan, values: values, inRun: inRun)
        let full = try connection.execute(counts.sql, counts.parameters).rows[0]
        switch affected {
        case let .given(count): outcome.affected = count
        case .recordedInRun: outcome.affected = try full.int64(0)
        }
        let row = Array(full.dropFirst())
        let pending = try row.int64(0)
        outcome.matched = pending + outcome.affected
        switch plan.target.action {
        case let .keep(untilRule):
            outcome.kept = pending
            if let name = untilRule, let rule = policy.rule(named: name),
               let query = SubjectStatements.keptUntil(plan, rule: rule, policy: policy, values: values) {
                outcome.keptUntil = try connection.execute(query.sql, query.parameters).rows[0][0]
            }
        case .delete, .pseudonymise:
            outcome.heldBack = try row.int64(1)
            outcome.kept = try row.int64(2)
            outcome.blocked = try row.int64(3)
            outcome.actionable = pending - outcome.heldBack - outcome.kept - outcome.blocked
            for (index, key) in plan.blockingKeys.enumerated() {
                let rows = try row.int64(4 + index)
                guard rows > 0 else { continue }
                outcome.blockedBy.append((key.name, rows))
                if let keeper = plan.keepingTargets[key.referencingRoot], !outcome.keptBy.contains(keeper.name) {
                    outcome.keptBy.append(keeper.name)
                    if outcome.basis == nil { outcome.basis = keeper.basis }
                }
            }
        }
        return outcome
    }

    /// One row's parameters of `SubjectStatements.recordTargets`.
    func recordParameters(runID: String, requestID: Int64) -> [String?] {
        let details = JSONValue.members([
            ("blockedBy", .array(blockedBy.map { .members([("constraint", .string($0.constraint)), ("rows", .int($0.rows))]) })),
            ("keptBy", .array(keptBy.map(JSONValue.string))),
        ])
        return [runID, String(requestID), name, category, basis, action.rawValue, String(matched), String(affected), String(kept),
                String(heldBack), String(blocked), keptUntil, JSONWriter.write(details, pretty: false)]
    }

    public var json: JSONValue {
        .members([
            ("name", .string(name)), ("category", .string(category)), ("basis", .optionalString(basis)), ("action", .string(action.rawValue)),
            ("matched", .int(matched)), ("affected", .int(affected)), ("kept", .int(kept)), ("heldBack", .int(heldBack)),
            ("blocked", .int(blocked)), ("pending", .int(actionable)),
            ("blockedBy", .array(blockedBy.map { .members([("constraint", .string($0.constraint)), ("rows", .int($0.rows))]) })),
            ("keptBy", .array(keptBy.map(JSONValue.string))), ("keptUntil", .optionalString(keptUntil)),
        ])
    }
}
