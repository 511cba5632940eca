import Postgres

/// The benchmark table, as in `postgres-delete-physics.md`: `events` with an index on
/// `created_at`, rows in time order ("seq") or shuffled, `dueFraction` of them before the cutoff.
enum BenchData {
    static let start = "2024-01-01T00:00:00Z"
    static let stepSeconds = 10

    static func create(_ connection: Connection, rows: Int, shuffled: Bool) throws {
        try connection.executeScript("""
            CREATE TABLE events (
                id bigserial PRIMARY KEY, org_id int NOT NULL, user_id bigint, email text, ip inet, kind text,
                payload jsonb, created_at timestamptz NOT NULL, pseudonymised_at timestamptz);
            CREATE TABLE events_daily (day date NOT NULL, org_id int NOT NULL, kind text NOT NULL,
                events bigint NOT NULL, user_total numeric NOT NULL DEFAULT 0, PRIMARY KEY (day, org_id, kind));
            """)
        try connection.execute("""
            INSERT INTO events (org_id, user_id, email, ip, kind, payload, created_at)
            SELECT g % 500, g % 20000, 'user' || (g % 20000) || '@example.com',
                   ('10.' || (g % 256) || '.' || ((g / 256) % 256) || '.' || (g % 200))::inet,
                   (ARRAY['login', 'view', 'edit'])[1 + g % 3], jsonb_build_object('n', g, 'path', '/objectives/' || g),
                   timestamptz '\(start)' + g * interval '\(stepSeconds) seconds'
            FROM generate_series(1, $1::int) AS g
            \(shuffled ? "ORDER BY random()" : "")
            """, [String(rows)])
        try connection.execute("CREATE INDEX events_created_at_idx ON events (created_at)")
        try connection.execute("VACUUM ANALYZE events")
    }
}
