import Postgres

/// Before a run (and in `validate`): the lag views the limits need must be readable by the
/// run's role, or the run would never see a standby fall behind. Not readable is an error,
/// never "no lag".
public enum ThrottleAccess {
    /// The problems, one line each naming the option; empty when every needed view is readable.
    public static func problems(_ limits: ThrottleLimits, connection: Connection) throws -> [String] {
        var problems: [String] = []
        if limits.replicaLagSeconds != nil {
            let row = try connection.execute(LagStatements.mayReadReplication).onlyRow()
            if try !row.bool(0) {
                problems.append("--max-replica-lag: role \"\(try row.text(1))\" cannot read the lag columns of pg_stat_replication (they read as NULL without pg_monitor); GRANT pg_monitor TO \(Identifier.quote(try row.text(1))) (retention grants --max-replica-lag prints it)")
            }
        }
        if limits.slotLagBytes != nil {
            let row = try connection.execute(LagStatements.mayReadSlots).onlyRow()
            if try !row.bool(0) {
                problems.append("--max-slot-lag: role \"\(try row.text(1))\" cannot read pg_replication_slots and the WAL position (EXECUTE on pg_get_replication_slots() and pg_current_wal_lsn() was revoked); GRANT pg_monitor TO \(Identifier.quote(try row.text(1)))")
            }
        }
        return problems
    }
}
