import Postgres

/// Resolves the people that requests (or an extract) name, conservatively (the right person, or
/// nobody):
/// - the person's subject rows are those whose named column equals the given value, read as
///   that column's type without loss (a value the type would cut names nobody);
/// - the person's values are the given value, and every key and identifier value of those rows
///   that is not empty or whitespace;
/// - such a value is *ambiguous* when a subject row outside the person's rows holds it too (a
///   shared phone, a placeholder): rows found only through it are not the person's.
public struct SubjectResolution: Sendable {
    /// Whom to resolve.
    public enum Named: Sendable {
        /// Those of these requests not resolved yet, each by its own `subject_column` and
        /// `subject_value`, read by the statement from the request's row.
        case requests([Int64])
        /// The value in the session's `GivenValue.table` (`extract --subject`), as request 0.
        case given(column: String)
    }

    public let subjects: SubjectMap
    public let subjectTable: TableInfo
    public let named: Named
    /// Subject columns that a rule or target of the policy replaces by their HMAC: a subject row
    /// whose column holds the HMAC of the given value is the person's too (a rule hashed the
    /// e-mail of an inactive account before the person asked). Only where the session has the
    /// pseudonym pads (a run that changes data); empty elsewhere.
    public let hashedColumns: [String]

    public init(subjects: SubjectMap, subjectTable: TableInfo, named: Named, hashedColumns: [String] = []) {
        self.subjects = subjects
        self.subjectTable = subjectTable
        self.named = named
        self.hashedColumns = hashedColumns
    }

    var people: SubjectPeople { SubjectPeople(subjects: subjects, table: subjectTable) }

    /// `(request_id, subject_column, subject_value)` of whom to resolve.
    private func given(_ builder: inout SQLBuilder) -> String {
        switch named {
        case let .requests(ids):
            return "SELECT q.request_id, q.subject_column, q.subject_value FROM retention.erasure_requests q WHERE q.request_id = ANY(\(builder.bind(bigintArrayLiteral(ids)))::bigint[]) AND q.resolved_at IS NULL"
        case let .given(column):
            return "SELECT 0::bigint, \(builder.bind(column))::text, g.value FROM \(GivenValue.table) g"
        }
    }

    /// A value that is empty or only whitespace (also no-break and other Unicode spaces, which
    /// `\s` misses under some collations): a placeholder, nobody's. A regular expression, as
    /// the server reads it.
    static let blank = "^[[:space:]\\u00a0\\u1680\\u2000-\\u200b\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]*$"

    /// `c1`, `c2`, …: the names the statement gives the subject columns (the key first).
    private var aliases: [String] { subjects.columns.indices.map { "c\($0 + 1)" } }

    /// `SELECT request_id, subject_column, value, ambiguous`: one row per request and distinct
    /// value that is not empty.
    /// `given`: whom to resolve as `(request_id, subject_column, subject_value)` read first
    /// (`PersonValues.resolved`), else the statement reads them. `judging`: whether the
    /// statement judges the values ambiguous itself (else every value is not, and
    /// `PersonValues` judges them).
    func sql(_ builder: inout SQLBuilder, given named: String? = nil, judging: Bool = true) -> String {
        let columns = subjects.columns
        let table = subjectTable.identifier.sql
        let selected = zip(columns, aliases).map { "s.\(Identifier.quote($0)) AS \($1)" }.joined(separator: ", ")
        let given = named ?? given(&builder)
        // The person's subject rows: the named column equals the given value, read without loss.
        let person = columns.compactMap { name -> String? in
            guard let column = subjectTable.column(name) else { return nil }
            let value = "CASE WHEN g.subject_column = \(builder.bind(name)) THEN \(LosslessRead.sql("g.subject_value", as: column, &builder)) END"
            var branch = "SELECT g.request_id, \(selected) FROM (\(given)) g(request_id, subject_column, subject_value) JOIN \(table) s ON s.\(Identifier.quote(name)) = \(value)"
            if hashedColumns.contains(name) {
                let hmac = HMACPads.sql(message: "convert_to(CASE WHEN g.subject_column = \(builder.bind(name)) THEN g.subject_value END, 'UTF8')")
                branch += " UNION SELECT g.request_id, \(selected) FROM (\(given)) g(request_id, subject_column, subject_value) JOIN \(table) s ON s.\(Identifier.quote(name)) = (\(hmac))::\(column.typeName)"
            }
            return branch
        }.joined(separator: " UNION ")
        // The given value itself, when its column's type reads it without loss.
        let readable = columns.compactMap { name -> String? in
            guard let column = subjectTable.column(name) else { return nil }
            return "WHEN \(builder.bind(name)) THEN \(LosslessRead.check("g.subject_value", as: column, &builder))"
        }.joined(separator: " ")
        let key = Identifier.quote(subjects.key)
        let values = zip(columns, aliases).map { name, alias in
            let column = Identifier.quote(name)
            let outside = judging ? "EXISTS (SELECT 1 FROM \(table) o WHERE o.\(column) = p.\(alias) AND NOT coalesce(o.\(key) = ANY(k.keys), false))" : "false"
            return "(\(builder.bind(name)), p.\(alias)::text, \(outside))"
        }.joined(separator: ", ")
        return """
            SELECT a.request_id, a.subject_column, a.value, bool_and(a.ambiguous) AS ambiguous FROM (\
            WITH person AS MATERIALIZED (\(person)) \
            SELECT g.request_id, g.subject_column, g.subject_value, false FROM (\(given)) g(request_id, subject_column, subject_value) \
            WHERE CASE g.subject_column \(readable) ELSE false END \
            UNION ALL SELECT p.request_id, x.subject_column, x.value, x.ambiguous FROM person p \
            JOIN (SELECT request_id, array_remove(array_agg(c1), NULL) AS keys FROM person GROUP BY 1) k ON k.request_id = p.request_id \
            CROSS JOIN LATERAL (VALUES \(values)) x(subject_column, value, ambiguous)\
            ) a(request_id, subject_column, value, ambiguous) \
            WHERE a.value IS NOT NULL AND a.value !~ '\(SubjectResolution.blank)' GROUP BY 1, 2, 3
            """
    }
}
