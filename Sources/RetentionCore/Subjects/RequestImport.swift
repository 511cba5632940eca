import Postgres

/// Files the records of an import file (`ImportFile`) in one transaction, or none of them: what
/// the database must tell (a value the subject column would cut or round, a time in the future)
/// is checked for every record first, and any bad record files nothing. A reference already filed
/// for the policy is not filed again: reported `duplicate` with the request it names. The people's
/// values travel as `GivenValue`'s do, through `COPY` into the session's temporary table, never in
/// a statement or parameter.
public struct RequestImport {
    /// What became of one record.
    public struct Outcome: Sendable, Equatable {
        public enum Status: String, Sendable {
            case filed, duplicate
        }

        public let line: Int
        public let reference: String?
        public let id: Int64
        public let status: Status

        public var json: JSONValue {
            .members([("reference", .optionalString(reference)), ("id", .int(id)), ("status", .string(status.rawValue))])
        }
    }

    public let book: RequestBook

    public init(book: RequestBook) { self.book = book }

    /// Files `records` (of an import file of `policy`) by `person`; their outcomes in the file's
    /// order. `refused`: the file's records that its reading found bad; with them, or with any the
    /// database finds bad, nothing is filed and all are thrown (`ImportRefused`).
    public func file(_ records: [ImportRecord], refused: [BadRecord] = [], by person: String, policy: Policy) throws -> [Outcome] {
        guard let subjects = policy.subjects else { throw RequestBook.RequestError.noSubjects(policy: policy.name) }
        let connection = book.connection
        let targets = try SubjectTargets.load(policy: policy, schema: Schema.load(for: policy, connection: connection), connection: connection)
        try load(records, connection)
        let bad = try refused + unreadable(subjects: subjects, subjectTable: targets.subjectTable, records, connection) + inFuture(records, connection)
        guard bad.isEmpty else { throw ImportRefused(records: bad.sorted { ($0.line, $0.field) < ($1.line, $1.field) }) }
        return try connection.transaction {
            try PolicyTime.enter(policy.timeZone, connection)
            try connection.execute(RequestStatements.lockReferences)
            let references = records.compactMap(\.reference)
            var filed: [String: Int64] = [:]
            for row in try connection.execute(RequestStatements.filedReferences, [textArrayLiteral(references)]).rows {
                filed[try row.text(0)] = try row.int64(1)
            }
            let new = records.filter { $0.reference.map { filed[$0] == nil } ?? true }
            var ids: [Int: Int64] = [:]
            if !new.isEmpty {
                let meta = JSONWriter.write(.array(new.map(Self.meta)), pretty: false)
                for row in try connection.execute(RequestStatements.fileImport, [meta, policy.name, subjects.deadline.intervalText, policy.timeZone, person]).rows {
                    ids[Int(try row.int64(0))] = try row.int64(1)
                }
                guard ids.count == new.count else {
                    throw PostgresError(kind: .unexpectedResult, message: "filed \(ids.count) of \(new.count) imported requests")
                }
            }
            return try records.map { record in
                if let reference = record.reference, let id = filed[reference] {
                    return Outcome(line: record.line, reference: reference, id: id, status: .duplicate)
                }
                guard let id = ids[record.line] else { throw PostgresError(kind: .unexpectedResult, message: "no id for the request of line \(record.line)") }
                return Outcome(line: record.line, reference: record.reference, id: id, status: .filed)
            }
        }
    }

    /// The record's fields but the person's value, for the filing statement.
    private static func meta(_ record: ImportRecord) -> JSONValue {
        .members([
            ("line", .int(Int64(record.line))), ("reference", .optionalString(record.reference)), ("receivedAt", .optionalString(record.receivedAt)),
            ("categories", .array(record.categories.map(JSONValue.string))), ("verifiedBy", .optionalString(record.verification.method)),
            ("evidence", .optionalString(record.verification.evidence)),
        ])
    }

    /// Puts every record's line, subject column and value in the session's `importTable`.
    private func load(_ records: [ImportRecord], _ connection: Connection) throws {
        let table = RequestStatements.importTable
        try connection.execute("CREATE TEMPORARY TABLE IF NOT EXISTS \(table) (line int NOT NULL, subject_column text NOT NULL, value text NOT NULL)")
        try connection.execute("TRUNCATE \(table)")
        var data: [UInt8] = []
        for record in records {
            data += "\(record.line)\t".utf8
            data += GivenValue.copyText(record.subject.column).dropLast().utf8
            data += "\t".utf8
            data += GivenValue.copyText(record.subject.value).utf8
        }
        try connection.copyIn("COPY \(table) (line, subject_column, value) FROM STDIN", data: data)
    }

    /// Records whose value its subject column would not read back unchanged.
    private func unreadable(subjects: SubjectMap, subjectTable: TableInfo, _ records: [ImportRecord], _ connection: Connection) throws -> [BadRecord] {
        var builder = SQLBuilder()
        let checks = subjects.columns.compactMap { name -> String? in
            guard let column = subjectTable.column(name) else { return nil }
            return "WHEN \(builder.bind(name)) THEN \(LosslessRead.check("i.value", as: column, &builder))"
        }.joined(separator: " ")
        let sql = "SELECT i.line, i.subject_column FROM \(RequestStatements.importTable) i WHERE NOT CASE i.subject_column \(checks) ELSE false END ORDER BY 1"
        return try connection.execute(sql, builder.parameters).rows.map { row in
            let column = try row.text(1)
            let type = subjectTable.column(column)?.typeName ?? "?"
            return BadRecord(line: Int(try row.int64(0)), field: "subject",
                             reason: "the value does not read back unchanged as \(type) (column \"\(column)\"): the column would cut, round or refuse it, so it names nobody for certain")
        }
    }

    /// Records received later than now.
    private func inFuture(_ records: [ImportRecord], _ connection: Connection) throws -> [BadRecord] {
        let timed = records.compactMap { record in record.receivedAt.map { (record.line, $0) } }
        guard !timed.isEmpty else { return [] }
        let lines = "{" + timed.map { String($0.0) }.joined(separator: ",") + "}"
        return try connection.execute(RequestStatements.linesInFuture, [lines, textArrayLiteral(timed.map(\.1))]).rows.map { row in
            let line = Int(try row.int64(0))
            return BadRecord(line: line, field: "receivedAt", reason: "\"\(timed.first { $0.0 == line }?.1 ?? "")\" is in the future; give when the request was received")
        }
    }
}
