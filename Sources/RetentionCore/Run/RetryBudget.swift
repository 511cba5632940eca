import Foundation
import Postgres

/// The engine's one retry loop: how often, and how long, a failed statement is tried again.
///
/// - A lock timeout means the application holds a lock the statement needs (a migration's
///   `LOCK TABLE`, say): tried again with back-off while `lockWait` allows, so that the lock
///   delays the work rather than failing the night's run; not once the run was asked to stop.
/// - A connection that is lost or cannot be had yet (a server restart, a terminated backend,
///   SQLSTATE class 08, 57P01, 57P02, 57P03): a new one is opened and the statement tried again
///   with back-off for `reconnectSeconds` from the first such failure, as long as the run lock
///   looks for a new session.
/// - A deadlock or a serialization failure: tried again six times with back-off.
/// - Anything else is not tried again.
///
/// Each kind counts its own tries. Before these rules, a caller's `recover` hook may try again at
/// once with a change (skip the rows the application holds), do the work another way (split a
/// slice that took too long), or leave the error to a caller further out.
struct RetryBudget {
    /// How long a statement that met a lock the application holds is tried again.
    enum LockWait {
        /// For this many seconds from the first lock timeout.
        case seconds(Double)
        /// This many attempts in all.
        case attempts(Int)
    }

    /// What a caller's hook makes of a failure before the budget's rules apply.
    enum Recovery<T> {
        /// Try again now: the hook changed what the next attempt does.
        case retryNow
        /// The work was done another way; this is its result.
        case done(T)
        /// Not tried again here: the error is thrown to a caller that retries it.
        case rethrow
    }

    let lockWait: LockWait
    /// Seconds a lost connection is tried again: as long as the run lock looks for a new session.
    static let reconnectSeconds = 30.0
    /// Tries after a deadlock or a serialization failure.
    static let conflictRetries = 6
    private var lockTries = 0
    private var lockWaitStarted: Date?
    private var connectionTries = 0
    private var connectionLostAt: Date?
    private var conflictTries = 0
    /// Seconds the failed attempts that met a lock and the pauses after them took.
    private(set) var lockWaited: Double = 0

    init(lockWait: LockWait) { self.lockWait = lockWait }

    init(lockWaitLimit: Double) { self.init(lockWait: .seconds(lockWaitLimit)) }

    /// Runs `body` on the connection that `connection` gives (opened again after a loss, which
    /// `lost` forgets), trying again as `recover` and then the budget say. `before` runs ahead of
    /// every attempt, outside the budget (it may wait for the attempt's turn, or throw to give the
    /// work up).
    mutating func run<T>(stop: StopSignal?, connection: () throws -> Connection, lost: () -> Void,
                         before: () throws -> Void = {}, recover: (PostgresError) throws -> Recovery<T>? = { _ in nil },
                         _ body: (Connection) throws -> T) throws -> T {
        while true {
            try before()
            let started = Date()
            do {
                return try body(try connection())
            } catch let error as PostgresError {
                if error.isConnectionLost { lost() }
                switch try recover(error) {
                case .retryNow?: continue
                case let .done(result)?: return result
                case .rethrow?: throw error
                case nil: break
                }
                guard stop?.stopReason == nil || error.sqlState != .lockNotAvailable,
                      let delay = delay(after: error, attemptSeconds: Date().timeIntervalSince(started)) else { throw error }
                Thread.sleep(forTimeInterval: delay)
            }
        }
    }

    /// The seconds to wait before trying again after `error`, which ended an attempt that took
    /// `attemptSeconds`; or nil to give up.
    private mutating func delay(after error: PostgresError, attemptSeconds: Double) -> Double? {
        if error.sqlState == .lockNotAvailable {
            let started = lockWaitStarted ?? Date()
            lockWaitStarted = started
            lockWaited += attemptSeconds
            lockTries += 1
            switch lockWait {
            case let .seconds(limit): guard Date().timeIntervalSince(started) < limit else { return nil }
            case let .attempts(limit): guard lockTries < limit else { return nil }
            }
            let pause = RetryBudget.backoff(lockTries)
            lockWaited += pause
            return pause
        }
        if error.isConnectionLost || error.sqlState == .cannotConnectNow {
            let lost = connectionLostAt ?? Date()
            connectionLostAt = lost
            guard Date().timeIntervalSince(lost) < RetryBudget.reconnectSeconds else { return nil }
            connectionTries += 1
            return RetryBudget.backoff(connectionTries)
        }
        guard error.sqlState == .deadlockDetected || error.sqlState == .serializationFailure,
              conflictTries < RetryBudget.conflictRetries else { return nil }
        conflictTries += 1
        return RetryBudget.backoff(conflictTries)
    }

    /// The pause before try `n` + 1: 50 ms doubling, at most 3.2 s, drawn between half and all of
    /// it so that workers do not retry in step.
    private static func backoff(_ n: Int) -> Double {
        let base = 0.05 * Double(1 << min(n - 1, 6))
        return base * Double.random(in: 0.5...1.0)
    }
}
