import Foundation

/// Runs a `Deploy/pg-*.sh start DIR OWNER_PID` script, which starts servers for this test process
/// (stopped by the script's watchdog when the process ends), and reads the `NAME=VALUE` lines it
/// prints. Its output goes to a file, not a pipe: the servers it starts must not be able to keep
/// a pipe of this process open.
enum ServerScript {
    static func start(_ script: String, directory: String, environment: [String: String] = [:]) throws -> [String: String] {
        let output = directory + ".out"
        guard FileManager.default.createFile(atPath: output, contents: nil) else { throw FixtureError(message: "cannot create \(output)") }
        defer { try? FileManager.default.removeItem(atPath: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repository.root + "/Deploy/" + script)
        process.arguments = ["start", directory, String(getpid())]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw FixtureError(message: "Deploy/\(script) start failed (\(process.terminationStatus)): \(text)")
        }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        return values
    }
}
