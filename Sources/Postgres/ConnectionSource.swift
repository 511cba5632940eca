import Foundation

/// Where a command's database connection comes from: `--database-url`, else `DATABASE_URL`,
/// else libpq's own `PG*` variables and service file.
public struct ConnectionSource: Sendable {
    /// The libpq connection string or URL handed to `PQconnectdb`. Never printed.
    public let conninfo: String

    public init(conninfo: String) { self.conninfo = conninfo }

    /// Resolves the source from an explicit URL and the environment.
    public static func resolve(databaseURL: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> ConnectionSource {
        if let databaseURL { return ConnectionSource(conninfo: databaseURL) }
        if let url = environment["DATABASE_URL"], !url.isEmpty { return ConnectionSource(conninfo: url) }
        return ConnectionSource(conninfo: "")
    }

    /// Whether any connection is configured at all: an explicit URL, `DATABASE_URL`,
    /// or one of libpq's `PG*` variables.
    public static func isConfigured(databaseURL: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        if databaseURL != nil { return true }
        let libpqVariables = ["DATABASE_URL", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE", "PGSERVICEFILE"]
        return libpqVariables.contains { environment[$0]?.isEmpty == false }
    }

    /// Opens a new connection with the engine's session settings applied: its application name,
    /// and dates read and written in ISO order whatever `PGDATESTYLE` or the database say, so that
    /// a value filed by one command reads as the same date in every later one.
    public func connect(applicationName: String = "retention") throws -> Connection {
        let connection = try Connection(conninfo: conninfo)
        try connection.execute("SELECT set_config('application_name', $1, false), set_config('DateStyle', 'ISO, YMD', false), set_config('IntervalStyle', 'postgres', false)",
                               [applicationName])
        return connection
    }
}
