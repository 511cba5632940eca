import Foundation
import Postgres

/// Holds a batch back while a standby replays, or a replication slot retains, more than the
/// run's limits allow, measuring again every second. Waiting ends early when the run is asked
/// to stop, so it counts towards `--max-runtime`. Without limits nothing is measured.
struct Throttle: Sendable {
    let limits: ThrottleLimits
    let stop: StopSignal
    /// Seconds between two measurements while waiting.
    static let checkInterval = 1.0

    /// The source furthest over its limit now, or nil when every one is within it.
    func excess(_ connection: Connection) throws -> LagExcess? {
        if let limit = limits.replicaLagSeconds, let row = try connection.execute(LagStatements.replicaLag).rows.first {
            let lag = Double(try row.text(1)) ?? 0
            if lag > limit { return LagExcess(source: .replica(try row.text(0)), amount: .seconds(lag)) }
        }
        if let limit = limits.slotLagBytes, let row = try connection.execute(LagStatements.slotLag).rows.first {
            let retained = try row.int64(1)
            if retained > limit { return LagExcess(source: .slot(try row.text(0)), amount: .bytes(retained)) }
        }
        return nil
    }

    /// Waits while `measure` finds a source over its limit; `waiting` hears every excess found,
    /// then nil once the wait is over. Returns the seconds waited (0 when nothing was behind).
    func wait(measure: () throws -> LagExcess?, waiting: (LagExcess?) -> Void) throws -> Double {
        guard !limits.isEmpty else { return 0 }
        let started = Date()
        var waited = false
        defer { if waited { waiting(nil) } }
        while stop.stopReason == nil, let excess = try measure() {
            waited = true
            waiting(excess)
            let until = Date().addingTimeInterval(Throttle.checkInterval)
            while stop.stopReason == nil, Date() < until { Thread.sleep(forTimeInterval: 0.05) }
        }
        return waited ? Date().timeIntervalSince(started) : 0
    }
}
