import Postgres

/// Puts a transaction or a session in the policy's time zone, where the engine's date arithmetic
/// (a deadline a month after receipt, a financial year's end, a partition's bounds) is done.
/// The run's own sessions get it with their other settings (`RunStatements`).
enum PolicyTime {
    /// The current transaction only.
    static func enter(_ zone: String, _ connection: Connection) throws {
        try connection.execute("SELECT set_config('TimeZone', $1, true)", [zone])
    }

    /// The whole session, outside any transaction.
    static func enterSession(_ zone: String, _ connection: Connection) throws {
        try connection.execute("SELECT set_config('TimeZone', $1, false)", [zone])
    }
}
