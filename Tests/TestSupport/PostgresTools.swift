import Foundation

/// Runs a PostgreSQL client program (psql, pg_dump, pg_restore) of the test server's own version:
/// from its binaries (`PGTHROWAWAY_BINDIR`, which `Deploy/test.sh` exports), else the newest installed.
public enum PostgresTools {
    public static func run(_ name: String, _ arguments: [String]) throws -> Int32 {
        try TestProcess.run(binDirectory + "/" + name, arguments).status
    }

    static var binDirectory: String {
        if let directory = ProcessInfo.processInfo.environment["PGTHROWAWAY_BINDIR"], !directory.isEmpty { return directory }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        let newest = versions.compactMap(Int.init).max().map(String.init) ?? "15"
        return "/usr/lib/postgresql/\(newest)/bin"
    }

    /// Runs a SQL file with psql, stopping at the first error.
    public static func psqlFile(_ url: String, _ path: String, variables: [String: String] = [:]) throws -> Int32 {
        try run("psql", [url, "-q", "-v", "ON_ERROR_STOP=1"] + variables.flatMap { ["-v", "\($0.key)=\($0.value)"] } + ["-f", path])
    }
}
