/// The rows of a completed statement, copied out of libpq's `PGresult` as text.
///
/// Values arrive in PostgreSQL's text format; `nil` is SQL NULL. The typed accessors throw
/// an `unexpectedResult` error when a value does not have the requested type.
public struct QueryResult: Sendable {
    public let columns: [String]
    public let rows: [[String?]]
    /// The number of rows a data-modifying statement affected (`PQcmdTuples`), else 0.
    public let affectedRows: Int

    public init(columns: [String], rows: [[String?]], affectedRows: Int) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }

    /// The only row of a result that must have exactly one (an aggregate, `SELECT` of
    /// expressions), checked rather than trusted.
    public func onlyRow() throws -> [String?] {
        guard rows.count == 1 else {
            throw PostgresError(kind: .unexpectedResult, message: "expected one row, got \(rows.count)")
        }
        return rows[0]
    }

    /// The single value of a one-row, one-column result.
    public func scalar() throws -> String? {
        guard rows.count == 1, columns.count == 1 else {
            throw PostgresError(kind: .unexpectedResult,
                                message: "expected one row and one column, got \(rows.count) rows and \(columns.count) columns")
        }
        return rows[0][0]
    }

    /// The single value of a one-row, one-column result, which must not be NULL.
    public func requiredScalar() throws -> String {
        guard let value = try scalar() else {
            throw PostgresError(kind: .unexpectedResult, message: "expected a value, got NULL")
        }
        return value
    }

    /// The single integer value of a one-row, one-column result.
    public func int64() throws -> Int64 {
        try QueryResult.parseInt64(requiredScalar())
    }

    static func parseInt64(_ text: String) throws -> Int64 {
        guard let value = Int64(text) else {
            throw PostgresError(kind: .unexpectedResult, message: "expected an integer, got \"\(text)\"")
        }
        return value
    }
}

/// Typed reads of one row's text values.
extension Array where Element == String? {
    /// The text at `index`; throws when it is NULL.
    public func text(_ index: Int) throws -> String {
        guard let value = self[index] else {
            throw PostgresError(kind: .unexpectedResult, message: "unexpected NULL in column \(index + 1)")
        }
        return value
    }

    /// The integer at `index`; throws when it is NULL or not an integer.
    public func int64(_ index: Int) throws -> Int64 {
        try QueryResult.parseInt64(text(index))
    }

    /// The boolean at `index` (`t` or `f`); throws when it is NULL or not a boolean.
    public func bool(_ index: Int) throws -> Bool {
        switch try text(index) {
        case "t": return true
        case "f": return false
        case let other:
            throw PostgresError(kind: .unexpectedResult, message: "expected a boolean, got \"\(other)\"")
        }
    }
}
