import Foundation
import Postgres

/// How long a failed statement is tried again. Deadlocks and serialization failures are retried
/// six times with back-off. A lost connection is retried with back-off for `reconnectLimit`
/// seconds, as long as the run lock looks for a new session after a server restart. A lock
/// timeout means the application holds a lock the statement needs (a migration's `LOCK TABLE`,
/// say): it is retried with back-off for up to `lockWaitLimit` seconds, so that the lock delays
/// the rule rather than failing the night's run. The waiting ends early when the run is asked
/// to stop.
struct RetryBudget {
    let lockWaitLimit: Double
    /// Seconds a lost connection is tried again: the run lock's own limit.
    static let reconnectLimit = RunLock.retakeSeconds
    private var attempts = 0
    private var lockAttempts = 0
    private var lockWaitStarted: Date?
    private var connectionLostAt: Date?
    /// Seconds the failed attempts that met a lock and the pauses after them took.
    private(set) var lockWaited: Double = 0

    init(lockWaitLimit: Double) { self.lockWaitLimit = lockWaitLimit }

    /// The seconds to wait before trying again after `error`, which ended an attempt that took
    /// `attemptSeconds`; or nil to give up.
    mutating func delay(after error: PostgresError, attemptSeconds: Double) -> Double? {
        if error.sqlState == .lockNotAvailable {
            let started = lockWaitStarted ?? Date()
            lockWaitStarted = started
            lockWaited += attemptSeconds
            guard Date().timeIntervalSince(started) < lockWaitLimit else { return nil }
            lockAttempts += 1
            let pause = Retry.backoff(attempt: lockAttempts)
            lockWaited += pause
            return pause
        }
        if error.isConnectionLost {
            let lost = connectionLostAt ?? Date()
            connectionLostAt = lost
            guard Date().timeIntervalSince(lost) < RetryBudget.reconnectLimit else { return nil }
            attempts += 1
            return Retry.backoff(attempt: attempts)
        }
        guard error.isTransient, attempts < 6 else { return nil }
        attempts += 1
        return Retry.backoff(attempt: attempts)
    }
}

extension RetryBudget {
    /// Runs `body` on the connection that `connection` gives (opened again after a loss, which
    /// `lost` forgets), trying again as the budget allows; a lock timeout is not tried again once
    /// the run was asked to stop.
    mutating func run<T>(stop: StopSignal, connection: () throws -> Connection, lost: () -> Void, _ body: (Connection) throws -> T) throws -> T {
        while true {
            let started = Date()
            do {
                return try body(try connection())
            } catch let error as PostgresError {
                if error.isConnectionLost { lost() }
                guard stop.stopReason == nil || error.sqlState != .lockNotAvailable,
                      let delay = delay(after: error, attemptSeconds: Date().timeIntervalSince(started)) else { throw error }
                Thread.sleep(forTimeInterval: delay)
            }
        }
    }
}

/// Back-off between retries: 50 ms doubling, with jitter, at most 3.2 s.
enum Retry {
    static func backoff(attempt: Int) -> Double {
        let base = 0.05 * Double(1 << min(attempt - 1, 6))
        return base * Double.random(in: 0.5...1.0)
    }
}
