import Postgres

/// Where a statement reads the values of the people of one or more requests (docs/subjects.md,
/// "Resolving"): per request and subject column, each value as text and whether it is
/// ambiguous (`SubjectResolution`).
public enum SubjectValues: Sendable {
    /// The values of the requests `stored`, as resolved when each was first processed (in
    /// `retention.erasure_request_values`: a resumed request keeps finding its rows after its
    /// subject row was pseudonymised), and those `resolving` finds, resolved by the statement
    /// itself (read-only callers: dry run, `request plan`, `extract`).
    /// `people`: the subject table, in which a value is judged ambiguous by every statement
    /// anew (a value the person held alone when the request was filed may be shared since).
    case requests(stored: [Int64], resolving: SubjectResolution?, people: SubjectPeople)
    /// Only the HMACs of the texts to match, from the erasure ledger (`replay` after a restore):
    /// a row matches when the HMAC of its column's text is one of them.
    case hashed([SubjectErasureEntry])

    /// `SELECT request_id, subject_column, value, ambiguous` of `requests`; a stored value is
    /// ambiguous when a subject row outside the person's (their stored keys) holds it now.
    private static func sql(stored: [Int64], resolving: SubjectResolution?, people: SubjectPeople, _ builder: inout SQLBuilder) -> String {
        var parts: [String] = []
        if !stored.isEmpty || resolving == nil {
            let values = "retention.erasure_request_values"
            parts.append("""
                SELECT v.request_id, v.subject_column, v.value, \(people.heldOutside("v", keys: values, &builder)) AS ambiguous \
                FROM \(values) v WHERE v.request_id = ANY(\(builder.bind(bigintArrayLiteral(stored)))::bigint[])
                """)
        }
        if let resolving { parts.append(resolving.sql(&builder)) }
        return parts.joined(separator: " UNION ALL ")
    }

    /// `SELECT request_id, value, ambiguous`: the values that `match` compares target `target`'s
    /// column with. For `requests`, each request's values of the subject column read as
    /// `column`'s type (a value that type would cut or refuse is left out), grouped by the type's
    /// own equality: a value is ambiguous when every text that equals it is. For `hashed`, the
    /// HMACs of the subject column's values and of the texts the run found in that column.
    func typed(_ match: SubjectMatch, target: String, as column: ColumnInfo, from source: ColumnInfo?, _ builder: inout SQLBuilder) -> String {
        switch self {
        case let .requests(stored, resolving, people):
            let name = builder.bind(match.subjectColumn)
            let values = Self.sql(stored: stored, resolving: resolving, people: people, &builder)
            let value = LosslessRead.sql("w.value", as: column, from: source, &builder)
            // Read as another type than the subject column's (citext, char(n)), a value may equal
            // another person's that the subject column tells apart: judged in the target's type too.
            var ambiguous = "t.ambiguous"
            if let source, source.typeName != column.typeName {
                ambiguous += " OR " + people.heldOutside(typed: "t.value", as: column, subjectColumn: source, request: "t.request_id", keys: "w", &builder)
            }
            return """
                WITH w AS MATERIALIZED (\(values)) \
                SELECT t.request_id, t.value, \(ambiguous) AS ambiguous FROM (SELECT w.request_id, \(value) AS value, bool_and(w.ambiguous) AS ambiguous \
                FROM w WHERE w.subject_column = \(name) GROUP BY 1, 2) t WHERE t.value IS NOT NULL
                """
        case let .hashed(entries):
            var requests: [Int64] = []
            var hashes: [String] = []
            for entry in entries {
                for hash in entry.hashes(of: match, target: target) {
                    requests.append(entry.requestID)
                    hashes.append(hash)
                }
            }
            return """
                SELECT DISTINCT u.request_id, u.value, false AS ambiguous FROM unnest(\(builder.bind(bigintArrayLiteral(requests)))::bigint[], \
                \(builder.bind(textArrayLiteral(hashes)))::text[]) AS u(request_id, value)
                """
        }
    }

    /// The join condition of a row's `column` with `m.value`, one of `typed`'s.
    func matches(_ column: String) -> String {
        switch self {
        case .requests: return "\(column) = m.value"
        case .hashed: return "\(HMACPads.sql(message: "convert_to(\(column)::text, 'UTF8')")) = m.value"
        }
    }
}

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
    func sql(_ builder: inout SQLBuilder) -> String {
        let columns = subjects.columns
        let table = subjectTable.identifier.sql
        let selected = zip(columns, aliases).map { "s.\(Identifier.quote($0)) AS \($1)" }.joined(separator: ", ")
        let given = given(&builder)
        // The person's subject rows: the named column equals the given value, read without loss.
        let person = columns.compactMap { name -> String? in
            guard let column = subjectTable.column(name) else { return nil }
            let value = LosslessRead.sql("CASE WHEN g.subject_column = \(builder.bind(name)) THEN g.subject_value END", as: column, &builder)
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
            let outside = "EXISTS (SELECT 1 FROM \(table) o WHERE o.\(column) = p.\(alias) AND NOT EXISTS (SELECT 1 FROM person q WHERE q.request_id = p.request_id AND q.c1 = o.\(key)))"
            return "(\(builder.bind(name)), p.\(alias)::text, \(outside))"
        }.joined(separator: ", ")
        return """
            SELECT a.request_id, a.subject_column, a.value, bool_and(a.ambiguous) AS ambiguous FROM (\
            WITH person AS MATERIALIZED (\(person)) \
            SELECT g.request_id, g.subject_column, g.subject_value, false FROM (\(given)) g(request_id, subject_column, subject_value) \
            WHERE CASE g.subject_column \(readable) ELSE false END \
            UNION ALL SELECT p.request_id, x.subject_column, x.value, x.ambiguous FROM person p \
            CROSS JOIN LATERAL (VALUES \(values)) x(subject_column, value, ambiguous)\
            ) a(request_id, subject_column, value, ambiguous) \
            WHERE a.value IS NOT NULL AND a.value !~ '\(SubjectResolution.blank)' GROUP BY 1, 2, 3
            """
    }
}
