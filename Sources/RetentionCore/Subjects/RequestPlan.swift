import Postgres

/// `request plan`: what a run will do for one request, read in one REPEATABLE READ READ ONLY
/// transaction: per target, the rows to erase or pseudonymise, kept (basis, until when), held
/// and blocked. Changes nothing.
public struct RequestPlan: Sendable {
    public var request: ErasureRequest
    public var targets: [TargetOutcome]
    /// Why the policy cannot answer the request (`SubjectTargets.problem`), or nil.
    public var problem: String?

    /// No target holds a row of the person, done or to do: a typo or a stray space in the value
    /// closes such a request as "nothing found".
    public var findsNobody: Bool { targets.allSatisfy { $0.matched == 0 && $0.ambiguous == 0 } }

    /// `pseudonymKey`: the rows of a person under a hold are told by their HMAC; without it, every
    /// row of a table such a hold reaches counts as held while one is in force.
    public static func make(requestID: Int64, policy: Policy, pseudonymKey: PseudonymKey? = nil, connection: Connection) throws -> RequestPlan {
        guard let request = try ErasureRequest.find(requestID, connection) else { throw RequestBook.RequestError.noSuchRequest(requestID) }
        guard request.status == .open else { throw RequestBook.RequestError.notOpen(requestID, request.status) }
        let schema = try Schema.load(for: policy, connection: connection)
        if let pseudonymKey { try HMACPads(key: pseudonymKey.bytes).load(into: connection) }
        let targets = try SubjectTargets.load(policy: policy, schema: schema, connection: connection,
                                              personHolds: .session(key: pseudonymKey, policy: policy, connection))
        let outcomes = try connection.transaction(readOnly: true) {
            try connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            try PolicyTime.enter(policy.timeZone, connection)
            let values = try targets.values(for: [request], connection)
            return try targets.plans(for: request).map { plan in
                let counts = SubjectStatements.counts(plan, values: values, requests: [request.id], affected: .recorded(runID: nil), policy: policy)
                let outcomes = try TargetOutcome.read(plan, rows: connection.execute(counts.sql, counts.parameters).rows)
                return outcomes[request.id] ?? TargetOutcome(plan.target)
            }
        }
        return RequestPlan(request: request, targets: outcomes, problem: targets.problem(for: request))
    }

    public var json: JSONValue {
        .members([("request", request.json), ("targets", .array(targets.map(\.json))), ("problem", .optionalString(problem)),
                  ("findsNobody", .bool(findsNobody))])
    }

    /// A line for the request, then one per target, as `request plan` prints them.
    public var lines: [String] {
        var lines = ["erasure request \(request.id)\(request.reference.map { " (\($0))" } ?? ""): \(request.status.rawValue), deadline \(request.deadline)"]
        for target in targets {
            var line = "  \(target.name) [\(target.category)]: "
            switch target.action {
            case .keep:
                line += "keep \(target.kept)"
                if let basis = target.basis { line += " (\(basis))" }
                if let until = target.keptUntil { line += " until \(until)" }
            case .delete, .pseudonymise:
                line += "\(target.action == .delete ? "erase" : "pseudonymise") \(target.actionable)"
                if target.affected > 0 { line += ", done already \(target.affected)" }
                if target.kept > 0 { line += ", keep \(target.kept) referenced by \(target.keptBy.joined(separator: ", "))\(target.basis.map { " (\($0))" } ?? "")" }
                if target.heldBack > 0 { line += ", held \(target.heldBack)" }
                if target.blocked > 0 { line += ", blocked \(target.blocked)" }
                if !target.blockedBy.isEmpty { line += " [\(target.blockedBy.map { "\($0.constraint): \($0.rows)" }.joined(separator: ", "))]" }
            }
            if target.ambiguous > 0 { line += ", ambiguous \(target.ambiguous) (found only through a value another person also holds: left alone)" }
            lines.append(line)
        }
        return lines
    }
}
