/// An error from libpq or from the server, with the server's diagnostic fields.
///
/// The description names the connection target by host, port and database only: it never
/// contains a password, a connection URL or a bound parameter value.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// Where the error arose.
    public enum Kind: Sendable, Equatable {
        /// The connection could not be made or was lost.
        case connection
        /// The server rejected a statement; `sqlState` says why.
        case server
        /// The result did not have the shape the caller required.
        case unexpectedResult
    }

    public var kind: Kind
    public var sqlState: SQLState?
    public var message: String
    public var detail: String?
    public var hint: String?

    public init(kind: Kind, sqlState: SQLState? = nil, message: String, detail: String? = nil, hint: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
    }

    /// Whether retrying the same transaction later may succeed: deadlocks, serialization
    /// failures, lock timeouts, and lost connections.
    public var isTransient: Bool {
        if kind == .connection { return true }
        guard let sqlState else { return false }
        switch sqlState {
        case .serializationFailure, .deadlockDetected, .lockNotAvailable,
             .adminShutdown, .crashShutdown, .cannotConnectNow:
            return true
        default:
            return sqlState.errorClass == "08"
        }
    }

    /// Whether the connection that raised this error can no longer be used.
    public var isConnectionLost: Bool {
        kind == .connection || sqlState?.errorClass == "08"
            || sqlState == .adminShutdown || sqlState == .crashShutdown
    }

    public var description: String {
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        return text
    }
}
