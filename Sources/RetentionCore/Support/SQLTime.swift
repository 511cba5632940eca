/// How instants travel between the engine and PostgreSQL: ISO 8601 in UTC with microseconds,
/// and ` BC` after an instant before year 1, as PostgreSQL writes and reads it back. Nothing is
/// lost on the way: the text of an instant is the instant.
enum SQLTime {
    /// SQL that formats the timestamptz `expression` as `YYYY-MM-DDTHH:MM:SS.ffffffZ`, followed
    /// by ` BC` before year 1 (`to_char`'s era, with ` AD` left out).
    static func isoUTC(_ expression: String) -> String {
        "replace(to_char((\(expression)) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\" BC'), ' AD', '')"
    }
}
