import Foundation
import Postgres

/// How long a failed statement is tried again. Transient failures (deadlocks, serialization
/// failures, lost connections) are retried six times with back-off. A lock timeout means the
/// application holds a lock the statement needs (a migration's `LOCK TABLE`, say): it is retried
/// with back-off for up to `lockWaitLimit` seconds, so that the lock delays the rule rather than
/// failing the night's run. The waiting ends early when the run is asked to stop.
struct RetryBudget {
    let lockWaitLimit: Double
    private var attempts = 0
    private var lockAttempts = 0
    private var lockWaitStarted: Date?

    init(lockWaitLimit: Double) { self.lockWaitLimit = lockWaitLimit }

    /// Seconds spent waiting for locks so far.
    var lockWaited: Double { lockWaitStarted.map { Date().timeIntervalSince($0) } ?? 0 }

    /// The seconds to wait before trying again after `error`, or nil to give up.
    mutating func delay(after error: PostgresError) -> Double? {
        if error.sqlState == .lockNotAvailable {
            let started = lockWaitStarted ?? Date()
            lockWaitStarted = started
            guard Date().timeIntervalSince(started) < lockWaitLimit else { return nil }
            lockAttempts += 1
            return Retry.backoff(attempt: lockAttempts)
        }
        guard error.isTransient, attempts < 6 else { return nil }
        attempts += 1
        return Retry.backoff(attempt: attempts)
    }
}

/// Back-off between retries: 50 ms doubling, with jitter, at most 3.2 s.
enum Retry {
    static func backoff(attempt: Int) -> Double {
        let base = 0.05 * Double(1 << min(attempt - 1, 6))
        return base * Double.random(in: 0.5...1.0)
    }
}
