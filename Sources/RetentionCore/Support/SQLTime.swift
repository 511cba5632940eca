/// How instants travel between the engine and PostgreSQL: ISO 8601 in UTC with microseconds.
enum SQLTime {
    /// SQL that formats the timestamptz `expression` as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    static func isoUTC(_ expression: String) -> String {
        "to_char((\(expression)) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    }
}
