import Postgres

/// The value a person is named by (`--subject NAME=VALUE`), on its way to the server. It travels
/// the way the HMAC pads do: through `COPY` into the session's temporary table, whose data the
/// server never logs, so no statement text or bind parameter carries it (`log_statement = 'all'`
/// shows nothing of it). Statements read it from `GivenValue.table` (on Citus, an extract reads
/// it back first and passes it as an array: `PersonValues.resolved`).
public struct GivenValue: Sendable {
    public let column: String
    public let value: String

    /// Splits `NAME=VALUE` at the first `=` and refuses a value that can name nobody.
    public init(parsing text: String) throws {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw RequestBook.RequestError.malformedSubject(text)
        }
        column = String(text[..<equals])
        value = String(text[text.index(after: equals)...])
        guard !value.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) else { throw RequestBook.RequestError.emptyValue(column: column) }
        guard !value.unicodeScalars.contains("\u{0}") else { throw RequestBook.RequestError.nulInValue(column: column) }
    }

    /// The session's temporary table of the value: one row, `value`.
    static let table = "pg_temp.retention_given_value"

    /// Puts the value in the session's temporary table (replacing one put there before).
    public func load(into connection: Connection) throws {
        try connection.execute("CREATE TEMPORARY TABLE IF NOT EXISTS \(Self.table) (value text NOT NULL)")
        try connection.execute("TRUNCATE \(Self.table)")
        try connection.copyIn("COPY \(Self.table) (value) FROM STDIN", data: Array(Self.copyText(value).utf8))
    }

    /// The value as one line of `COPY`'s text format.
    static func copyText(_ value: String) -> String {
        var line = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": line += "\\\\"
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            default: line.unicodeScalars.append(character)
            }
        }
        return line + "\n"
    }
}
