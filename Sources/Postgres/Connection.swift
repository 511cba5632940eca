import CLibPQ
import Foundation

/// One open libpq connection, closed exactly once when the value is released.
///
/// A connection is not thread-safe and is not `Sendable`: each worker opens its own.
/// Every statement goes through `execute`, which sends the values as `$n` parameters
/// in text format and turns the `PGresult` into rows or a thrown `PostgresError`.
public final class Connection {
    private let handle: OpaquePointer

    /// Opens a connection; `conninfo` is a libpq connection string or URL, or empty for
    /// libpq's `PG*` environment variables and service file. The corresponding C function
    /// is `PQconnectdb`.
    public init(conninfo: String) throws {
        guard let handle = PQconnectdb(conninfo) else {
            throw PostgresError(kind: .connection, message: "could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            // libpq gives no SQLSTATE for a failed connection; the kind says what happened.
            let message = Connection.redacting(conninfo, in: Connection.trimmed(PQerrorMessage(handle)))
            let target = Connection.target(of: handle)
            PQfinish(handle)
            throw PostgresError(kind: .connection, message: "could not connect to \(target): \(message)")
        }
        self.handle = handle
        // Server notices (NOTICE, WARNING) are not for stdout; the engine reports what matters itself.
        PQsetNoticeReceiver(handle, { _, _ in }, nil)
    }

    deinit { PQfinish(handle) }

    /// The server's target as database, host and port: safe to print, never a password.
    public var target: String { Connection.target(of: handle) }

    /// `database "x" on host "h" port p` (or `on socket "/dir"`) from `PQdb`, `PQhost`, `PQport`,
    /// which also answer for a connection that failed.
    private static func target(of handle: OpaquePointer) -> String {
        func text(_ value: UnsafeMutablePointer<CChar>?) -> String { value.map { String(cString: $0) } ?? "" }
        let host = text(PQhost(handle))
        return "database \"\(text(PQdb(handle)))\" on \(host.hasPrefix("/") ? "socket" : "host") \"\(host)\" port \(text(PQport(handle)))"
    }

    /// The server process serving this connection (`PQbackendPID`).
    public var backendPID: Int32 { PQbackendPID(handle) }

    /// Whether the connection is still usable (`PQstatus`).
    public var isOpen: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Runs one statement with its values as text parameters (`PQexecParams`).
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws -> QueryResult {
        for value in parameters where value?.utf8.contains(0) == true {
            throw PostgresError(kind: .unexpectedResult, message: "a parameter contains a NUL character, which PostgreSQL text cannot hold")
        }
        let result = withCStringArray(parameters) { values in
            PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        return try consume(result)
    }

    /// Runs a script of several statements without parameters (`PQexec`); returns the last result.
    @discardableResult
    public func executeScript(_ sql: String) throws -> QueryResult {
        try consume(PQexec(handle, sql))
    }

    /// Runs a `COPY … FROM STDIN` statement and sends `data` as its whole input (`PQexec`, then
    /// `PQputCopyData`, `PQputCopyEnd` and `PQgetResult` until it returns NULL). The server logs
    /// the statement but never the data, so this is how a secret reaches a session.
    public func copyIn(_ sql: String, data: [UInt8]) throws {
        guard let started = PQexec(handle, sql) else { throw lostConnectionError() }
        guard PQresultStatus(started) == PGRES_COPY_IN else {
            defer { PQclear(started) }
            if PQresultStatus(started) == PGRES_FATAL_ERROR { throw serverError(started) }
            throw PostgresError(kind: .unexpectedResult, message: "the statement given to copyIn is not COPY FROM STDIN")
        }
        PQclear(started)
        let sent = data.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
        }
        guard sent == 1, PQputCopyEnd(handle, nil) == 1 else { throw lostConnectionError() }
        var failure: PostgresError?
        while let result = PQgetResult(handle) {
            if failure == nil, PQresultStatus(result) != PGRES_COMMAND_OK { failure = serverError(result) }
            PQclear(result)
        }
        if let failure { throw failure }
    }

    /// Runs `body` in a transaction that commits when it returns and rolls back when it throws;
    /// `repeatableRead`: every statement of it sees the same snapshot.
    @discardableResult
    public func transaction<T>(readOnly: Bool = false, repeatableRead: Bool = false, _ body: () throws -> T) throws -> T {
        try execute("BEGIN" + (repeatableRead ? " ISOLATION LEVEL REPEATABLE READ" : "") + (readOnly ? " READ ONLY" : ""))
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            if isOpen { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Quotes an identifier with the server's encoding rules (`PQescapeIdentifier`).
    public func escapeIdentifier(_ name: String) throws -> String {
        guard let escaped = PQescapeIdentifier(handle, name, name.utf8.count) else {
            throw PostgresError(kind: .unexpectedResult, message: Connection.trimmed(PQerrorMessage(handle)))
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }

    /// Turns a `PGresult` into rows or an error, and frees it.
    private func consume(_ result: OpaquePointer?) throws -> QueryResult {
        guard let result else {
            throw lostConnectionError()
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return Connection.rows(of: result)
        default:
            throw serverError(result)
        }
    }

    private func lostConnectionError() -> PostgresError {
        PostgresError(kind: .connection, message: "connection lost: \(Connection.trimmed(PQerrorMessage(handle)))")
    }

    private func serverError(_ result: OpaquePointer) -> PostgresError {
        func field(_ code: Int32) -> String? {
            guard let value = PQresultErrorField(result, code) else { return nil }
            return String(cString: value)
        }
        let state = field(Int32(UInt8(ascii: "C"))).map(SQLState.init(rawValue:))
        let message = field(Int32(UInt8(ascii: "M"))) ?? Connection.trimmed(PQresultErrorMessage(result))
        let kind: PostgresError.Kind = (state == nil && !isOpen) ? .connection : .server
        return PostgresError(kind: kind, sqlState: state, message: message,
                             detail: field(Int32(UInt8(ascii: "D"))), hint: field(Int32(UInt8(ascii: "H"))),
                             schema: field(Int32(UInt8(ascii: "s"))), table: field(Int32(UInt8(ascii: "t"))),
                             column: field(Int32(UInt8(ascii: "c"))), constraint: field(Int32(UInt8(ascii: "n"))),
                             raisedByUserCode: ServerMessage.isUserCode(sourceFunction: field(Int32(UInt8(ascii: "R"))),
                                                                        sourceFile: field(Int32(UInt8(ascii: "F")))))
    }

    private static func rows(of result: OpaquePointer) -> QueryResult {
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        var rows: [[String?]] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            rows.append((0..<columnCount).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            })
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return QueryResult(columns: columns, rows: rows, affectedRows: affected)
    }

    /// `message` with the connection string's password (decoded and as written) replaced by
    /// `****`. A connection string libpq cannot parse is not quoted at all: its own error message
    /// may repeat a piece of it. The corresponding C function is `PQconninfoParse`.
    static func redacting(_ conninfo: String, in message: String) -> String {
        var parseError: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &parseError) else {
            if let parseError { PQfreemem(parseError) }
            return "invalid connection string or URL (not shown, as it may hold a password); check its syntax"
        }
        defer { PQconninfoFree(options) }
        var secrets: [String] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "password", let value = option.pointee.val { secrets.append(String(cString: value)) }
            option += 1
        }
        // The password as written in a URL, before percent-decoding.
        if let scheme = conninfo.range(of: "://"), let at = conninfo[scheme.upperBound...].firstIndex(of: "@"),
           let colon = conninfo[scheme.upperBound..<at].firstIndex(of: ":") {
            secrets.append(String(conninfo[conninfo.index(after: colon)..<at]))
        }
        var text = message
        for secret in secrets where !secret.isEmpty { text = text.replacingOccurrences(of: secret, with: "****") }
        return text
    }

    private static func trimmed(_ text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "unknown error" }
        var message = String(cString: text)
        while message.last?.isNewline == true || message.last == " " { message.removeLast() }
        return message
    }
}

/// Lends `strings` as a C array of NUL-terminated strings (NULL for nil) for the duration of `body`.
private func withCStringArray<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } ?? nil }
    defer { pointers.forEach { free($0) } }
    return body(pointers.map { $0.map { UnsafePointer($0) } })
}
