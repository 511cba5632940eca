import Postgres

/// The SQL of `--analyze`, `--vacuum` and `--refresh-views`.
enum HygieneStatements {
    static func command(_ hygiene: TableHygiene, _ table: Identifier) -> String {
        switch hygiene {
        case .analyze: return "ANALYZE \(table.sql)"
        case .vacuum: return "VACUUM (ANALYZE) \(table.sql)"
        }
    }

    /// `--refresh-views`: refreshes `view`, CONCURRENTLY (readers go on) where its unique index allows.
    static func refresh(_ view: MaterializedView) -> String {
        "REFRESH MATERIALIZED VIEW \(view.refreshesConcurrently ? "CONCURRENTLY " : "")\(view.identifier.sql)"
    }

    /// Sets the session's `statement_timeout` to `$1`.
    static let statementTimeout = "SELECT set_config('statement_timeout', $1, false)"

    /// Whether the session's role may ANALYZE and VACUUM table `$1` (`t` or `f`), then the role's
    /// name: as its owner or the database's owner, or with MAINTAIN (PostgreSQL 17 and later).
    static let mayMaintain = """
        SELECT CASE WHEN current_setting('server_version_num')::int >= 170000 THEN pg_catalog.has_table_privilege(c.oid, 'MAINTAIN')
                    ELSE false END
               OR pg_catalog.pg_has_role(c.relowner, 'USAGE') OR pg_catalog.pg_has_role(d.datdba, 'USAGE'),
               current_user::text
        FROM pg_catalog.pg_class c, pg_catalog.pg_database d WHERE c.oid = $1::regclass AND d.datname = current_database()
        """
}
