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
    /// The values read first and passed as arrays, each judged ambiguous when it was read
    /// (`SubjectTargets.readsValuesFirst`: on Citus).
    case listed(PersonValues)
    /// Only the HMACs of the texts to match, from the erasure ledger (`replay` after a restore):
    /// a row matches when the HMAC of its column's text is one of them. `heldTenants`: on Citus,
    /// the tenants held, read first (as `PersonValues.heldTenants`), else nil.
    case hashed([SubjectErasureEntry], heldTenants: [String]?)

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
            let values = Self.sql(stored: stored, resolving: resolving, people: people, &builder)
            // Read as another type than the subject column's (citext, char(n)), a value may equal
            // another person's that the subject column tells apart: judged in the target's type too.
            var ambiguous = "t.ambiguous"
            if let source, source.typeName != column.typeName {
                ambiguous += " OR " + people.heldOutside(typed: "t.value", as: column, subjectColumn: source, request: "t.request_id", keys: "w", &builder)
            }
            return "WITH w AS MATERIALIZED (\(values)) " + Self.typed(match, from: "w", as: column, source: source, ambiguous: ambiguous, &builder)
        case let .listed(listed):
            // Only where the target's column has the subject column's type (`SubjectSchemaCheck`):
            // the values were judged in it.
            return Self.typed(match, from: "(\(listed.sql(&builder))) w", as: column, source: source, ambiguous: "t.ambiguous", &builder)
        case let .hashed(entries, _):
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

    /// `typed` of the values `w` in `from`: each request's values of the match's subject column
    /// read as `column`'s type, ambiguous when every text that equals it is, then by `ambiguous`
    /// (over `t`).
    private static func typed(_ match: SubjectMatch, from: String, as column: ColumnInfo, source: ColumnInfo?, ambiguous: String,
                              _ builder: inout SQLBuilder) -> String {
        let name = builder.bind(match.subjectColumn)
        let value = LosslessRead.sql("w.value", as: column, from: source, &builder)
        return """
            SELECT t.request_id, t.value, \(ambiguous) AS ambiguous FROM (SELECT w.request_id, \(value) AS value, bool_and(w.ambiguous) AS ambiguous \
            FROM \(from) WHERE w.subject_column = \(name) GROUP BY 1, 2) t WHERE t.value IS NOT NULL
            """
    }

    /// The tenants held as read first (on Citus), or nil: statements read the holds.
    var heldTenants: [String]? {
        switch self {
        case let .listed(listed): return listed.heldTenants
        case let .hashed(_, heldTenants): return heldTenants
        case .requests: return nil
        }
    }

    /// The join condition of a row's `column` with `m.value`, one of `typed`'s.
    func matches(_ column: String) -> String {
        switch self {
        case .requests, .listed: return "\(column) = m.value"
        case .hashed: return "\(HMACPads.sql(message: "convert_to(\(column)::text, 'UTF8')")) = m.value"
        }
    }
}
