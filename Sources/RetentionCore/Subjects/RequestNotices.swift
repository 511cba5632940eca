import Postgres

/// `request notices`: for a done erasure request, the recipients of the policy's `processors` to
/// tell of the erasure (GDPR Art. 19), each with the categories in which rows were erased or
/// pseudonymised and that it receives. Names and categories only: never the identifier.
public struct RequestNotices: Sendable {
    public struct Notice: Sendable, Equatable {
        public var processor: String
        public var contact: String?
        public var categories: [String]
    }

    public var requestID: Int64
    public var notices: [Notice]

    /// The request is not done: there is nothing to tell yet (or, cancelled, nothing to tell).
    public struct NotDone: Error, CommandFailure, CustomStringConvertible {
        public let id: Int64
        public let status: RequestStatus
        public var exitCode: ExitCode { .usage }
        public var description: String {
            "erasure request \(id) is \(status.rawValue): recipients are told of a done request's erasures; see \"retention request plan \(id)\""
        }
    }

    /// The notices of done request `requestID` under `policy`'s processors.
    public static func build(requestID: Int64, policy: Policy, connection: Connection) throws -> RequestNotices {
        guard let request = try ErasureRequest.find(requestID, connection) else { throw RequestBook.RequestError.noSuchRequest(requestID) }
        guard request.status == .done else { throw NotDone(id: requestID, status: request.status) }
        let erased = try erasedCategories(requestID, connection)
        let notices = policy.processors.compactMap { processor -> Notice? in
            let categories = processor.categories.filter(erased.contains)
            return categories.isEmpty ? nil : Notice(processor: processor.name, contact: processor.contact, categories: categories)
        }
        return RequestNotices(requestID: requestID, notices: notices)
    }

    /// The categories in which the runs erased or pseudonymised rows of request `id`.
    static func erasedCategories(_ id: Int64, _ connection: Connection) throws -> Set<String> {
        var categories: Set<String> = []
        for row in try connection.execute(RegisterStatements.categories, [bigintArrayLiteral([id])]).rows
        where try row.int64(2) + row.int64(3) > 0 {
            categories.insert(try row.text(1))
        }
        return categories
    }

    public var json: JSONValue {
        .members([("request", .int(requestID)), ("notices", .array(notices.map { notice in
            .members([("processor", .string(notice.processor)), ("contact", .optionalString(notice.contact)),
                      ("categories", .array(notice.categories.map(JSONValue.string)))])
        }))])
    }

    /// One line per recipient to tell.
    public var lines: [String] {
        guard !notices.isEmpty else { return ["erasure request \(requestID): no recipient receives a category in which rows were erased"] }
        return notices.map { notice in
            "\(notice.processor)\(notice.contact.map { " <\($0)>" } ?? ""): \(notice.categories.joined(separator: ", "))"
        }
    }
}
