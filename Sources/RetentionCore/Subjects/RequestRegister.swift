import Postgres

/// `request export`: the register of erasure requests for a DSR platform or an auditor: each
/// request's reference, dates, status and verification, and per category what was erased,
/// pseudonymised, kept and found only through ambiguous values, from what the runs recorded.
/// Never the identifier: a request's value is not read.
public struct RequestRegister: Sendable {
    /// One category of one request.
    public struct Category: Sendable, Equatable {
        public var name: String
        public var erased: Int64 = 0
        public var pseudonymised: Int64 = 0
        public var kept: Int64 = 0
        public var ambiguous: Int64 = 0
    }

    public struct Entry: Sendable {
        public var request: ErasureRequest
        public var categories: [Category]
    }

    public var entries: [Entry]

    /// Every request received, or completed, at or after `since` (all without it), by id.
    public static func read(since: String?, _ connection: Connection) throws -> RequestRegister {
        let requests = try ErasureRequest.list(since: since, connection)
        var categories: [Int64: [Category]] = [:]
        let ids = bigintArrayLiteral(requests.map(\.id))
        for row in try connection.execute(RegisterStatements.categories, [ids]).rows {
            let category = Category(name: try row.text(1), erased: try row.int64(2), pseudonymised: try row.int64(3), kept: try row.int64(4),
                                    ambiguous: try row.int64(5))
            categories[try row.int64(0), default: []].append(category)
        }
        return RequestRegister(entries: requests.map { Entry(request: $0, categories: categories[$0.id] ?? []) })
    }

    /// One JSON object per request and line.
    public var jsonLines: String {
        entries.map { entry in
            let request = entry.request
            let object = JSONValue.members([
                ("id", .int(request.id)), ("policy", .string(request.policy)), ("reference", .optionalString(request.reference)),
                ("receivedAt", .string(request.receivedAt)), ("deadline", .string(request.deadline)), ("extended", .bool(request.extended)),
                ("status", .string(request.status.rawValue)), ("completedAt", .optionalString(request.completedAt)),
                ("verifiedBy", .optionalString(request.verification.method)), ("evidence", .optionalString(request.verification.evidence)),
                ("categories", .array(entry.categories.map { category in
                    .members([("name", .string(category.name)), ("erased", .int(category.erased)), ("pseudonymised", .int(category.pseudonymised)),
                              ("kept", .int(category.kept)), ("ambiguous", .int(category.ambiguous))])
                })),
            ])
            return JSONWriter.write(object, pretty: false) + "\n"
        }.joined()
    }

    static let csvHeader = ["id", "policy", "reference", "received_at", "deadline", "extended", "status", "completed_at", "verified_by", "evidence",
                            "category", "erased", "pseudonymised", "kept", "ambiguous"]

    /// CSV with a header row: one row per request and category (a request no run has answered
    /// yet has one row with the category fields empty).
    public var csv: String {
        var lines = [Self.csvHeader.joined(separator: ",")]
        for entry in entries {
            let request = entry.request
            let common = [String(request.id), request.policy, request.reference ?? "", request.receivedAt, request.deadline, String(request.extended),
                          request.status.rawValue, request.completedAt ?? "", request.verification.method ?? "", request.verification.evidence ?? ""]
            let categories = entry.categories.map { [$0.name, String($0.erased), String($0.pseudonymised), String($0.kept), String($0.ambiguous)] }
            for category in categories.isEmpty ? [["", "", "", "", ""]] : categories {
                lines.append((common + category).map(Self.csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180); a field
    /// that a spreadsheet would read as a formula (`=`, `+`, `-`, `@` first) gets a leading `'`.
    static func csvField(_ text: String) -> String {
        var field = text
        if let first = field.first, "=+-@".contains(first), Int64(field) == nil { field = "'" + field }
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// The SQL of the register.
enum RegisterStatements {
    /// `$1` requests (a bigint[] literal): request, category, and what its targets erased,
    /// pseudonymised, kept and found only through ambiguous values, each target by its latest
    /// recorded outcome (erased and pseudonymised: every run's batches).
    static let categories = """
        SELECT t.request_id, t.category,
               coalesce(sum(b.affected) FILTER (WHERE t.action = 'delete'), 0)::bigint,
               coalesce(sum(b.affected) FILTER (WHERE t.action = 'pseudonymise'), 0)::bigint,
               coalesce(sum(t.kept), 0)::bigint, coalesce(sum(t.ambiguous), 0)::bigint
        FROM (SELECT DISTINCT ON (request_id, target) * FROM retention.request_target_results WHERE request_id = ANY($1::bigint[])
              ORDER BY request_id, target, recorded_at DESC) t
        LEFT JOIN LATERAL (SELECT sum(r.affected) AS affected FROM retention.request_batch_results r
                           WHERE r.request_id = t.request_id AND r.target = t.target) b ON true
        GROUP BY t.request_id, t.category
        ORDER BY t.request_id, min(t.recorded_at), t.category
        """
}
