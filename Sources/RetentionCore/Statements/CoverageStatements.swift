import Postgres

/// The catalog reads of `coverage`.
enum CoverageStatements {
    /// Schemas never scanned: the system's and the engine's own.
    static let excludedSchemas = ["pg_catalog", "information_schema", "pg_toast", "retention", "retention_archive"]

    /// Every column of every ordinary or partitioned table that is not a partition: `$1` the
    /// excluded schemas. Columns: table oid, schema, table, column, type name, column comment,
    /// the estimated rows of the table's whole partition tree.
    static let columns = """
        SELECT c.oid::int8, n.nspname, c.relname, a.attname, t.typname, pg_catalog.col_description(c.oid, a.attnum),
               (SELECT coalesce(sum(greatest(pc.reltuples, 0)), 0)::int8 FROM pg_catalog.pg_partition_tree(c.oid) p
                JOIN pg_catalog.pg_class pc ON pc.oid = p.relid)
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND n.nspname <> ALL ($1::text[]) AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast%'
        ORDER BY n.nspname, c.relname, a.attnum
        """

    /// The tables named in `$1` (quoted names; an empty one is none), each as the oid of its partition tree's root, or
    /// NULL when there is no such table; in the order given.
    static let resolve = """
        SELECT coalesce(pg_catalog.pg_partition_root(r), r)::int8
        FROM unnest($1::text[]) WITH ORDINALITY AS u(name, ord), LATERAL pg_catalog.to_regclass(nullif(u.name, '')) AS r
        ORDER BY u.ord
        """

    /// At most `limit` rows of `columns` (as text) from a `TABLESAMPLE SYSTEM ($1)` of `table`;
    /// `$1` the percentage of pages to read.
    static func sample(_ table: Identifier, columns: [String], limit: Int) -> String {
        "SELECT \(columns.map { Identifier.quote($0) + "::text" }.joined(separator: ", ")) FROM \(table.sql) TABLESAMPLE SYSTEM ($1) LIMIT \(limit)"
    }

    /// The bound on one sample's time, inside its read-only transaction.
    static func sampleTimeout(milliseconds: Int) -> String { "SET LOCAL statement_timeout = \(milliseconds)" }

    /// Every foreign key by its first column: referencing table oid, referenced table oid (of
    /// its partition tree's root), the referencing column.
    static let foreignKeys = """
        SELECT con.conrelid::int8, coalesce(pg_catalog.pg_partition_root(con.confrelid), con.confrelid)::int8, a.attname
        FROM pg_catalog.pg_constraint con
        JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
        WHERE con.contype = 'f'
        ORDER BY con.conrelid, con.conname
        """
}
