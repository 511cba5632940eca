import Postgres

/// Files, extends and cancels erasure requests in the `retention` schema. Every change is
/// recorded in `retention.erasure_request_events` with who and when, like legal holds.
public struct RequestBook {
    public let connection: Connection

    public init(connection: Connection) { self.connection = connection }

    /// Why a request could not be filed or changed; nothing was changed.
    public enum RequestError: Error, Sendable, CustomStringConvertible {
        case noSubjects(policy: String)
        case malformedSubject(String)
        case unknownSubjectColumn(String, columns: [String])
        case unreadableValue(column: String, typeName: String)
        case unknownCategory(String, categories: [String])
        case emptyReason
        case noSuchRequest(Int64)
        case notOpen(Int64, RequestStatus)
        case alreadyExtended(Int64)

        public var description: String {
            switch self {
            case let .noSubjects(policy): return "policy \"\(policy)\" has no \"subjects\" map; add one to file erasure requests"
            case let .malformedSubject(text): return "--subject \"\(text)\" must be NAME=VALUE, such as email=anna@example.com"
            case let .unknownSubjectColumn(name, columns): return "--subject names column \"\(name)\", which is neither the subjects' key nor an identifier; use one of \(columns.joined(separator: ", "))"
            case let .unreadableValue(column, typeName): return "--subject value is not a valid \(typeName) for column \"\(column)\""
            case let .unknownCategory(name, categories): return "--category \"\(name)\" is not a category of the subjects' targets; use one of \(categories.map { "\"\($0)\"" }.joined(separator: ", "))"
            case .emptyReason: return "--reason must say why (a message from the person, a decision)"
            case let .noSuchRequest(id): return "there is no erasure request \(id); see \"retention request list --all\""
            case let .notOpen(id, status): return "erasure request \(id) is \(status.rawValue), not open"
            case let .alreadyExtended(id): return "erasure request \(id) was already extended; a deadline is extended once (GDPR Art. 12(3))"
            }
        }
    }

    /// Splits `NAME=VALUE` at the first `=`.
    public static func subject(_ text: String) throws -> (column: String, value: String) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex, text.index(after: equals) != text.endIndex else {
            throw RequestError.malformedSubject(text)
        }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }

    /// Checks the subject column (the key or an identifier) and that the value reads as its type.
    public static func checkSubject(_ column: String, value: String, subjects: SubjectMap, connection: Connection) throws {
        guard subjects.columns.contains(column) else { throw RequestError.unknownSubjectColumn(column, columns: subjects.columns) }
        let typeName = try Catalog(connection: connection).table(subjects.table)?.column(column)?.typeName ?? "text"
        do {
            _ = try connection.execute(RequestStatements.readsAs(typeName), [value])
        } catch let error as PostgresError where error.sqlState?.errorClass == "22" {
            throw RequestError.unreadableValue(column: column, typeName: typeName)
        }
    }

    /// Files a request and returns its id. The deadline is `receivedAt` (default now) plus the
    /// policy's `deadline`, in the policy's time zone.
    public func add(subject: String, reference: String?, receivedAt: String?, categories: [String], by person: String,
                    policy: Policy) throws -> Int64 {
        guard let subjects = policy.subjects else { throw RequestError.noSubjects(policy: policy.name) }
        let (column, value) = try Self.subject(subject)
        try Self.checkSubject(column, value: value, subjects: subjects, connection: connection)
        for category in categories where !subjects.categories.contains(category) {
            throw RequestError.unknownCategory(category, categories: subjects.categories)
        }
        return try connection.transaction {
            try connection.execute("SELECT set_config('TimeZone', $1, true)", [policy.timeZone])
            return try connection.execute(RequestStatements.add, [
                policy.name, reference, column, value, textArrayLiteral(categories), receivedAt, subjects.deadline.intervalText, person,
            ]).int64()
        }
    }

    /// Extends open request `id` by two months, once; returns the new deadline.
    public func extend(id: Int64, reason: String, by person: String) throws -> String {
        guard !reason.trimmingWhitespace.isEmpty else { throw RequestError.emptyReason }
        let request = try open(id)
        guard !request.extended else { throw RequestError.alreadyExtended(id) }
        return try connection.transaction {
            try connection.execute("SELECT set_config('TimeZone', 'UTC', true)")
            return try connection.execute(RequestStatements.extend, [String(id), reason, person]).requiredScalar()
        }
    }

    /// Cancels open request `id`: its value is replaced by its HMAC under `key`.
    public func cancel(id: Int64, reason: String, by person: String, key: PseudonymKey) throws {
        guard !reason.trimmingWhitespace.isEmpty else { throw RequestError.emptyReason }
        _ = try open(id)
        try HMACPads(key: key.bytes).load(into: connection)
        try connection.execute(RequestStatements.close, [bigintArrayLiteral([id]), RequestStatus.cancelled.rawValue, reason, person])
    }

    private func open(_ id: Int64) throws -> ErasureRequest {
        guard let request = try ErasureRequest.find(id, connection) else { throw RequestError.noSuchRequest(id) }
        guard request.status == .open else { throw RequestError.notOpen(id, request.status) }
        return request
    }
}
