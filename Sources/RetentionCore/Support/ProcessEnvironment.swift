import Foundation

/// Facts about this process for the run's record.
enum ProcessEnvironment {
    static var hostName: String { ProcessInfo.processInfo.hostName }
    static var pid: Int32 { ProcessInfo.processInfo.processIdentifier }
}
