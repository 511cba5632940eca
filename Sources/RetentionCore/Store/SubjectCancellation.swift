/// The erasure ledger's line for a request withdrawn by `request cancel`: which of its targets had
/// erased rows by then. `replay` erases again only those targets of a cancelled request (a run
/// writes a request's entry before its first batch, so the entry alone would erase the person
/// whom nobody erased before the cancellation).
public struct SubjectCancellation: Sendable, Equatable {
    public var requestID: Int64
    /// The targets that had erased at least one row before the cancellation.
    public var erasedTargets: [String]
    public var recordedAt: String

    public init(requestID: Int64, erasedTargets: [String], recordedAt: String) {
        self.requestID = requestID
        self.erasedTargets = erasedTargets
        self.recordedAt = recordedAt
    }

    static let kind = "subject-cancellation"

    public var json: JSONValue {
        .members([
            ("kind", .string(Self.kind)), ("request", .int(requestID)),
            ("erasedTargets", .array(erasedTargets.map(JSONValue.string))), ("recordedAt", .string(recordedAt)),
        ])
    }

    init?(json value: JSONValue) {
        guard case let .string(kind)? = value["kind"], kind == Self.kind, case let .number(number)? = value["request"],
              let requestID = Int64(number), case let .string(recordedAt)? = value["recordedAt"],
              case let .array(targets)? = value["erasedTargets"] else { return nil }
        self.requestID = requestID
        erasedTargets = targets.compactMap { if case let .string(name) = $0 { name } else { nil } }
        self.recordedAt = recordedAt
    }
}
