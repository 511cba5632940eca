import Postgres

/// Puts the current transaction in the policy's time zone, where the engine's date arithmetic
/// (a deadline a month after receipt, a financial year's end) is done.
enum PolicyTime {
    static func enter(_ zone: String, _ connection: Connection) throws {
        try connection.execute("SELECT set_config('TimeZone', $1, true)", [zone])
    }
}
