import Postgres

/// Where a statement reads the person's values (DESIGN.md "Resolving"): the given value plus
/// every key and identifier value of the subject rows it names, per subject column, as text.
public enum SubjectValues: Sendable {
    /// As resolved when the request was first processed, in `retention.erasure_request_values`:
    /// a resumed request keeps finding the rows even after its subject row was pseudonymised.
    case stored(requestID: Int64)
    /// Resolved by the statement itself (read-only callers: dry run, `request plan`, `extract`).
    case live(SubjectResolution)
    /// Only the HMACs of the values, from the erasure ledger (`replay` after a restore): a row
    /// matches when the HMAC of its column's text is one of them.
    case hashed([SubjectErasureEntry.ValueHash])

    /// A subquery of the text values of `subjectColumn`.
    func sql(subjectColumn: String, _ builder: inout SQLBuilder) -> String {
        switch self {
        case let .stored(requestID):
            return "SELECT v.value FROM retention.erasure_request_values v WHERE v.request_id = \(builder.bind(String(requestID)))::bigint AND v.subject_column = \(builder.bind(subjectColumn))"
        case let .live(resolution):
            return "SELECT p.value FROM (\(resolution.sql(&builder))) p WHERE p.subject_column = \(builder.bind(subjectColumn))"
        case let .hashed(hashes):
            let mine = hashes.filter { $0.subjectColumn == subjectColumn }.map(\.hmac)
            return "SELECT unnest(\(builder.bind(textArrayLiteral(mine)))::text[])"
        }
    }
}

/// The value a request (or an extract) names the person by.
public enum GivenValue: Sendable {
    /// The request's own `subject_value`, read by the statement: the value never travels as a parameter.
    case request(Int64)
    /// A value given on the command line (`extract --subject`).
    case parameter(String)

    func sql(_ builder: inout SQLBuilder) -> String {
        switch self {
        case let .request(id): return "(SELECT q.subject_value FROM retention.erasure_requests q WHERE q.request_id = \(builder.bind(String(id)))::bigint)"
        case let .parameter(value): return "\(builder.bind(value))::text"
        }
    }
}

/// Resolves a person: the subject rows whose `column` equals the given value (in the column's
/// own type), and from them every key and identifier value, plus the given value itself.
public struct SubjectResolution: Sendable {
    public let subjects: SubjectMap
    public let subjectTable: TableInfo
    /// The subject column the request names.
    public let column: String
    public let given: GivenValue

    public init(subjects: SubjectMap, subjectTable: TableInfo, column: String, given: GivenValue) {
        self.subjects = subjects
        self.subjectTable = subjectTable
        self.column = column
        self.given = given
    }

    /// `SELECT subject_column, value`: one row per distinct non-null value.
    func sql(_ builder: inout SQLBuilder) -> String {
        let typeName = subjectTable.column(column)?.typeName ?? "text"
        var parts = ["SELECT \(builder.bind(column))::text AS subject_column, \(given.sql(&builder)) AS value"]
        for name in subjects.columns {
            parts.append("""
                SELECT \(builder.bind(name))::text, s.\(Identifier.quote(name))::text FROM \(subjectTable.identifier.sql) s \
                WHERE s.\(Identifier.quote(column)) = \(given.sql(&builder))::\(typeName)
                """)
        }
        return "SELECT DISTINCT a.subject_column, a.value FROM (\(parts.joined(separator: " UNION ALL "))) a(subject_column, value) WHERE a.value IS NOT NULL"
    }
}
