import Postgres

/// The catalog reads of `coverage`.
enum CoverageStatements {
    /// Schemas never scanned: the system's and the engine's own records. `retention_archive`,
    /// where detached partitions keep every column, is scanned like any other.
    static let excludedSchemas = ["pg_catalog", "information_schema", "pg_toast", "retention"]

    /// Every column of every ordinary table, partitioned table that is not a partition, and
    /// materialized view: `$1` the excluded schemas. Columns: relation oid, schema, name,
    /// whether it is a materialized view, column, base type name (domains resolved), its
    /// `typcategory`, an array's element's `typcategory` (else empty), column comment, the
    /// estimated rows of the table (of a partitioned one, of its whole partition tree), and
    /// whether it holds rows to sample (a materialized view created WITH NO DATA holds none).
    static let columns = """
        SELECT c.oid::int8, n.nspname, c.relname, c.relkind = 'm', a.attname, b.typname, b.typcategory::text,
               coalesce(e.typcategory::text, ''), pg_catalog.col_description(c.oid, a.attnum),
               CASE WHEN c.relkind = 'p'
                    THEN (SELECT coalesce(sum(greatest(pc.reltuples, 0)), 0)::int8 FROM pg_catalog.pg_partition_tree(c.oid) p
                          JOIN pg_catalog.pg_class pc ON pc.oid = p.relid)
                    ELSE greatest(c.reltuples, 0)::int8 END,
               c.relispopulated
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
        JOIN pg_catalog.pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
        LEFT JOIN pg_catalog.pg_type e ON e.oid = b.typelem AND b.typcategory = 'A'
        WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition
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

    /// At most `limit` rows of `columns`, each as the first `prefix` characters of its text
    /// form, from a `TABLESAMPLE SYSTEM ($1)` of `table`; `$1` the percentage of pages to read.
    /// `substr` of a stored text reads only the slice it returns.
    static func sample(_ table: Identifier, columns: [String], limit: Int, prefix: Int) -> String {
        let values = columns.map { "pg_catalog.substr(\(Identifier.quote($0))::text, 1, \(prefix))" }
        return "SELECT \(values.joined(separator: ", ")) FROM \(table.sql) TABLESAMPLE SYSTEM ($1) LIMIT \(limit)"
    }

    /// The bounds on one sample's waits, inside its read-only transaction.
    static func sampleTimeouts(lockMilliseconds: Int, statementMilliseconds: Int) -> String {
        "SELECT pg_catalog.set_config('lock_timeout', '\(lockMilliseconds)', true), pg_catalog.set_config('statement_timeout', '\(statementMilliseconds)', true)"
    }

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
