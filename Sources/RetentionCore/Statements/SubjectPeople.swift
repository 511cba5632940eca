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

    /// Subject row `alias` is not one of the request's person's rows: its key is not among the
    /// request's values of the key column in `keys` (a relation of request values).
    private func notPersons(_ alias: String, request: String, keys: String, _ builder: inout SQLBuilder) -> String {
        let key = Identifier.quote(subjects.key)
        return "NOT EXISTS (SELECT 1 FROM \(keys) k WHERE k.request_id = \(request) AND k.subject_column = \(builder.bind(subjects.key)) AND k.value = \(alias).\(key)::text)"
    }
}
