import Foundation
import Postgres

/// The run's own session: it holds the advisory lock that makes a run the only one of its
/// policy on the database (none in a dry run), and records the run's start and end.
///
/// A session-level advisory lock ends with its session. When that session is gone (a server
/// restart, a terminated backend) a second run may take the lock, so workers ask `verify()`
/// before every batch: it re-takes the lock on a new session, or says why the run must stop.
final class RunLock: Sendable {
    private struct Session {
        var connection: Connection?
        /// Set once the lock could not be re-taken; the run stops for this reason.
        var lost: String?
    }

    private let session: Locked<Session>
    private let source: ConnectionSource
    private let policy: Policy
    private let holdsLock: Bool

    /// Opens the session with the run's settings and, unless `dryRun`, takes the lock.
    init(policy: Policy, source: ConnectionSource, dryRun: Bool) throws {
        self.source = source
        self.policy = policy
        holdsLock = !dryRun
        session = Locked(Session(connection: try RunLock.open(policy: policy, source: source, dryRun: dryRun)))
        guard try withConnection({ try takeLock($0) }) else { throw RunError.locked(policy: policy.name) }
    }

    private static func open(policy: Policy, source: ConnectionSource, dryRun: Bool) throws -> Connection {
        let connection = try source.connect()
        try connection.execute(RunStatements.sessionSettings, [policy.timeZone, dryRun ? "on" : "off"])
        return connection
    }

    private func takeLock(_ connection: Connection) throws -> Bool {
        guard holdsLock else { return true }
        return try connection.execute(RunStatements.tryLock, [policy.name]).requiredScalar() == "t"
    }

    /// Runs `body` on the session, opening a new one (and re-taking the lock) when it was lost.
    func withConnection<T>(_ body: (Connection) throws -> T) throws -> T {
        try session.withLock { session in
            if let lost = session.lost { throw RunError.lockLost(lost) }
            if session.connection?.isOpen != true { try reopen(&session) }
            guard let connection = session.connection else { throw RunError.lockLost(session.lost ?? "the run's session is gone") }
            return try body(connection)
        }
    }

    /// Nil while the run holds its lock; else why the run must stop. Asks the session every
    /// time (one round trip, before every batch), so that once another session could take the
    /// lock no batch starts, only those already under way finish.
    func verify() -> String? {
        session.withLock { session in
            if let lost = session.lost { return lost }
            let alive = session.connection.map { $0.isOpen && (try? $0.execute(RunStatements.ping)) != nil } ?? false
            if !alive {
                do { try reopen(&session) } catch { return session.lost ?? "the run's session was lost: \(error)" }
            }
            return nil
        }
    }

    /// A new session that takes the lock again, tried as `RetryBudget` says (a server restart
    /// takes seconds); sets `lost` when the lock is held by another run or no session can be had.
    private func reopen(_ session: inout Session) throws {
        session.connection = nil
        var budget = RetryBudget(lockWaitLimit: RetryBudget.reconnectSeconds)
        let locked: Connection?
        do {
            locked = try budget.run(stop: nil, connection: { try RunLock.open(policy: policy, source: source, dryRun: !holdsLock) },
                                    lost: {}) { connection in try takeLock(connection) ? connection : nil }
        } catch let error as PostgresError {
            session.lost = "the run lock was lost (its session ended) and could not be taken again: \(error)"
            throw RunError.lockLost(session.lost!)
        }
        guard let locked else {
            session.lost = "the run lock was lost (its session ended) and another run of policy \"\(policy.name)\" holds it now"
            throw RunError.lockLost(session.lost!)
        }
        session.connection = locked
    }
}
