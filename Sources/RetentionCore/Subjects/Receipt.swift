import Postgres

/// `request receipt`: the answer for the person, from what the runs recorded: the request's
/// reference and dates, and per category what was erased, pseudonymised and kept (with basis
/// and until when). It never holds the identifier or any personal data: counts, category
/// names, bases and dates only.
public struct Receipt: Sendable {
    /// One target's share of a category.
    public struct Line: Sendable {
        public var target: String
        public var action: SubjectActionKind
        public var affected: Int64
        public var kept: Int64
        public var heldBack: Int64
        public var blocked: Int64
        public var basis: String?
        public var keptUntil: String?
    }

    public var requestID: Int64
    public var reference: String?
    public var status: RequestStatus
    public var receivedAt: String
    public var deadline: String
    public var extended: Bool
    public var completedAt: String?
    /// How the person's identity was verified, as filed.
    public var verification: Verification
    /// The recipients told of the erasure (`request receipt --policy`: its processors); nil when not asked.
    public var recipientsTold: [String]?
    public var generatedAt: String
    /// Category name and its lines, in the order the targets ran.
    public var categories: [(name: String, lines: [Line])]

    public static func build(requestID: Int64, connection: Connection) throws -> Receipt {
        guard let request = try ErasureRequest.find(requestID, connection) else { throw RequestBook.RequestError.noSuchRequest(requestID) }
        var categories: [(name: String, lines: [Line])] = []
        for row in try connection.execute(ReceiptStatements.latestTargets, [String(requestID)]).rows {
            guard let action = SubjectActionKind(rawValue: try row.text(2)) else { continue }
            let line = Line(target: try row.text(0), action: action, affected: try row.int64(3), kept: try row.int64(4),
                            heldBack: try row.int64(5), blocked: try row.int64(6), basis: row[7], keptUntil: row[8])
            let category = try row.text(1)
            if let index = categories.firstIndex(where: { $0.name == category }) {
                categories[index].lines.append(line)
            } else {
                categories.append((category, [line]))
            }
        }
        return Receipt(requestID: request.id, reference: request.reference, status: request.status, receivedAt: request.receivedAt,
                       deadline: request.deadline, extended: request.extended, completedAt: request.completedAt, verification: request.verification,
                       recipientsTold: nil, generatedAt: try connection.execute(RunStatements.now).requiredScalar(), categories: categories)
    }
}
