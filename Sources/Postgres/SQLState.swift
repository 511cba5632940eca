/// A five-character SQLSTATE error code reported by the server.
///
/// Unknown codes are kept as they are; the named constants cover the codes the engine acts on.
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// The two-character class, such as `23` for integrity constraint violations.
    public var errorClass: String { String(rawValue.prefix(2)) }

    public var description: String { rawValue }

    // Class 22: data exception
    public static let invalidParameterValue = SQLState(rawValue: "22023")
    // Class 23: integrity constraint violation
    public static let foreignKeyViolation = SQLState(rawValue: "23503")
    public static let uniqueViolation = SQLState(rawValue: "23505")
    // Class 25: invalid transaction state
    public static let readOnlySQLTransaction = SQLState(rawValue: "25006")
    // Class 40: transaction rollback
    public static let serializationFailure = SQLState(rawValue: "40001")
    public static let deadlockDetected = SQLState(rawValue: "40P01")
    // Class 42: syntax error or access rule violation
    public static let insufficientPrivilege = SQLState(rawValue: "42501")
    // Class 55 / 57: object state, operator intervention
    public static let lockNotAvailable = SQLState(rawValue: "55P03")
    public static let queryCanceled = SQLState(rawValue: "57014")
    public static let adminShutdown = SQLState(rawValue: "57P01")
    public static let crashShutdown = SQLState(rawValue: "57P02")
    public static let cannotConnectNow = SQLState(rawValue: "57P03")
}
