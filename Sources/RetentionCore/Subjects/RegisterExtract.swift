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
        /// Rows found only through a value another person also holds: withheld.
        public var withheld: Int
    }

    public var policy: String
    public var subjectColumn: String
    public var generatedAt: String
    public var sections: [Section]
    /// How many subject rows the value names (more than one are all treated as the person's).
    public var subjectRows: Int64
    /// Whether the value found any row: a subject row, or a row of a target.
    public var findsSomebody: Bool

    public static func make(policy: Policy, subject: String, connection: Connection) throws -> RegisterExtract {
        guard let subjects = policy.subjects else { throw RequestBook.RequestError.noSubjects(policy: policy.name) }
        let given = try GivenValue(parsing: subject)
        guard subjects.columns.contains(given.column) else {
            throw RequestBook.RequestError.unknownSubjectColumn(given.column, columns: subjects.columns)
        }
        let schema = try Schema.load(for: policy, connection: connection)
        let targets = try SubjectTargets.load(policy: policy, schema: schema, connection: connection)
        try RequestBook.checkSubject(given, subjects: subjects, subjectTable: targets.subjectTable, connection: connection)
        let reach = try targets.reach(given, connection: connection)
        let column = given.column
        return try connection.transaction(readOnly: true) {
            try connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            let values = try targets.given(column: column, connection)
            let generatedAt = try connection.execute(RunStatements.now).requiredScalar()
            let sections = try targets.plans.map { plan in
                let query = ExtractStatements.rows(plan, values: values)
                let found = try connection.execute(query.sql, query.parameters).rows
                let rows = try found.compactMap { row in try row[0].map { try JSONParser.parse($0) } }
                return Section(target: plan.target, table: plan.table.identifier.description, rows: rows, withheld: found.count - rows.count)
            }
            return RegisterExtract(policy: policy.name, subjectColumn: column, generatedAt: generatedAt, sections: sections,
                                   subjectRows: reach.subjectRows, findsSomebody: reach.findsSomebody)
        }
    }
}
