/// An error from libpq or from the server, with the server's diagnostic fields.
///
/// The description is safe to print, store and report: it names the connection target by host,
/// port and database only (never a password, a connection URL or a bound parameter value), and
/// for a server error it keeps the SQLSTATE, the objects the server named, and the server's
/// message only when the message's class names objects and never quotes a row's values.
/// `detail` and `hint` are never part of it: they may hold values of the row concerned.
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
    /// The message as libpq or the server wrote it; a server's may quote row values.
    public var message: String
    public var detail: String?
    public var hint: String?
    /// The objects the server named (`PG_DIAG_SCHEMA_NAME`, `TABLE_NAME`, `COLUMN_NAME`,
    /// `CONSTRAINT_NAME`).
    public var schema: String?
    public var table: String?
    public var column: String?
    public var constraint: String?
    /// Raised by code of the database's own (PL/pgSQL `RAISE`, another procedural language):
    /// its message is whatever that code wrote, rows' values included, whatever its SQLSTATE.
    public var raisedByUserCode = false

    public init(kind: Kind, sqlState: SQLState? = nil, message: String, detail: String? = nil, hint: String? = nil,
                schema: String? = nil, table: String? = nil, column: String? = nil, constraint: String? = nil,
                raisedByUserCode: Bool = false) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.schema = schema
        self.table = table
        self.column = column
        self.constraint = constraint
        self.raisedByUserCode = raisedByUserCode
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
        guard kind == .server else { return message + (sqlState.map { " (SQLSTATE \($0))" } ?? "") }
        let passesMessage = ServerMessage.namesObjectsOnly(sqlState) && !raisedByUserCode
        var text = passesMessage ? message : "the server refused the statement: \(raisedByUserCode ? ServerMessage.userCode : ServerMessage.className(sqlState))"
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        var objects: [String] = []
        if let table { objects.append("table \"\(schema.map { "\($0)." } ?? "")\(table)\"") }
        if let column { objects.append("column \"\(column)\"") }
        if let constraint { objects.append("constraint \"\(constraint)\"") }
        if !objects.isEmpty { text += " on " + objects.joined(separator: ", ") }
        return text
    }
}

/// What the classes of SQLSTATE say about the server's message text.
enum ServerMessage {
    /// Classes whose messages name objects, commands or settings and never quote a row's values:
    /// connection (08), feature (0A), transaction state (25), catalog and schema names (3D, 3F),
    /// integrity constraints (23: the values are in the detail), rollback (40), syntax and access
    /// (42), resources (53, 54), object state (55), operator intervention (57). Any other class,
    /// user-raised errors (P0) and data exceptions (22) above all, may quote values.
    static func namesObjectsOnly(_ state: SQLState?) -> Bool {
        guard let state else { return false }
        return ["08", "0A", "23", "25", "3D", "3F", "40", "42", "53", "54", "55", "57"].contains(state.errorClass)
    }

    /// What an error raised by the database's own code is called, whatever its SQLSTATE.
    static let userCode = "error raised by a function or trigger"

    /// Whether the server's source location says user code raised the error: PL/pgSQL's `RAISE`,
    /// or the error reporting of PL/Python, PL/Perl and PL/Tcl.
    static func isUserCode(sourceFunction: String?, sourceFile: String?) -> Bool {
        sourceFunction == "exec_stmt_raise" || ["plpy_elog.c", "plperl.c", "pltcl.c"].contains(sourceFile ?? "")
    }

    /// A plain name of the class, for a message that is not passed on.
    static func className(_ state: SQLState?) -> String {
        switch state?.errorClass {
        case "P0": return userCode
        case "22": return "data exception"
        case "XX": return "internal error"
        case "38": return "error in an external routine"
        case "39": return "error invoking an external routine"
        case "2F": return "error in an SQL function"
        case "21": return "cardinality violation"
        default: return "error"
        }
    }
}
