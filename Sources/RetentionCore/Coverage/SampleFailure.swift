import Postgres

/// Why a table could not be sampled. Such a table is a finding of its own: its columns were
/// judged without their values.
public enum SampleFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The role may not read the table.
    case permissionDenied
    /// Another session (a migration) held a lock on the table longer than the sample waits.
    case lockTimeout
    /// The sample took longer than its statement timeout.
    case statementTimeout
    /// Any other error, by its SQLSTATE (never its message, which might quote a value).
    case failed(sqlState: String)

    /// The failure the server reported with `state`.
    init(_ state: SQLState) {
        switch state {
        case .insufficientPrivilege: self = .permissionDenied
        case .lockNotAvailable: self = .lockTimeout
        case .queryCanceled: self = .statementTimeout
        default: self = .failed(sqlState: state.rawValue)
        }
    }

    public var description: String {
        switch self {
        case .permissionDenied: return "permission denied"
        case .lockTimeout: return "lock timeout"
        case .statementTimeout: return "statement timeout"
        case let .failed(state): return "error (SQLSTATE \(state))"
        }
    }
}
