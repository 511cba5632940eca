import Postgres

/// `retention extract`: a register extract (GDPR Art. 15 and 20): every row of every target
/// that matches the person, all columns, read in one REPEATABLE READ READ ONLY transaction so
/// that it is one consistent snapshot, grouped by target with its category and basis, as JSON.
public struct RegisterExtract: Sendable {
    public struct Section: Sendable {
        public var target: SubjectTarget
        public var table: String
        /// Each row as `to_jsonb` writes it.
        public var rows: [JSONValue]
    }

    public var policy: String
    public var subjectColumn: String
    public var generatedAt: String
    public var sections: [Section]

    public static func make(policy: Policy, subject: String, connection: Connection) throws -> RegisterExtract {
        guard let subjects = policy.subjects else { throw RequestBook.RequestError.noSubjects(policy: policy.name) }
        let given = try GivenValue(parsing: subject)
        guard subjects.columns.contains(given.column) else {
            throw RequestBook.RequestError.unknownSubjectColumn(given.column, columns: subjects.columns)
        }
        let schema = try Schema.load(for: policy, connection: connection)
        let targets = try SubjectTargets.load(policy: policy, schema: schema, connection: connection)
        try RequestBook.checkSubject(given, subjects: subjects, subjectTable: targets.subjectTable, connection: connection)
        let column = given.column
        let values = SubjectValues.requests(stored: [], resolving: targets.resolution(.given(column: column)))
        return try connection.transaction(readOnly: true) {
            try connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            let generatedAt = try connection.execute(RunStatements.now).requiredScalar()
            let sections = try targets.plans.map { plan in
                let query = ExtractStatements.rows(plan, values: values)
                let rows = try connection.execute(query.sql, query.parameters).rows.map { try JSONParser.parse(try $0.text(0)) }
                return Section(target: plan.target, table: plan.table.identifier.description, rows: rows)
            }
            return RegisterExtract(policy: policy.name, subjectColumn: column, generatedAt: generatedAt, sections: sections)
        }
    }

    public var json: JSONValue {
        .members([
            ("schema", .string("retention-register-extract/1")), ("policy", .string(policy)), ("generatedAt", .string(generatedAt)),
            ("subjectColumn", .string(subjectColumn)),
            ("targets", .array(sections.map { section in
                .members([("name", .string(section.target.name)), ("category", .string(section.target.category)),
                          ("basis", .optionalString(section.target.basis)), ("action", .string(section.target.action.kind.rawValue)),
                          ("table", .string(section.table)), ("rows", .array(section.rows))])
            })),
        ])
    }
}
