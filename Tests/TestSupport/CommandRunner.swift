import Foundation

/// Runs the built `retention` binary as a real process and captures what it prints.
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

public enum CommandRunner {
    /// Runs `retention` with `arguments` and waits for it.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        let process = try start(arguments, environment: environment)
        return process.wait()
    }

    /// Starts `retention` with `arguments` without waiting.
    public static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> RunningCommand {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repository.binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in ["DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER"] { env[key] = nil }
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return RunningCommand(process: process, out: out, err: err)
    }
}

/// A `retention` process started by `CommandRunner.start`.
public final class RunningCommand: @unchecked Sendable {
    public let process: Process
    private let out: Pipe
    private let err: Pipe
    private let outData = LockedData()
    private let errData = LockedData()
    private let group = DispatchGroup()

    init(process: Process, out: Pipe, err: Pipe) {
        self.process = process
        self.out = out
        self.err = err
        for (pipe, sink) in [(out, outData), (err, errData)] {
            group.enter()
            DispatchQueue.global().async { [group] in
                sink.set(pipe.fileHandleForReading.readDataToEndOfFile())
                group.leave()
            }
        }
    }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    public func wait() -> CommandResult {
        process.waitUntilExit()
        group.wait()
        return CommandResult(status: process.terminationStatus,
                             stdout: String(decoding: outData.get(), as: UTF8.self),
                             stderr: String(decoding: errData.get(), as: UTF8.self))
    }
}

private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.lock(); data = value; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}
