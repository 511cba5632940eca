/// The catalog reads of `coverage`.
enum CoverageStatements {
    /// Schemas never scanned: the system's and the engine's own.
    static let excludedSchemas = ["pg_catalog", "information_schema", "pg_toast", "retention", "retention_archive"]

    /// Every column of every ordinary or partitioned table that is not a partition: `$1` the
    /// excluded schemas. Columns: table oid, schema, table, column, type name, column comment.
    static let columns = """
        SELECT c.oid::int8, n.nspname, c.relname, a.attname, t.typname, pg_catalog.col_description(c.oid, a.attnum)
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND n.nspname <> ALL ($1::text[]) AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast%'
        ORDER BY n.nspname, c.relname, a.attnum
        """

    /// The tables named in `$1` (quoted names), each as the oid of its partition tree's root, or
    /// NULL when there is no such table; in the order given.
    static let resolve = """
        SELECT coalesce(pg_catalog.pg_partition_root(r), r)::int8
        FROM unnest($1::text[]) WITH ORDINALITY AS u(name, ord), LATERAL pg_catalog.to_regclass(u.name) AS r
        ORDER BY u.ord
        """
}
