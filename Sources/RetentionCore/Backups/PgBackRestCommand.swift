import Foundation

/// Runs `pgbackrest` for one repository: a fixed argument list (never a shell), as the user the
/// repository belongs to, within a time limit. Its exit code and stderr become the error.
///
/// The user: pgBackRest's files must stay its owner's (the unit runs as `postgres`, which
/// owns them on Debian). When retention runs as that owner, `pgbackrest` runs directly; when it
/// runs as root, through `runuser -u OWNER` (util-linux, always installed on Debian, for root
/// only, no password; `sudo` is often absent). Any other user is refused: files it wrote would
/// break the owner's `archive-push` and backups.
struct PgBackRestCommand {
    let spec: PgBackRestSpec
    /// The configuration file, `--config` of every call.
    let config: String
    /// The longest one `pgbackrest` call may take before it is stopped.
    static let timeLimit: Double = 600
    let executable: String
    /// The user to become (`runuser -u`), nil to run as the current user.
    let runAs: String?

    struct Failure: Error, Sendable, CustomStringConvertible {
        let description: String
        /// pgbackrest's exit code, when it ran and exited.
        var exitCode: Int32? = nil
    }

    init(spec: PgBackRestSpec) throws {
        self.spec = spec
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard let found = (path.split(separator: ":").map(String.init) + ["/usr/bin"])
            .map({ $0 + "/pgbackrest" }).first(where: { access($0, X_OK) == 0 }) else {
            throw Failure(description: "pgbackrest is not installed (not found on PATH); install it (Debian: apt-get install pgbackrest)")
        }
        executable = found
        config = spec.configFile
        guard access(config, R_OK) == 0 else {
            throw Failure(description: "cannot read pgBackRest's configuration \(config): \(String(cString: strerror(errno))); name it in the rule's pgbackrest.config")
        }
        runAs = try Self.user(for: spec, config: config)
    }

    /// Whom `pgbackrest` runs as: the owner of the repository's path (`repoN-path`, default
    /// `/var/lib/pgbackrest`) when that is not the current user.
    private static func user(for spec: PgBackRestSpec, config: String) throws -> String? {
        let settings = PgBackRestConfig(path: config, stanza: spec.stanza)
        let type = settings.value("repo\(spec.repo)-type") ?? "posix"
        let current = geteuid()
        guard type == "posix" || type == "cifs" else {
            if current == 0 {
                throw Failure(description: "repository \(spec.repo) is of type \(type), which has no local owner: run retention as the user that runs pgBackRest, not as root")
            }
            return nil
        }
        let repository = settings.value("repo\(spec.repo)-path") ?? "/var/lib/pgbackrest"
        var status = stat()
        guard stat(repository, &status) == 0 else {
            throw Failure(description: "cannot read repository \(spec.repo)'s path \(repository) (repo\(spec.repo)-path in \(config)): \(String(cString: strerror(errno)))")
        }
        if status.st_uid == current { return nil }
        let owner = getpwuid(status.st_uid).map { String(cString: $0.pointee.pw_name) } ?? String(status.st_uid)
        guard current == 0 else {
            let me = getpwuid(current).map { String(cString: $0.pointee.pw_name) } ?? String(current)
            throw Failure(description: "the pgBackRest repository \(repository) belongs to \(owner), but retention runs as \(me): run it as \(owner) (the unit's User=) or as root")
        }
        return owner
    }

    /// pgBackRest's exit code when another of its processes holds the stanza's lock (a backup
    /// under way, or an expire a killed run left running).
    static let lockHeld: Int32 = 50

    /// Runs `pgbackrest --config --stanza --repo COMMAND OPTIONS` and returns what it printed on
    /// stdout; while another pgBackRest process holds the stanza's lock, tries again every 2
    /// seconds within the time limit. A non-zero exit or the time limit is a `Failure` naming the
    /// command, the exit code and stderr.
    func run(_ command: String, _ options: [String] = []) throws -> String {
        let started = Date()
        while true {
            do {
                return try runOnce(command, options, timeLimit: Self.timeLimit - Date().timeIntervalSince(started))
            } catch let failure as Failure where failure.exitCode == Self.lockHeld && Date().timeIntervalSince(started) < Self.timeLimit - 2 {
                Thread.sleep(forTimeInterval: 2)
            }
        }
    }

    private func runOnce(_ command: String, _ options: [String], timeLimit: Double) throws -> String {
        let arguments = ["--config=\(config)", "--stanza=\(spec.stanza)", "--repo=\(spec.repo)",
                         "--log-level-console=off", "--log-level-stderr=warn"] + options + [command]
        let process = Process()
        if let runAs {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", runAs, "--", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        // The repository's owner may not be able to read the current directory.
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        let ended = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in ended.signal() }
        let described = "pgbackrest \(command)\(options.isEmpty ? "" : " " + options.joined(separator: " "))"
        do {
            try process.run()
        } catch {
            throw Failure(description: "could not start \(described): \(error)")
        }
        let reading = DispatchGroup()
        nonisolated(unsafe) var stdout = Data()
        nonisolated(unsafe) var stderr = Data()
        DispatchQueue.global().async(group: reading) { stdout = output.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: reading) { stderr = errors.fileHandleForReading.readDataToEndOfFile() }
        var timedOut = false
        if ended.wait(timeout: .now() + max(timeLimit, 1)) == .timedOut {
            timedOut = true
            process.terminate()
            if ended.wait(timeout: .now() + 10) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                ended.wait()
            }
        }
        _ = reading.wait(timeout: .now() + 10)
        let message = String(decoding: stderr, as: UTF8.self).split(whereSeparator: \.isNewline).joined(separator: "; ")
        let shortMessage = message.count > 1000 ? String(message.prefix(1000)) + "…" : message
        if timedOut {
            throw Failure(description: "\(described) took longer than \(Int(Self.timeLimit)) seconds and was stopped\(shortMessage.isEmpty ? "" : ": " + shortMessage)")
        }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let how = process.terminationReason == .exit ? "exited \(process.terminationStatus)" : "was killed by signal \(process.terminationStatus)"
            throw Failure(description: "\(described) \(how)\(shortMessage.isEmpty ? "" : ": " + shortMessage)",
                          exitCode: process.terminationReason == .exit ? process.terminationStatus : nil)
        }
        return String(decoding: stdout, as: UTF8.self)
    }

    /// The repository as it is now.
    func info() throws -> RepositoryInfo {
        let text = try run("info", ["--output=json"])
        do {
            return try RepositoryInfo.parse(text, stanza: spec.stanza)
        } catch let error as RepositoryInfo.ParseError {
            throw Failure(description: error.description)
        }
    }
}
