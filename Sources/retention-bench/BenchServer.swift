import Foundation
import Postgres

/// Creates and drops the benchmark's databases on the server of `adminURL`.
struct BenchServer {
    let adminURL: String

    /// The URL of `database` on the server (or on the same host at `port`, a Citus worker).
    func url(_ database: String, port: String? = nil) -> String {
        guard var components = URLComponents(string: adminURL) else { fail("--database-url must be a postgresql:// URL") }
        components.path = "/" + database
        if let port { components.port = Int(port) }
        return components.string ?? adminURL
    }

    private func admin() throws -> Connection { try Connection(conninfo: url("postgres")) }

    func recreate(_ database: String, template: String? = nil, _ fill: (Connection) throws -> Void = { _ in }) throws {
        let admin = try admin()
        try admin.execute("DROP DATABASE IF EXISTS \(Identifier.quote(database)) WITH (FORCE)")
        if let template {
            try admin.execute("CREATE DATABASE \(Identifier.quote(database)) TEMPLATE \(Identifier.quote(template)) STRATEGY FILE_COPY")
        } else {
            try admin.execute("CREATE DATABASE \(Identifier.quote(database))")
        }
        try fill(try Connection(conninfo: url(database)))
    }

    func drop(_ database: String) {
        _ = try? admin().execute("DROP DATABASE IF EXISTS \(Identifier.quote(database)) WITH (FORCE)")
    }

    /// Drops `database` here and on the workers at `workerPorts` of the same host.
    func dropEverywhere(_ database: String, workerPorts: [String]) {
        drop(database)
        for port in workerPorts {
            _ = try? Connection(conninfo: url("postgres", port: port)).execute("DROP DATABASE IF EXISTS \(Identifier.quote(database)) WITH (FORCE)")
        }
    }

    /// The single integer `sql` returns in `database`.
    func count(_ database: String, _ sql: String, _ parameters: [String?]) throws -> Int64 {
        try Connection(conninfo: url(database)).execute(sql, parameters).int64()
    }

    /// The `asOf` that leaves rows 1...due before the cutoff, in ISO 8601: row `g` is at
    /// `start + g * step` seconds.
    func asOf(_ database: String, due: Int, step: Double = Double(BenchData.stepSeconds)) throws -> String {
        try Connection(conninfo: url(database)).execute("""
            SELECT to_char((timestamptz '\(BenchData.start)' + $1::int * $2::float8 * interval '1 second') AT TIME ZONE 'UTC',
                           'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
            """, [String(due + 1), String(step)]).requiredScalar()
    }

    /// A fresh copy of `template`, read once into the cache and checkpointed, so every method
    /// starts from the same warm state.
    func warmCopy(of template: String, named name: String) throws -> Connection {
        try recreate(name, template: template)
        let connection = try Connection(conninfo: url(name))
        for statement in ["SET enable_seqscan = off", "SELECT count(created_at) FROM events WHERE created_at > '-infinity'",
                          "RESET enable_seqscan", "SELECT count(*) FROM events", "CHECKPOINT"] {
            try connection.execute(statement)
        }
        return connection
    }
}

/// The process's peak resident memory, from `/proc/self/status`.
enum PeakMemory {
    static func mebibytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kibibytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kibibytes / 1024
    }

    /// The largest peak resident memory of the child processes that ended (`retention run`).
    static func childrenMebibytes() -> Double {
        var usage = rusage()
        guard getrusage(RUSAGE_CHILDREN.rawValue, &usage) == 0 else { return 0 }
        return Double(usage.ru_maxrss) / 1024
    }
}
