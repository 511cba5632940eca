import Postgres

/// Where a statement reads the values of the people of one or more requests (docs/subjects.md,
/// "Resolving"): per request, the given value plus every key and identifier value of the
/// subject rows it names, per subject column, as text.
public enum SubjectValues: Sendable {
    /// The values of the requests `stored`, as resolved when each was first processed (in
    /// `retention.erasure_request_values`: a resumed request keeps finding its rows after its
    /// subject row was pseudonymised), and those `resolving` finds, resolved by the statement
    /// itself (read-only callers: dry run, `request plan`, `extract`).
    case requests(stored: [Int64], resolving: SubjectResolution?)
    /// Only the HMACs of the values, from the erasure ledger (`replay` after a restore): a row
    /// matches when the HMAC of its column's text is one of them.
    case hashed([SubjectErasureEntry])

    /// `SELECT request_id, subject_column, value`.
    private func sql(_ builder: inout SQLBuilder) -> String {
        switch self {
        case let .requests(stored, resolving):
            var parts: [String] = []
            if !stored.isEmpty || resolving == nil {
                parts.append("SELECT v.request_id, v.subject_column, v.value FROM retention.erasure_request_values v WHERE v.request_id = ANY(\(builder.bind(bigintArrayLiteral(stored)))::bigint[])")
            }
            if let resolving { parts.append(resolving.sql(&builder)) }
            return parts.joined(separator: " UNION ALL ")
        case let .hashed(entries):
            let values = entries.flatMap { entry in entry.values.map { (entry.requestID, $0) } }
            return """
                SELECT * FROM unnest(\(builder.bind(bigintArrayLiteral(values.map(\.0))))::bigint[], \
                \(builder.bind(textArrayLiteral(values.map(\.1.subjectColumn))))::text[], \
                \(builder.bind(textArrayLiteral(values.map(\.1.hmac))))::text[]) AS v(request_id, subject_column, value)
                """
        }
    }

    /// `SELECT request_id, value`: each request's distinct values of `subjectColumn`, read as
    /// `typeName` (the target column's type), or as the HMACs they are.
    func typed(subjectColumn: String, as typeName: String, _ builder: inout SQLBuilder) -> String {
        let column = builder.bind(subjectColumn)
        let value: String
        switch self {
        // The value is read as the type only in rows of its own subject column.
        case .requests: value = "CASE WHEN w.subject_column = \(column) THEN w.value::\(typeName) END"
        case .hashed: value = "w.value"
        }
        return "SELECT DISTINCT w.request_id, \(value) AS value FROM (\(sql(&builder))) w WHERE w.subject_column = \(column)"
    }

    /// The join condition of a row's `column` with `m.value`, one of `typed`'s.
    func matches(_ column: String) -> String {
        switch self {
        case .requests: return "\(column) = m.value"
        case .hashed: return "\(HMACPads.sql(message: "convert_to(\(column)::text, 'UTF8')")) = m.value"
        }
    }
}

/// Resolves the people that requests (or an extract) name: the subject rows whose named column
/// equals the given value (in the column's own type), and from them every key and identifier
/// value, plus the given value itself.
public struct SubjectResolution: Sendable {
    /// Whom to resolve.
    public enum Named: Sendable {
        /// Those of these requests not resolved yet, each by its own `subject_column` and
        /// `subject_value`, read by the statement: the value never travels as a parameter.
        case requests([Int64])
        /// A value given on the command line (`extract --subject`), as request 0.
        case parameter(column: String, value: String)
    }

    public let subjects: SubjectMap
    public let subjectTable: TableInfo
    public let named: Named

    public init(subjects: SubjectMap, subjectTable: TableInfo, named: Named) {
        self.subjects = subjects
        self.subjectTable = subjectTable
        self.named = named
    }

    /// `(request_id, subject_column, subject_value)` of whom to resolve.
    private func given(_ builder: inout SQLBuilder) -> String {
        switch named {
        case let .requests(ids):
            return "SELECT q.request_id, q.subject_column, q.subject_value FROM retention.erasure_requests q WHERE q.request_id = ANY(\(builder.bind(bigintArrayLiteral(ids)))::bigint[]) AND q.resolved_at IS NULL"
        case let .parameter(column, value):
            return "SELECT 0::bigint, \(builder.bind(column))::text, \(builder.bind(value))::text"
        }
    }

    /// `SELECT request_id, subject_column, value`: one row per request and distinct non-null value.
    func sql(_ builder: inout SQLBuilder) -> String {
        var parts = ["SELECT g.request_id, g.subject_column, g.subject_value FROM (\(given(&builder))) g(request_id, subject_column, subject_value)"]
        for column in subjects.columns {
            let typeName = subjectTable.column(column)?.typeName ?? "text"
            let values = subjects.columns.map { "(\(builder.bind($0))::text, s.\(Identifier.quote($0))::text)" }.joined(separator: ", ")
            parts.append("""
                SELECT g.request_id, x.subject_column, x.value FROM (\(given(&builder))) g(request_id, subject_column, subject_value) \
                JOIN \(subjectTable.identifier.sql) s ON s.\(Identifier.quote(column)) = \
                CASE WHEN g.subject_column = \(builder.bind(column)) THEN g.subject_value::\(typeName) END \
                CROSS JOIN LATERAL (VALUES \(values)) x(subject_column, value)
                """)
        }
        return "SELECT DISTINCT a.request_id, a.subject_column, a.value FROM (\(parts.joined(separator: " UNION ALL "))) a(request_id, subject_column, value) WHERE a.value IS NOT NULL"
    }
}
