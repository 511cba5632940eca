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
    /// rows referenced through any foreign key into the table (`RulePlan.keysIntoTable`).
    static func proof(_ plan: RulePlan, _ leaf: Identifier, _ bounds: RuleBounds, _ builder: inout SQLBuilder) -> String {
        let due = plan.duePredicate("r", bounds, &builder)
        let held = plan.heldPredicate("r", &builder) ?? "false"
        let referenced = plan.keysIntoTable.map { plan.referencedSetPredicate($0, "r") }
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

    static func drop(_ table: Identifier) -> String { "DROP TABLE \(table.sql)" }

    /// Renames an index (`i`), a sequence (`S`) or a table (`r`) within its schema.
    static func rename(_ relation: Identifier, kind: String, to name: String) -> String {
        let noun = switch kind {
        case "i": "INDEX"
        case "S": "SEQUENCE"
        default: "TABLE"
        }
        return "ALTER \(noun) \(relation.sql) RENAME TO \(Identifier.quote(name))"
    }

    static func moveToArchive(_ table: Identifier) -> String {
        "ALTER TABLE \(table.sql) SET SCHEMA \(Identifier.quote(ArchiveName.schema))"
    }

    /// The oid of table `$1` (quoted, schema-qualified).
    static let oid = "SELECT $1::regclass::oid::text"

    /// The relation of oid `$1` now: schema, name, and the table it is attached to (a partition's
    /// parent or an inheritance parent), if any.
    static let relation = """
        SELECT n.nspname, c.relname,
               (SELECT format('%I.%I', pn.nspname, p.relname) FROM pg_catalog.pg_inherits i
                JOIN pg_catalog.pg_class p ON p.oid = i.inhparent JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
                WHERE i.inhrelid = c.oid LIMIT 1)
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = $1::oid
        """

    /// The relations that `SET SCHEMA` moves with table `$1` (oid): its indexes and the sequences
    /// its columns own; kind (`i`, `S`) and name.
    static let movesWith = """
        SELECT c.relkind::text, c.relname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = $1::oid
        UNION ALL
        SELECT c.relkind::text, c.relname FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid = d.objid
        WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
          AND d.refobjid = $1::oid AND d.deptype IN ('a', 'i') AND c.relkind = 'S'
        """

    /// Of the names `$2` (a text array), those that a relation or a type of schema `$1` has already.
    static let namesTaken = """
        SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = ANY($2::text[])
        UNION
        SELECT t.typname FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = $1 AND t.typname = ANY($2::text[])
        """

    /// The record of partition `$2` detached by run `$1`, if it was: rows, oid, state, archive
    /// name, why it was left.
    static let recorded = """
        SELECT rows, partition_oid::text, state, archived_name, note FROM retention.partition_removals
        WHERE run_id = $1::uuid AND partition_name = $2
        """

    /// Records a partition detached by run `$1`: policy `$2`, rule `$3`, partition `$4` (oid `$8`),
    /// its parent `$5`, rows `$6`, what is done with it `$7`, the rule's table `$9` (oid `$10`).
    static let recordDetached = """
        INSERT INTO retention.partition_removals (run_id, policy, rule, partition_name, parent_name, rows, removal, state,
                                                  partition_oid, table_name, table_oid)
        VALUES ($1::uuid, $2, $3, $4, $5, $6::bigint, $7, 'detached', $8::oid, $9, $10::oid)
        """

    /// Records a bare count of rows (`$4`) of tenant `$3` in the run's batch results: `$1` run, `$2` rule.
    static let recordRows = "INSERT INTO retention.batch_results (run_id, rule, tenant, affected) VALUES ($1::uuid, $2, $3, $4::bigint)"

    /// Marks the partition `$2` detached by run `$1` finished: dropped, or archived as `$3`.
    static let recordFinished = """
        UPDATE retention.partition_removals SET state = 'finished', finished_at = clock_timestamp(), archived_name = $3
        WHERE run_id = $1::uuid AND partition_name = $2
        """

    /// Marks the partition `$2` detached by run `$1` left as it is, for the reason `$3`.
    static let recordLeft = """
        UPDATE retention.partition_removals SET state = 'left', finished_at = clock_timestamp(), note = $3
        WHERE run_id = $1::uuid AND partition_name = $2
        """

    /// The partitions detached from table `$1` (oid) and not finished, by any policy and rule:
    /// run, partition, rows, removal, partition oid.
    static let unfinished = """
        SELECT run_id::text, partition_name, rows, removal, partition_oid::text FROM retention.partition_removals
        WHERE table_oid = $1::oid AND state = 'detached' ORDER BY detached_at
        """

    /// Whether the database has the records of migration 006 (`validate` may run before `migrate`),
    /// and the connected role may read them (`validate` may run as a role without the engine's
    /// schema). Read from the catalog by names, so that nothing looks a relation up in a schema
    /// the role may not use.
    static let recordsHaveTables = """
        SELECT EXISTS (
            SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = 'table_oid'
            WHERE n.nspname = 'retention' AND c.relname = 'partition_removals'
              AND pg_catalog.has_schema_privilege(n.oid, 'USAGE') AND pg_catalog.has_table_privilege(c.oid, 'SELECT'))
        """

    /// Records that no run finishes by itself: partitions not finished whose table is not one of
    /// `$1` (oids, a text array), and partitions left that still exist outside any table. Run,
    /// policy, rule, partition, table, rows, state, note, the relation's name now.
    static let needingAttention = """
        SELECT r.run_id::text, r.policy, r.rule, r.partition_name, coalesce(r.table_name, r.parent_name), r.rows, r.state,
               coalesce(r.note, ''), format('%I.%I', n.nspname, c.relname)
        FROM retention.partition_removals r
        JOIN pg_catalog.pg_class c ON c.oid = r.partition_oid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT c.relispartition AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid)
          AND (r.state = 'left' OR (r.state = 'detached' AND NOT coalesce(r.table_oid::text = ANY($1::text[]), false)))
        ORDER BY r.detached_at
        """

    /// The tables detached from table `$1` (quoted name; or recorded under the name `$2`) that
    /// exist and are attached to no table: schema, name.
    static let detachedTablesOf = """
        SELECT DISTINCT n.nspname, c.relname
        FROM retention.partition_removals r
        JOIN pg_catalog.pg_class c ON c.oid = r.partition_oid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE (r.table_oid = pg_catalog.to_regclass($1) OR r.table_name = $2) AND (r.state <> 'finished' OR r.removal = 'detached')
          AND NOT c.relispartition AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid)
        ORDER BY 1, 2
        """

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
