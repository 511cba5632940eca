/// One erasure request's line in the erasure ledger: the request id, the targets it erases, the
/// HMAC-SHA256 (under the pseudonym key) of each of the person's values and of each text the run
/// found in a target's match column, and the key's fingerprint; never the values: `replay` finds
/// the person's restored rows by computing the same HMAC over them.
public struct SubjectErasureEntry: Sendable, Equatable {
    /// The HMAC of one of the person's values of a subject column.
    public struct ValueHash: Sendable, Equatable {
        public var subjectColumn: String
        public var hmac: String
    }

    /// The HMAC of a text found in a target's match column: the run compares in the column's type
    /// (`citext` ignores case), so the rows it erased may hold other texts than the values.
    public struct MatchedHash: Sendable, Equatable {
        public var target: String
        public var column: String
        public var hmac: String
    }

    public var requestID: Int64
    public var policy: String
    /// The targets the request deletes or pseudonymises in.
    public var targets: [String]
    public var values: [ValueHash]
    public var matched: [MatchedHash]
    /// `PseudonymKey.fingerprint` of the key the HMACs were made with.
    public var keyFingerprint: String?
    public var runID: String
    /// When the entry was written (ISO 8601, UTC), before the request's first batch.
    public var recordedAt: String

    /// The HMACs `replay` compares `match`'s column of `target` with.
    func hashes(of match: SubjectMatch, target: String) -> [String] {
        values.filter { $0.subjectColumn == match.subjectColumn }.map(\.hmac)
            + matched.filter { $0.target == target && $0.column == match.column }.map(\.hmac)
    }

    public var json: JSONValue {
        .members([
            ("kind", .string(Self.kind)), ("request", .int(requestID)), ("policy", .string(policy)),
            ("targets", .array(targets.map(JSONValue.string))),
            ("values", .array(values.map { .members([("subjectColumn", .string($0.subjectColumn)), ("hmac", .string($0.hmac))]) })),
            ("matched", .array(matched.map { .members([("target", .string($0.target)), ("column", .string($0.column)), ("hmac", .string($0.hmac))]) })),
            ("keyFingerprint", .optionalString(keyFingerprint)),
            ("runId", .string(runID)), ("recordedAt", .string(recordedAt)),
        ])
    }

    /// The `kind` that tells these lines from the tenant erasures' (which have none).
    static let kind = "subject-erasure"

    init?(json value: JSONValue) {
        func text(_ key: String) -> String? { if case let .string(text)? = value[key] { text } else { nil } }
        guard text("kind") == Self.kind, case let .number(number)? = value["request"], let requestID = Int64(number),
              let policy = text("policy"), let runID = text("runId"), let recordedAt = text("recordedAt"),
              case let .array(targets)? = value["targets"], case let .array(values)? = value["values"] else { return nil }
        self.requestID = requestID
        self.policy = policy
        self.targets = targets.compactMap { if case let .string(name) = $0 { name } else { nil } }
        self.values = values.compactMap { element in
            guard case let .string(column)? = element["subjectColumn"], case let .string(hmac)? = element["hmac"] else { return nil }
            return ValueHash(subjectColumn: column, hmac: hmac)
        }
        var matched: [MatchedHash] = []
        if case let .array(elements)? = value["matched"] {
            matched = elements.compactMap { element in
                guard case let .string(target)? = element["target"], case let .string(column)? = element["column"],
                      case let .string(hmac)? = element["hmac"] else { return nil }
                return MatchedHash(target: target, column: column, hmac: hmac)
            }
        }
        self.matched = matched
        keyFingerprint = text("keyFingerprint")
        self.runID = runID
        self.recordedAt = recordedAt
    }

    public init(requestID: Int64, policy: String, targets: [String], values: [ValueHash], matched: [MatchedHash] = [],
                keyFingerprint: String? = nil, runID: String, recordedAt: String) {
        self.requestID = requestID
        self.policy = policy
        self.targets = targets
        self.values = values
        self.matched = matched
        self.keyFingerprint = keyFingerprint
        self.runID = runID
        self.recordedAt = recordedAt
    }
}
