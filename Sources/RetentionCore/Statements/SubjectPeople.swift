import Postgres

/// The subject table of a policy's subjects map, where a person's values are judged ambiguous.
public struct SubjectPeople: Sendable {
    public let subjects: SubjectMap
    public let table: TableInfo

    public init(subjects: SubjectMap, table: TableInfo) {
        self.subjects = subjects
        self.table = table
    }

    /// Whether a subject row outside the person's holds the value of row `alias` (a row of
    /// `(request_id, subject_column, value)`) in its own subject column, now. The person's rows
    /// are those whose key is among the request's values of the key column in `keys`.
    func heldOutside(_ alias: String, keys: String, _ builder: inout SQLBuilder) -> String {
        let cases = subjects.identifiers.compactMap { name -> String? in
            guard let column = table.column(name) else { return nil }
            let held = "o.\(Identifier.quote(name)) = \(alias).value::\(column.typeName)"
            return "WHEN \(builder.bind(name)) THEN EXISTS (SELECT 1 FROM \(table.identifier.sql) o WHERE \(held) AND \(notPersons("o", request: "\(alias).request_id", keys: keys, &builder)))"
        }
        return cases.isEmpty ? "false" : "CASE \(alias).subject_column \(cases.joined(separator: " ")) ELSE false END"
    }

    /// Whether a subject row outside the person's holds, in `subjectColumn`, a value that equals
    /// `typed` (an expression of `column`'s type) when read as that type without loss.
    func heldOutside(typed: String, as column: ColumnInfo, subjectColumn: ColumnInfo, request: String, keys: String, _ builder: inout SQLBuilder) -> String {
        let value = LosslessRead.sql("o.\(Identifier.quote(subjectColumn.name))::text", as: column, &builder)
        return "EXISTS (SELECT 1 FROM \(table.identifier.sql) o WHERE \(value) = \(typed) AND \(notPersons("o", request: request, keys: keys, &builder)))"
    }

    /// The positions (from 0) of `listed`'s values that a subject row outside the person's holds
    /// in its own subject column, now: `heldOutside` as a join of the subject table with the
    /// arrays, which Citus runs on every shard (it refuses the correlated form beside them).
    /// Nil when the map has no identifiers (a key is never another person's).
    func ambiguousAmong(_ listed: PersonValues) -> (sql: String, parameters: [String?])? {
        var builder = SQLBuilder()
        let positions = builder.bind(bigintArrayLiteral(listed.values.indices.map(Int64.init)))
        let rows = """
            SELECT * FROM unnest(\(positions)::bigint[], \(builder.bind(bigintArrayLiteral(listed.values.map(\.requestID))))::bigint[], \
            \(builder.bind(textArrayLiteral(listed.values.map(\.subjectColumn))))::text[], \(builder.bind(textArrayLiteral(listed.values.map(\.value))))::text[]) \
            AS v(position, request_id, subject_column, value)
            """
        let branches = subjects.identifiers.compactMap { name -> String? in
            guard let column = table.column(name) else { return nil }
            return """
                SELECT v.position FROM v JOIN \(table.identifier.sql) o ON o.\(Identifier.quote(name)) = v.value::\(column.typeName) \
                WHERE v.subject_column = \(builder.bind(name)) AND \(notPersons("o", request: "v.request_id", keys: "v", &builder))
                """
        }
        guard !branches.isEmpty else { return nil }
        return ("WITH v AS (\(rows)) \(branches.joined(separator: " UNION "))", builder.parameters)
    }

    /// Subject row `alias` is not one of the request's person's rows: its key is not among the
    /// request's values of the key column in `keys` (a relation of request values).
    private func notPersons(_ alias: String, request: String, keys: String, _ builder: inout SQLBuilder) -> String {
        let key = Identifier.quote(subjects.key)
        return "NOT EXISTS (SELECT 1 FROM \(keys) k WHERE k.request_id = \(request) AND k.subject_column = \(builder.bind(subjects.key)) AND k.value = \(alias).\(key)::text)"
    }
}
