import Postgres
@testable import RetentionCore
import Testing
import TestSupport

/// The one retry loop, against failures a real server raises: each kind of failure is tried again
/// as the budget says, and a caller's hook comes first.
@Suite("Retry budget")
struct RetryBudgetTests {
    /// A statement that fails with `sqlState`.
    static func raising(_ sqlState: String) -> String {
        "DO $$ BEGIN RAISE EXCEPTION 'raised' USING ERRCODE = '\(sqlState)'; END $$"
    }

    /// Runs `failures` (the SQLSTATEs of the attempts that fail, in order, then one that succeeds)
    /// through `budget`; returns the attempts made and the SQLSTATE of the error thrown, if any.
    static func attempts(_ failures: [String], budget: inout RetryBudget, stop: StopSignal? = nil,
                         recover: (PostgresError) throws -> RetryBudget.Recovery<Int>? = { _ in nil }) throws -> (Int, String?) {
        let database = try TestDatabase.create("retry")
        defer { database.drop() }
        let connection = try database.connect()
        var made = 0
        do {
            _ = try budget.run(stop: stop, connection: { connection }, lost: {}, recover: recover) { connection -> Int in
                made += 1
                if made <= failures.count { try connection.execute(raising(failures[made - 1])) }
                return made
            }
            return (made, nil)
        } catch let error as PostgresError {
            return (made, error.sqlState?.rawValue)
        }
    }

    @Test("a deadlock or serialization failure is tried six times more, then thrown")
    func conflicts() throws {
        var budget = RetryBudget(lockWaitLimit: 600)
        let (made, thrown) = try RetryBudgetTests.attempts(Array(repeating: "40P01", count: 3) + Array(repeating: "40001", count: 5), budget: &budget)
        #expect(made == 7)
        #expect(thrown == "40001")
    }

    @Test("each kind counts its own tries: a connection not yet available after six deadlocks is still tried again")
    func kindsApart() throws {
        var budget = RetryBudget(lockWaitLimit: 600)
        let (made, thrown) = try RetryBudgetTests.attempts(Array(repeating: "40P01", count: 6) + ["57P03", "57P03"], budget: &budget)
        #expect(made == 9)
        #expect(thrown == nil)
    }

    @Test("a lock timeout is tried the given number of times, not once the run is asked to stop, and its time is counted")
    func lockTimeouts() throws {
        var counted = RetryBudget(lockWait: .attempts(3))
        let (made, thrown) = try RetryBudgetTests.attempts(Array(repeating: "55P03", count: 5), budget: &counted)
        #expect(made == 3)
        #expect(thrown == "55P03")
        #expect(counted.lockWaited > 0)
        var waiting = RetryBudget(lockWaitLimit: 600)
        let stop = StopSignal()
        stop.requestStop("test")
        #expect(try RetryBudgetTests.attempts(["55P03"], budget: &waiting, stop: stop) == (1, "55P03"))
    }

    @Test("the hook comes first: it tries again at once, does the work another way, or leaves the error to the caller")
    func hook() throws {
        var budget = RetryBudget(lockWaitLimit: 600)
        var hooked = 0
        let again = try RetryBudgetTests.attempts(["22012", "22012", "22012"], budget: &budget) { _ in
            hooked += 1
            return hooked < 3 ? .retryNow : nil
        }
        #expect(again == (3, "22012"))
        #expect(try RetryBudgetTests.attempts(["22012"], budget: &budget) { _ in .done(42) } == (1, nil))
        #expect(try RetryBudgetTests.attempts(["40P01"], budget: &budget) { _ in .rethrow } == (1, "40P01"))
    }

    @Test("a lost connection is opened again and the statement tried again")
    func lostConnection() throws {
        let database = try TestDatabase.create("retry")
        defer { database.drop() }
        var connection: Connection?
        var opened = 0
        var budget = RetryBudget(lockWaitLimit: 600)
        let backends = try budget.run(stop: nil, connection: {
            if let connection { return connection }
            opened += 1
            let opening = try database.connect()
            connection = opening
            return opening
        }, lost: { connection = nil }) { connection -> String in
            let backend = try connection.execute("SELECT pg_backend_pid()").requiredScalar()
            if opened == 1 { try connection.execute("SELECT pg_terminate_backend(pg_backend_pid())") }
            return backend
        }
        #expect(opened == 2)
        #expect(!backends.isEmpty)
    }
}
