import Foundation

/// Who places a hold or changes a request: `--by`, else the login name (from the environment,
/// else the process's user).
enum ActingPerson {
    static func name(_ arguments: Arguments) -> String {
        let environment = ProcessInfo.processInfo.environment
        return arguments.value("by") ?? environment["SUDO_USER"] ?? environment["USER"] ?? environment["LOGNAME"] ?? processUser ?? "unknown"
    }

    /// The name of the process's effective user in the password database.
    private static var processUser: String? {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }
}
