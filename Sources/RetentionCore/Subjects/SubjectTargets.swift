import Postgres

/// A policy's subjects bound to the live schema: the targets' plans in foreign-key order and
/// the subject table, as every request command and `run` uses them.
public struct SubjectTargets: Sendable {
    public let subjects: SubjectMap
    public let subjectTable: TableInfo
    /// Every target's plan, in the order a request works through them.
    public let plans: [SubjectTargetPlan]
    /// The subject table's identifiers that a pseudonymise rule or target of the policy hashes.
    let hashedColumns: [String]

    /// The targets with the archived leaves of their tables (`ArchivedLeaves`), as requests and
    /// extracts read them. `personHolds`: how the sessions that use them tell a held person's rows.
    public static func load(policy: Policy, schema: Schema, connection: Connection,
                            personHolds: PersonHolds.Reading = .everyRowWhileAnyHold(citusHeld: true)) throws -> SubjectTargets {
        var archived: [Identifier: [Identifier]] = [:]
        for target in policy.subjects?.targets ?? [] {
            guard let table = schema.table(of: target), table.kind == .partitioned, archived[table.identifier] == nil else { continue }
            archived[table.identifier] = try ArchivedLeaves.of(parent: table.identifier, connection: connection)
        }
        return try SubjectTargets(policy: policy, schema: schema, archived: archived, personHolds: personHolds)
    }

    /// Throws the policy error when the schema does not fit the policy: `validate` says why.
    /// `archived`: the archived leaves of each target's table.
    public init(policy: Policy, schema: Schema, archived: [Identifier: [Identifier]] = [:],
                personHolds: PersonHolds.Reading = .everyRowWhileAnyHold(citusHeld: true)) throws {
        guard let subjects = policy.subjects else { throw RequestBook.RequestError.noSubjects(policy: policy.name) }
        let problems = SubjectSchemaCheck.problems(subjects, policy: policy, schema: schema)
        guard problems.isEmpty, let subjectTable = schema.tables[subjects.table] else { throw PolicyError(problems: problems) }
        guard case let .success(ordered) = SubjectOrder.ordered(subjects.targets, schema: schema) else { throw PolicyError(problems: problems) }
        self.subjects = subjects
        self.subjectTable = subjectTable
        var specs = policy.rules.compactMap { rule -> PseudonymiseSpec? in
            guard schema.table(of: rule)?.identifier == subjectTable.identifier, case let .pseudonymise(spec) = rule.action else { return nil }
            return spec
        }
        specs += subjects.targets.compactMap { target -> PseudonymiseSpec? in
            guard schema.table(of: target)?.identifier == subjectTable.identifier, case let .pseudonymise(spec) = target.action else { return nil }
            return spec
        }
        hashedColumns = subjects.identifiers.filter { name in specs.contains { $0.columns.contains { $0.column == name && $0.strategy == .hmac } } }
        plans = ordered.compactMap { target in
            schema.table(of: target).map {
                SubjectTargetPlan(target: target, table: $0, policy: policy, schema: schema, archivedLeaves: archived[$0.identifier] ?? [],
                                  personHolds: personHolds)
            }
        }
    }

    /// The plans a request works through: all, or those of its categories.
    public func plans(for request: ErasureRequest) -> [SubjectTargetPlan] {
        plans.filter { includes(request, $0) }
    }

    /// Whether the statements of requests get the people's values read first, as arrays
    /// (`PersonValues`): when the subject table or a target's table is a Citus table, whose
    /// statements Citus runs on the shards only when they do not read the coordinator's tables.
    public var readsValuesFirst: Bool {
        subjectTable.distribution.isCitus || plans.contains { $0.table.distribution.isCitus }
    }

    /// Where the statements of a group of requests read the people's values: stored for those
    /// resolved already, else resolved by the statement; read first on `connection` when
    /// `readsValuesFirst`.
    public func values(for requests: [ErasureRequest], _ connection: Connection) throws -> SubjectValues {
        let resolved = requests.filter(\.resolved).map(\.id)
        let unresolved = requests.filter { !$0.resolved }.map(\.id)
        guard readsValuesFirst else {
            return .requests(stored: resolved, resolving: unresolved.isEmpty ? nil : resolution(.requests(unresolved)), people: people)
        }
        var listed = try PersonValues.stored(resolved, people: people, connection)
        if !unresolved.isEmpty { listed.values += try PersonValues.resolved(resolution(.requests(unresolved)), connection).values }
        return .listed(listed)
    }

