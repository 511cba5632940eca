/// The queries that measure how far standbys and replication slots are behind, and whether the
/// run's role may read them.
enum LagStatements {
    /// The standby furthest behind in replay and its lag in seconds, if any standby streams. A
    /// standby that has replayed all it was sent is 0 behind: `replay_lag` keeps its last value
    /// for a while on an idle primary (and is NULL once forgotten), so it counts only while
    /// `replay_lsn` is short of `sent_lsn`; a replay that stopped shows as growing `replay_lag`.
    static let replicaLag = """
        SELECT coalesce(nullif(application_name, ''), 'pid ' || pid) || ' (' || coalesce(host(client_addr), 'local') || ')',
               CASE WHEN replay_lsn IS NOT NULL AND sent_lsn IS NOT NULL AND replay_lsn >= sent_lsn THEN 0
                    ELSE coalesce(extract(epoch FROM replay_lag), 0) END::float8 AS lag
        FROM pg_catalog.pg_stat_replication ORDER BY lag DESC LIMIT 1
        """

    /// The slot that retains the most WAL and how many bytes, if any slot holds WAL back.
    static let slotLag = """
        SELECT slot_name::text, pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), restart_lsn)::bigint AS retained
        FROM pg_catalog.pg_replication_slots WHERE restart_lsn IS NOT NULL ORDER BY retained DESC LIMIT 1
        """

    /// Whether the session's role sees the lag columns of `pg_stat_replication` (they are NULL
    /// without the privileges of `pg_read_all_stats`, which `pg_monitor` has): `t` or `f`,
    /// then the role's name.
    static let mayReadReplication = "SELECT pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'), current_user::text"

    /// Whether the session's role may read `pg_replication_slots` and the WAL position: `t` or
    /// `f`, then the role's name.
    static let mayReadSlots = """
        SELECT pg_catalog.has_function_privilege('pg_catalog.pg_get_replication_slots()', 'EXECUTE')
           AND pg_catalog.has_function_privilege('pg_catalog.pg_current_wal_lsn()', 'EXECUTE'), current_user::text
        """
}
