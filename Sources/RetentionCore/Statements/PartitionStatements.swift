import Postgres

/// The SQL of removing wholly due partitions: the bounds compared with the cutoff, the proof on
/// the partition's rows, the lock, the detach, the drop or the move to `retention_archive`, and
/// the records in `retention.partition_removals`.
enum PartitionStatements {
    /// One row of booleans: for each bound (literal `$n`, read as its column's type in the
    /// session's time zone), whether it is at or before the anchor cutoff `$1`.
    static func boundsDue(_ bounds: [PartitionLeaf.UpperBound], _ builder: inout SQLBuilder, anchorCutoff: String) -> String {
        let cutoff = builder.bind(anchorCutoff)
        let columns = bounds.map { bound in
            "(\(builder.bind(bound.upper))::\(bound.columnType))::timestamptz <= \(cutoff)::timestamptz"
        }
        return "SELECT " + (columns.isEmpty ? "true" : columns.joined(separator: ", "))
    }

    /// The proof and exact count of one partition's rows, by tenant: columns tenant, rows, rows
    /// that are not due (an anchor that is not the key, an odd bound), rows of held tenants, and
    /// rows referenced through a blocking foreign key.
    static func proof(_ plan: RulePlan, _ leaf: Identifier, _ bounds: RuleBounds, _ builder: inout SQLBuilder) -> String {
        let due = plan.duePredicate("r", bounds, &builder)
        let held = plan.heldPredicate("r", &builder) ?? "false"
        let referenced = plan.blockingKeys.map { plan.referencedSetPredicate($0, "r") }
        let anyReference = referenced.isEmpty ? "false" : referenced.joined(separator: " OR ")
        return """
            SELECT \(plan.tenantText("r")), count(*), count(*) FILTER (WHERE NOT coalesce(\(due), false)),
                   count(*) FILTER (WHERE \(held)), count(*) FILTER (WHERE \(anyReference))
            FROM ONLY \(leaf.sql) r GROUP BY 1
            """
    }

    /// Sets the transaction's `lock_timeout` to `$1`.
    static let lockTimeout = "SELECT set_config('lock_timeout', $1, true)"

    /// Takes the lock that detaching takes on the partition.
    static func lock(_ leaf: Identifier) -> String {
        "LOCK TABLE ONLY \(leaf.sql) IN ACCESS EXCLUSIVE MODE"
    }

    /// Adds every row of the partition to an aggregate rule's roll-up (it is then detached, so its
    /// rows leave the table in the same transaction).
    static func rollUp(_ spec: AggregateSpec, _ plan: RulePlan, _ leaf: Identifier) -> String {
        let change = AggregateStatement.make(spec, plan: plan, target: "ONLY \(leaf.sql) r", whereClause: "true",
                                             tenant: "\(plan.tenantText("r")) AS tenant", removing: false)
        return "WITH changed AS (\(change.sql)),\(change.extraCTEs) counted AS (SELECT count(*) FROM changed) SELECT * FROM counted"
    }

    static func detach(_ leaf: PartitionLeaf) -> String {
        "ALTER TABLE \(leaf.parent.sql) DETACH PARTITION \(leaf.identifier.sql)"
    }

    /// Removes a detached partition: dropped, or moved to `retention_archive`.
    static func finish(_ table: Identifier, _ mode: PartitionRemovalKind) -> String {
        switch mode {
        case .dropped: return "DROP TABLE \(table.sql)"
        case .detached: return "ALTER TABLE \(table.sql) SET SCHEMA retention_archive"
        }
    }

    /// The schema and name of the table named `$1` (as recorded), if it exists.
    static let resolve = """
        SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = pg_catalog.to_regclass($1)
        """

    /// The rows recorded for partition `$2` detached by run `$1`, if it was.
    static let recordedRows = "SELECT rows FROM retention.partition_removals WHERE run_id = $1::uuid AND partition_name = $2"

    /// Records a partition detached by run `$1`: policy `$2`, rule `$3`, partition `$4`, parent
    /// `$5`, rows `$6`, what is done with it `$7`.
    static let recordDetached = """
        INSERT INTO retention.partition_removals (run_id, policy, rule, partition_name, parent_name, rows, removal, state)
        VALUES ($1::uuid, $2, $3, $4, $5, $6::bigint, $7, 'detached')
        """

    /// Records a bare count of rows (`$4`) of tenant `$3` in the run's batch results: `$1` run, `$2` rule.
    static let recordRows = "INSERT INTO retention.batch_results (run_id, rule, tenant, affected) VALUES ($1::uuid, $2, $3, $4::bigint)"

    /// Marks the partition `$2` detached by run `$1` finished (dropped or archived).
    static let recordFinished = """
        UPDATE retention.partition_removals SET state = 'finished', finished_at = clock_timestamp()
        WHERE run_id = $1::uuid AND partition_name = $2
        """

    /// The partitions that policy `$1`, rule `$2` detached and has not finished: run, partition,
    /// rows, removal.
    static let unfinished = """
        SELECT run_id::text, partition_name, rows, removal FROM retention.partition_removals
        WHERE policy = $1 AND rule = $2 AND state = 'detached' ORDER BY detached_at
        """

    /// Sets the session's time zone to `$1`, in which bounds of `date` and `timestamp` keys are read.
    static let sessionZone = "SELECT set_config('TimeZone', $1, false)"

    /// The schema pg_partman is installed in, when it is.
    static let partmanSchema = """
        SELECT n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_partman'
        """

    /// pg_partman's retention for parent table `$1` (`schema.table`), when one is set.
    static func partmanRetention(schema: String) -> String {
        "SELECT retention FROM \(Identifier(schema, "part_config").sql) WHERE parent_table = $1 AND retention IS NOT NULL"
    }
}
