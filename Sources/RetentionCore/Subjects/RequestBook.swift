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
        case emptyValue(column: String)
        case nulInValue(column: String)
        case unknownSubjectColumn(String, columns: [String])
        case unreadableValue(column: String, typeName: String)
        case unknownCategory(String, categories: [String])
        case emptyReason
        case noSuchRequest(Int64)
        case notOpen(Int64, RequestStatus)
        case alreadyExtended(Int64)
        case extendedTooFar(Int64)
        case receivedInFuture(String)
        case duplicateReference(String, id: Int64)

        public var description: String {
            switch self {
            case let .noSubjects(policy): return "policy \"\(policy)\" has no \"subjects\" map; add one to file erasure requests"
            case let .malformedSubject(text): return "--subject \"\(text)\" must be NAME=VALUE, such as email=anna@example.com"
            case let .emptyValue(column): return "--subject \(column)= is empty or only whitespace, which names nobody; give the person's value"
            case let .nulInValue(column): return "--subject \(column)= contains a NUL character, which no column can hold"
            case let .unknownSubjectColumn(name, columns): return "--subject names column \"\(name)\", which is neither the subjects' key nor an identifier; use one of \(columns.joined(separator: ", "))"
            case let .unreadableValue(column, typeName): return "--subject value does not read back unchanged as \(typeName) (column \"\(column)\"): the column would cut, round or refuse it, so it names nobody for certain; check the value"
            case let .unknownCategory(name, categories): return "--category \"\(name)\" is not a category of the subjects' targets; use one of \(categories.map { "\"\($0)\"" }.joined(separator: ", "))"
            case .emptyReason: return "--reason must say why (a message from the person, a decision)"
            case let .noSuchRequest(id): return "there is no erasure request \(id); see \"retention request list --all\""
            case let .notOpen(id, status): return "erasure request \(id) is \(status.rawValue), not open"
            case let .alreadyExtended(id): return "erasure request \(id) was already extended; a deadline is extended once (GDPR Art. 12(3))"
            case let .extendedTooFar(id): return "erasure request \(id) cannot be extended: its deadline would be more than three months after receipt, which GDPR Art. 12(3) does not allow (the policy's deadline is already longer than one month)"
            case let .receivedInFuture(text): return "--received-at \"\(text)\" is in the future; give when the request was received"
            case let .duplicateReference(reference, id): return "--reference \"\(reference)\" was filed already, as erasure request \(id); a reference is filed once (see \"retention request list --all\")"
            }
        }
    }

    /// Checks the subject column (the key or an identifier), puts the value in the session's
    /// `GivenValue.table` (never in a statement or parameter) and checks that it reads back
    /// unchanged as the column's type: a value the column would cut or round names somebody else.
    public static func checkSubject(_ given: GivenValue, subjects: SubjectMap, subjectTable: TableInfo?, connection: Connection) throws {
        guard subjects.columns.contains(given.column) else { throw RequestError.unknownSubjectColumn(given.column, columns: subjects.columns) }
        try given.load(into: connection)
        guard let column = subjectTable?.column(given.column) else { return }
        var builder = SQLBuilder()
        let check = "SELECT \(LosslessRead.check("g.value", as: column, &builder)) FROM \(GivenValue.table) g"
        guard try connection.execute(check, builder.parameters).requiredScalar() == "t" else {
            throw RequestError.unreadableValue(column: given.column, typeName: column.typeName)
        }
    }

    /// Files a request and returns its id, and what the value reaches (`SubjectTargets.reach`).
    /// The deadline is `receivedAt` (default now) plus the policy's `deadline`, in the policy's
    /// time zone.
    public func add(subject: String, reference: String?, receivedAt: String?, categories: [String], verification: Verification = Verification(),
                    by person: String, policy: Policy) throws -> (id: Int64, subjectRows: Int64, findsSomebody: Bool) {
        guard let subjects = policy.subjects else { throw RequestError.noSubjects(policy: policy.name) }
        let given = try GivenValue(parsing: subject)
        for category in categories where !subjects.categories.contains(category) {
            throw RequestError.unknownCategory(category, categories: subjects.categories)
        }
        let targets = try SubjectTargets.load(policy: policy, schema: Schema.load(for: policy, connection: connection), connection: connection)
        try Self.checkSubject(given, subjects: subjects, subjectTable: targets.subjectTable, connection: connection)
        if let receivedAt, try connection.execute(RequestStatements.inFuture, [receivedAt]).requiredScalar() == "t" {
            throw RequestError.receivedInFuture(receivedAt)
        }
        let reach = try targets.reach(given, connection: connection)
        let id = try connection.transaction {
            try PolicyTime.enter(policy.timeZone, connection)
            if let reference {
                try connection.execute(RequestStatements.lockReferences)
                if let filed = try connection.execute(RequestStatements.filedReferences, [textArrayLiteral([reference])]).rows.first {
                    throw RequestError.duplicateReference(reference, id: try filed.int64(1))
                }
            }
            return try connection.execute(RequestStatements.add, [
                policy.name, reference, given.column, textArrayLiteral(categories), receivedAt, subjects.deadline.intervalText, person,
                policy.timeZone, verification.method, verification.evidence,
            ]).int64()
        }
        return (id, reach.subjectRows, reach.findsSomebody)
    }

    /// Extends open request `id` by two months, once; returns the new deadline.
    public func extend(id: Int64, reason: String, by person: String) throws -> String {
        guard !reason.trimmingWhitespace.isEmpty else { throw RequestError.emptyReason }
        let request = try open(id)
        guard !request.extended else { throw RequestError.alreadyExtended(id) }
        return try connection.transaction {
            try connection.execute(RequestStatements.enterTimeZone, [String(id)])
            guard try connection.execute(RequestStatements.mayExtend, [String(id)]).requiredScalar() == "t" else {
                throw RequestError.extendedTooFar(id)
            }
            return try connection.execute(RequestStatements.extend, [String(id), reason, person]).requiredScalar()
        }
    }

    /// Cancels open request `id`: its value is replaced by its HMAC under `key`. When `ledger`
    /// exists, the cancellation is written there first (flushed), with the targets that had
    /// erased rows by then, under the request's row lock: `replay` then erases no more of the
    /// person than was erased before the cancellation.
    public func cancel(id: Int64, reason: String, by person: String, key: PseudonymKey, ledger: ErasureLedger) throws {
        guard !reason.trimmingWhitespace.isEmpty else { throw RequestError.emptyReason }
        _ = try open(id)
        try HMACPads(key: key.bytes).load(into: connection)
        try connection.transaction {
            let erased = try connection.execute(RequestStatements.erasedTargets, [String(id)]).rows.map { try $0.text(0) }
            if ledger.exists {
                try ledger.append(cancellation: SubjectCancellation(requestID: id, erasedTargets: erased, recordedAt: Timestamps.now()))
            }
            try connection.execute(RequestStatements.close, [bigintArrayLiteral([id]), RequestStatus.cancelled.rawValue, reason, person])
        }
    }

    private func open(_ id: Int64) throws -> ErasureRequest {
        guard let request = try ErasureRequest.find(id, connection) else { throw RequestError.noSuchRequest(id) }
        guard request.status == .open else { throw RequestError.notOpen(id, request.status) }
        return request
    }
}
