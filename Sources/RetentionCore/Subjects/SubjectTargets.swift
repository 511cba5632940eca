import Postgres

/// A policy's subjects bound to the live schema: the targets' plans in foreign-key order and
/// the subject table, as every request command and `run` uses them.
public struct SubjectTargets: Sendable {
    public let subjects: SubjectMap
    public let subjectTable: TableInfo
    /// Every target's plan, in the order a request works through them.
    public let plans: [SubjectTargetPlan]

    /// Nil (with the policy error) when the schema does not fit the policy: `validate` says why.
    public init(policy: Policy, schema: Schema) throws {
        guard let subjects = policy.subjects else { throw RequestBook.RequestError.noSubjects(policy: policy.name) }
        let problems = SubjectSchemaCheck.problems(subjects, policy: policy, schema: schema)
        guard problems.isEmpty, let subjectTable = schema.tables[subjects.table] else { throw PolicyError(problems: problems) }
        guard case let .success(ordered) = SubjectOrder.ordered(subjects.targets, schema: schema) else { throw PolicyError(problems: problems) }
        self.subjects = subjects
        self.subjectTable = subjectTable
        plans = ordered.compactMap { target in
            schema.table(of: target).map { SubjectTargetPlan(target: target, table: $0, policy: policy, schema: schema) }
        }
    }

    /// The plans a request works through: all, or those of its categories.
    public func plans(for request: ErasureRequest) -> [SubjectTargetPlan] {
        plans.filter { includes(request, $0) }
    }

    /// Where the statements of a group of requests read the people's values: stored for those
    /// resolved already, else resolved by the statement.
    public func values(for requests: [ErasureRequest]) -> SubjectValues {
        let unresolved = requests.filter { !$0.resolved }.map(\.id)
        return .requests(stored: requests.filter(\.resolved).map(\.id), resolving: unresolved.isEmpty ? nil : resolution(.requests(unresolved)))
    }

    /// Resolves the people `named`, as the subjects map says.
    public func resolution(_ named: SubjectResolution.Named) -> SubjectResolution {
        SubjectResolution(subjects: subjects, subjectTable: subjectTable, named: named)
    }

    /// Whether `request` works on `plan`'s target.
    func includes(_ request: ErasureRequest, _ plan: SubjectTargetPlan) -> Bool {
        request.categories.isEmpty || request.categories.contains(plan.target.category)
    }
}
