import Postgres

/// A materialized view that reads a table, directly or through views and other materialized
/// views: rows deleted or changed in the table live on in it until it is refreshed.
public struct MaterializedView: Sendable, Equatable {
    public var identifier: Identifier
    /// Whether `REFRESH MATERIALIZED VIEW CONCURRENTLY` can run: the view is populated and has a
    /// valid unique index on plain columns without a WHERE clause. Readers are then not blocked.
    public var refreshesConcurrently: Bool
    /// Whether the connected role may refresh it: as a member of its owner, or with MAINTAIN
    /// (PostgreSQL 17 and later).
    public var mayRefresh: Bool
}

extension Catalog {
    /// The materialized views that read table `oid` or one of its partitions, those nearest to the
    /// table first (a view built on another is refreshed after it).
    func materializedViews(_ oid: String) throws -> [MaterializedView] {
        try connection.execute("""
            WITH RECURSIVE readers(relid, depth) AS (
                SELECT relid, 0 FROM (SELECT $1::oid AS relid UNION SELECT p.relid FROM pg_catalog.pg_partition_tree($1::oid::regclass) p) tree
                UNION
                SELECT r.ev_class, readers.depth + 1
                FROM readers
                JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass
                     AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = readers.relid
                JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid AND r.ev_class <> readers.relid
                JOIN pg_catalog.pg_class v ON v.oid = r.ev_class AND v.relkind IN ('v', 'm')
                WHERE readers.depth < 16
            )
            SELECT n.nspname, m.relname,
                   m.relispopulated AND EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = m.oid AND i.indisunique
                                                  AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL),
                   pg_catalog.pg_has_role(m.relowner, 'USAGE')
                   OR (current_setting('server_version_num')::int >= 170000 AND pg_catalog.has_table_privilege(m.oid, 'MAINTAIN'))
            FROM (SELECT relid, max(depth) AS depth FROM readers GROUP BY relid) found
            JOIN pg_catalog.pg_class m ON m.oid = found.relid AND m.relkind = 'm'
            JOIN pg_catalog.pg_namespace n ON n.oid = m.relnamespace
            ORDER BY found.depth, n.nspname, m.relname
            """, [oid]).rows.map { row in
            MaterializedView(identifier: Identifier(try row.text(0), try row.text(1)), refreshesConcurrently: try row.bool(2), mayRefresh: try row.bool(3))
        }
    }
}
