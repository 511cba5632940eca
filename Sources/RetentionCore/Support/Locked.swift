import Foundation

/// Mutable state shared by threads, reachable only through `withLock`: the one place in the
/// engine where the compiler's `Sendable` checking is taken over by a lock.
public final class Locked<State>: @unchecked Sendable {
    private let condition = NSCondition()
    private var state: State

    public init(_ state: State) { self.state = state }

    /// Runs `body` with the state under the lock, and wakes the threads waiting in `wait`.
    @discardableResult
    public func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body(&state)
    }

    /// Blocks until `body` returns a value, calling it under the lock after every change made
    /// through `withLock` and at least every `interval` seconds. `body` may change the state;
    /// the other waiting threads are woken when it returns a value.
    public func wait<Result>(checkingEvery interval: Double, _ body: (inout State) -> Result?) -> Result {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let result = body(&state) {
                condition.broadcast()
                return result
            }
            _ = condition.wait(until: Date().addingTimeInterval(interval))
        }
    }
}
