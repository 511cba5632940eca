import Postgres

/// The values of the people of one or more requests, read by the engine before a statement that
/// cannot read them itself and passed to it as arrays (`SubjectTargets.readsValuesFirst`: on
/// Citus, where a statement that joined the coordinator's request tables with a shard's rows
/// would be planned in steps through the coordinator, or refused), as the holds in force are
/// for a rule's batches (`HoldsInForce`). Whether each value is ambiguous is judged when it is
/// read (`SubjectPeople.ambiguousAmong`), so each batch reads them anew; with them the tenants
/// under a legal hold on every rule, which such a statement cannot read either.
public struct PersonValues: Sendable, Equatable {
    public struct Value: Sendable, Equatable {
        public var requestID: Int64
        public var subjectColumn: String
        public var value: String
        public var ambiguous: Bool
    }

    public var values: [Value]
    /// The tenants (as text) under a legal hold on every rule, read with the values.
    public var heldTenants: [String] = []

    /// `SELECT request_id, subject_column, value, ambiguous` of the values, from the arrays.
    func sql(_ builder: inout SQLBuilder) -> String {
        """
        SELECT u.request_id, u.subject_column, u.value, u.ambiguous FROM unnest(\(builder.bind(bigintArrayLiteral(values.map(\.requestID))))::bigint[], \
        \(builder.bind(textArrayLiteral(values.map(\.subjectColumn))))::text[], \(builder.bind(textArrayLiteral(values.map(\.value))))::text[], \
        \(builder.bind("{" + values.map { $0.ambiguous ? "t" : "f" }.joined(separator: ",") + "}"))::boolean[]) AS u(request_id, subject_column, value, ambiguous)
        """
    }

    /// The stored values of requests `ids` (`retention.erasure_request_values`), judged now.
    static func stored(_ ids: [Int64], people: SubjectPeople, _ connection: Connection) throws -> PersonValues {
        guard !ids.isEmpty else { return try PersonValues(values: [], heldTenants: heldTenants(connection)) }
        let rows = try connection.execute(storedSQL, [bigintArrayLiteral(ids)]).rows
        return try judged(rows.map { Value(requestID: try $0.int64(0), subjectColumn: try $0.text(1), value: try $0.text(2), ambiguous: false) },
                          people: people, connection)
    }

    /// `$1` requests: their stored values.
    private static let storedSQL = """
        SELECT v.request_id, v.subject_column, v.value FROM retention.erasure_request_values v WHERE v.request_id = ANY($1::bigint[]) ORDER BY 1, 2, 3
        """

    /// The values `resolution` finds, judged now: whom it names is read first (the requests'
    /// rows, or the session's given value), then the person's subject rows by arrays.
    static func resolved(_ resolution: SubjectResolution, _ connection: Connection) throws -> PersonValues {
        let named: [(Int64, String, String)]
        switch resolution.named {
        case let .requests(ids):
            named = try connection.execute(namedRequestsSQL, [bigintArrayLiteral(ids)]).rows.map { (try $0.int64(0), try $0.text(1), try $0.text(2)) }
        case let .given(column):
            named = try connection.execute("SELECT g.value FROM \(GivenValue.table) g").rows.map { (0, column, try $0.text(0)) }
        }
        guard !named.isEmpty else { return try PersonValues(values: [], heldTenants: heldTenants(connection)) }
        var builder = SQLBuilder()
        let given = """
            SELECT g.request_id, g.subject_column, g.subject_value FROM unnest(\(builder.bind(bigintArrayLiteral(named.map(\.0))))::bigint[], \
            \(builder.bind(textArrayLiteral(named.map(\.1))))::text[], \(builder.bind(textArrayLiteral(named.map(\.2))))::text[]) AS g(request_id, subject_column, subject_value)
            """
        let sql = resolution.sql(&builder, given: given, judging: false)
        let rows = try connection.execute(sql, builder.parameters).rows
        return try judged(rows.map { Value(requestID: try $0.int64(0), subjectColumn: try $0.text(1), value: try $0.text(2), ambiguous: false) },
                          people: resolution.people, connection)
    }

    /// `$1` requests: those not resolved yet, each with its subject column and value.
    private static let namedRequestsSQL = """
        SELECT q.request_id, q.subject_column, q.subject_value FROM retention.erasure_requests q
        WHERE q.request_id = ANY($1::bigint[]) AND q.resolved_at IS NULL ORDER BY 1
        """

    /// The tenants under a legal hold on every rule now.
    static func heldTenants(_ connection: Connection) throws -> [String] {
        try connection.execute("SELECT h.tenant FROM retention.legal_holds h WHERE h.released_at IS NULL AND h.rule IS NULL ORDER BY 1").rows.map { try $0.text(0) }
    }

    /// `values`, each ambiguous when a subject row outside its person's holds it now, with the
    /// tenants held now.
    private static func judged(_ values: [Value], people: SubjectPeople, _ connection: Connection) throws -> PersonValues {
        var judged = try PersonValues(values: values, heldTenants: heldTenants(connection))
        guard !values.isEmpty, let query = people.ambiguousAmong(judged) else { return judged }
        for row in try connection.execute(query.sql, query.parameters).rows {
            judged.values[Int(try row.int64(0))].ambiguous = true
        }
        return judged
    }
}
