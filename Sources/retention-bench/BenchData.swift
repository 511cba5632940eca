import Postgres

/// How densely the aggregate's roll-up rows (day, organisation, kind) are filled: 8,640 rows a
/// day spread over 500 organisations (`sparse`, about 5.8 rows per roll-up row) or over 121
/// (`dense`, about 24, as analytics events are). 121 and 3 kinds have no common factor, so every
/// organisation has rows of every kind each day.
enum BenchBuckets: String {
    case sparse, dense

    var organisations: Int {
        switch self {
        case .sparse: return 500
        case .dense: return 121
        }
    }
}

/// The benchmark table, as in `postgres-delete-physics.md`: `events` with an index on
/// `created_at`, rows in time order ("seq") or shuffled, `dueFraction` of them before the cutoff.
enum BenchData {
    static let start = "2024-01-01T00:00:00Z"
    static let stepSeconds = 10

    static func create(_ connection: Connection, rows: Int, shuffled: Bool, buckets: BenchBuckets) throws {
        try connection.executeScript("""
            CREATE TABLE events (
                id bigserial PRIMARY KEY, org_id int NOT NULL, user_id bigint, email text, ip inet, kind text,
                payload jsonb, created_at timestamptz NOT NULL, pseudonymised_at timestamptz);
            CREATE TABLE events_daily (day date NOT NULL, org_id int NOT NULL, kind text NOT NULL,
                events bigint NOT NULL, user_total numeric NOT NULL DEFAULT 0, PRIMARY KEY (day, org_id, kind));
            """)
        try connection.execute("""
            INSERT INTO events (org_id, user_id, email, ip, kind, payload, created_at)
            SELECT g % $2::int, g % 20000, 'user' || (g % 20000) || '@example.com',
                   ('10.' || (g % 256) || '.' || ((g / 256) % 256) || '.' || (g % 200))::inet,
                   (ARRAY['login', 'view', 'edit'])[1 + g % 3], jsonb_build_object('n', g, 'path', '/objectives/' || g),
                   timestamptz '\(start)' + g * interval '\(stepSeconds) seconds'
            FROM generate_series(1, $1::int) AS g
            \(shuffled ? "ORDER BY random()" : "")
            """, [String(rows), String(buckets.organisations)])
        try connection.execute("CREATE INDEX events_created_at_idx ON events (created_at)")
        try connection.execute("VACUUM ANALYZE events")
    }

    /// The partitioned layout: `events` range-partitioned by month over `months` months from
    /// `start`, rows spread evenly in time order; returns the seconds between two rows.
    static func createPartitioned(_ connection: Connection, rows: Int, months: Int) throws -> Double {
        let seconds = try connection.execute("SELECT extract(epoch FROM (timestamptz '\(start)' + $1::int * interval '1 month') - timestamptz '\(start)')",
                                             [String(months)]).requiredScalar()
        let step = (Double(seconds) ?? 0) / Double(rows + 1)
        try connection.executeScript("""
            SET TimeZone = 'UTC';
            CREATE TABLE events (
                id bigserial, org_id int NOT NULL, user_id bigint, email text, ip inet, kind text,
                payload jsonb, created_at timestamptz NOT NULL, pseudonymised_at timestamptz, PRIMARY KEY (id, created_at))
                PARTITION BY RANGE (created_at);
            CREATE INDEX events_created_at_idx ON events (created_at);
            DO $$ DECLARE m timestamptz; BEGIN
              FOR m IN SELECT generate_series(timestamptz '\(start)', timestamptz '\(start)' + interval '\(months - 1) months', interval '1 month') LOOP
                EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)', 'events_' || to_char(m, 'YYYY_MM'), m, m + interval '1 month');
              END LOOP; END $$;
            """)
        try connection.execute("""
            INSERT INTO events (org_id, user_id, email, ip, kind, payload, created_at)
            SELECT g % 500, g % 20000, 'user' || (g % 20000) || '@example.com',
                   ('10.' || (g % 256) || '.' || ((g / 256) % 256) || '.' || (g % 200))::inet,
                   (ARRAY['login', 'view', 'edit'])[1 + g % 3], jsonb_build_object('n', g, 'path', '/objectives/' || g),
                   timestamptz '\(start)' + g * $2::float8 * interval '1 second'
            FROM generate_series(1, $1::int) AS g
            """, [String(rows), String(step)])
        try connection.execute("VACUUM ANALYZE events")
        return step
    }
}