    /// The stored values of requests `ids` (all resolved); read first on `connection` when
    /// `readsValuesFirst`.
    func stored(_ ids: [Int64], _ connection: Connection) throws -> SubjectValues {
        readsValuesFirst ? .listed(try PersonValues.stored(ids, people: people, connection)) : .requests(stored: ids, resolving: nil, people: people)
    }

    /// The values of the person named by the session's `GivenValue` in `column`, as an extract
    /// reads them; read first on `connection` when `readsValuesFirst`.
    func given(column: String, _ connection: Connection) throws -> SubjectValues {
        let resolution = resolution(.given(column: column))
        return readsValuesFirst ? .listed(try PersonValues.resolved(resolution, connection)) : .requests(stored: [], resolving: resolution, people: people)
    }

    /// The subject table, where values are judged ambiguous.
    var people: SubjectPeople { SubjectPeople(subjects: subjects, table: subjectTable) }

    /// Resolves the people `named`, as the subjects map says.
    /// `hashed`: the session has the pseudonym pads, so subject rows whose identifier a rule or
    /// target replaced by its HMAC are found too.
    public func resolution(_ named: SubjectResolution.Named, hashed: Bool = false) -> SubjectResolution {
        SubjectResolution(subjects: subjects, subjectTable: subjectTable, named: named, hashedColumns: hashed ? hashedColumns : [])
    }


    /// Why the policy cannot answer `request` now, or nil: its subject column or one of its
    /// categories is no longer in the subjects map. Such a request stays open with the reason:
    /// completing it would answer the person with nothing erased.
    public func problem(for request: ErasureRequest) -> String? {
        guard subjects.columns.contains(request.subjectColumn) else {
            return "the person is named by \"\(request.subjectColumn)\", which is no longer the subjects' key or an identifier (\(subjects.columns.joined(separator: ", ")))"
        }
        let missing = request.categories.filter { !subjects.categories.contains($0) }
        guard missing.isEmpty else {
            return "category \(missing.map { "\"\($0)\"" }.joined(separator: ", ")) is not in the policy; its categories are \(subjects.categories.map { "\"\($0)\"" }.joined(separator: ", "))"
        }
        return nil
    }

    /// What the value in the session's `GivenValue.table` reaches: how many subject rows it names
    /// (more than one are all treated as one person's), and whether it finds any row at all, a
    /// subject row or a row of a target that matches on the value's column (compared without
    /// loss). None suggests a typo or a stray space.
    public func reach(_ given: GivenValue, connection: Connection) throws -> (subjectRows: Int64, findsSomebody: Bool) {
        var builder = SQLBuilder()
        var subjectRows = "0::bigint"
        if let column = subjectTable.column(given.column) {
            let value = LosslessRead.sql("g.value", as: column, &builder)
            subjectRows = "(SELECT count(*) FROM \(GivenValue.table) g JOIN \(subjectTable.identifier.sql) s ON s.\(Identifier.quote(column.name)) = \(value))"
        }
        var targetRows: [String] = []
        for plan in plans {
            for match in plan.target.match where match.subjectColumn == given.column {
                guard let column = plan.table.column(match.column) else { continue }
                let value = LosslessRead.sql("g.value", as: column, &builder)
                targetRows.append("EXISTS (SELECT 1 FROM \(GivenValue.table) g JOIN \(plan.rows) r ON r.\(Identifier.quote(column.name)) = \(value))")
            }
        }
        let found = targetRows.isEmpty ? "false" : targetRows.joined(separator: " OR ")
        let row = try connection.execute("SELECT \(subjectRows), \(found)", builder.parameters).onlyRow()
        let count = try row.int64(0)
        return (count, try count > 0 || row.bool(1))
    }

    /// Whether `request` works on `plan`'s target.
    func includes(_ request: ErasureRequest, _ plan: SubjectTargetPlan) -> Bool {
        request.categories.isEmpty || request.categories.contains(plan.target.category)
    }
}
