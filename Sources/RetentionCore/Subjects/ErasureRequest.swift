import Postgres

/// Where a request stands (docs/subjects.md): `open` until nothing erasable is left, then `done`;
/// `cancelled` when withdrawn.
public enum RequestStatus: String, Sendable, CaseIterable {
    case open, done, cancelled
}

/// A data subject's erasure request as `retention.erasure_requests` holds it. It never carries
/// the value the person was named by: only the subject column's name.
public struct ErasureRequest: Sendable, Equatable {
    public var id: Int64
    public var policy: String
    public var reference: String?
    /// The subject column the request names the person by (`email`).
    public var subjectColumn: String
    /// `--category`: only the targets of these categories; empty for all.
    public var categories: [String]
    public var receivedAt: String
    public var deadline: String
    public var status: RequestStatus
    /// Why an open request is still open: rows held or blocked, as counts.
    public var openReason: String?
    public var extended: Bool
    public var completedAt: String?
    /// Whether the person's values were resolved (the request was processed at least once).
    public var resolved: Bool
    /// Whole days until the deadline (negative when past it), as of the reading.
    public var daysLeft: Int64
    public var overdue: Bool
    /// How the person was verified, as filed.
    public var verification: Verification

    init(row: [String?]) throws {
        id = try row.int64(0)
        policy = try row.text(1)
        reference = row[2]
        subjectColumn = try row.text(3)
        categories = try Catalog.names(row.text(4))
        receivedAt = try row.text(5)
        deadline = try row.text(6)
        guard let status = RequestStatus(rawValue: try row.text(7)) else {
            throw PostgresError(kind: .unexpectedResult, message: "unknown request status \"\(row[7] ?? "")\"")
        }
        self.status = status
        openReason = row[8]
        extended = try row.bool(9)
        completedAt = row[10]
        resolved = try row.bool(11)
        daysLeft = try row.int64(12)
        overdue = try row.bool(13)
        verification = Verification(method: row[14], evidence: row[15])
    }

    /// The request with `id`, or nil.
    public static func find(_ id: Int64, _ connection: Connection) throws -> ErasureRequest? {
        try connection.execute(RequestStatements.select + " WHERE q.request_id = $1::bigint", [String(id)]).rows.first.map(ErasureRequest.init)
    }

    /// Requests in the order received: open ones, every one (`all`), or open ones past their deadline.
    public static func list(all: Bool, overdue: Bool, _ connection: Connection) throws -> [ErasureRequest] {
        var conditions: [String] = []
        if !all || overdue { conditions.append("q.status = 'open'") }
        if overdue { conditions.append("q.deadline < now()") }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return try connection.execute(RequestStatements.select + filter + " ORDER BY q.request_id").rows.map(ErasureRequest.init)
    }

    /// Every request received, or completed, at or after `since` (every request without it), by id.
    public static func list(since: String?, _ connection: Connection) throws -> [ErasureRequest] {
        guard let since else { return try connection.execute(RequestStatements.select + " ORDER BY q.request_id").rows.map(ErasureRequest.init) }
        return try connection.execute(RequestStatements.select + " WHERE q.received_at >= $1::timestamptz OR q.completed_at >= $1::timestamptz ORDER BY q.request_id",
                                      [since]).rows.map(ErasureRequest.init)
    }

    public var json: JSONValue {
        .members([
            ("id", .int(id)), ("policy", .string(policy)), ("reference", .optionalString(reference)), ("status", .string(status.rawValue)),
            ("subjectColumn", .string(subjectColumn)), ("categories", .array(categories.map(JSONValue.string))),
            ("receivedAt", .string(receivedAt)), ("deadline", .string(deadline)), ("daysLeft", .int(daysLeft)), ("overdue", .bool(overdue)),
            ("extended", .bool(extended)), ("openReason", .optionalString(openReason)), ("completedAt", .optionalString(completedAt)),
            ("verifiedBy", .optionalString(verification.method)), ("evidence", .optionalString(verification.evidence)),
        ])
    }
}
