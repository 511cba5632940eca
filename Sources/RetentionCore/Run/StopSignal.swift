import Dispatch
import Foundation

/// A stop request shared by every worker: set by SIGTERM or SIGINT, or when `--max-runtime`
/// has passed. Workers finish the batch they are in and start no other.
public final class StopSignal: Sendable {
    private let reason = Locked<String?>(nil)
    private let deadline: Date?
    private let sources = Locked<[any DispatchSourceSignal]>([])

    public init(maxRuntime: Double? = nil) {
        deadline = maxRuntime.map { Date().addingTimeInterval($0) }
    }

    /// Why the run is stopping, or nil while it may go on.
    public var stopReason: String? {
        reason.withLock { reason in
            if reason == nil, let deadline, Date() >= deadline { reason = "--max-runtime reached" }
            return reason
        }
    }

    public func requestStop(_ why: String) {
        reason.withLock { reason in
            if reason == nil { reason = why }
        }
    }

    /// Routes SIGTERM and SIGINT to `requestStop` instead of ending the process.
    public func handleSignals() {
        for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.requestStop("\(name) received") }
            source.resume()
            sources.withLock { $0.append(source) }
        }
    }
}
