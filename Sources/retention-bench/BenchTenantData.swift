import Postgres

/// The table of the rules real policies have: `events` of 10,000 tenants (`orgs`), 1,000 of them
/// terminated, 20 of those under a legal hold, 5 % of the rows removed (`removed_at`), and a
/// child table `event_notes` that references 1 % of the events through an indexed foreign key.
/// Each tenant has its own term (`orgs.term`, 54 to 72 months; NULL, the default of 5 years, for
/// every tenth), within the per-tenant rule's bounds.
enum BenchTenantData {
    static let tenants = 10_000
    /// Terminated before every `asOf` the benchmark uses.
    static let terminatedAt = "2023-12-01T00:00:00Z"
    static let asOf = "2030-01-01T00:00:00Z"

    static func create(_ connection: Connection, rows: Int, shuffled: Bool) throws {
        try connection.executeScript("""
            CREATE TABLE orgs (id int PRIMARY KEY, name text NOT NULL, terminated_at timestamptz, term interval);
            INSERT INTO orgs SELECT g, 'org ' || g, CASE WHEN g % 10 = 0 THEN timestamptz '\(terminatedAt)' END,
                                    CASE WHEN g % 10 <> 3 THEN (54 + (g * 7919) % 19) * interval '1 month' END
            FROM generate_series(0, \(tenants - 1)) AS g;
            CREATE TABLE events (
                id bigserial PRIMARY KEY, org_id int NOT NULL, user_id bigint, email text, ip inet, kind text,
                payload jsonb, created_at timestamptz NOT NULL, removed_at timestamptz);
            CREATE TABLE event_notes (id bigserial PRIMARY KEY, event_id bigint NOT NULL REFERENCES events (id), body text,
                created_at timestamptz NOT NULL);
            """)
        try connection.execute("""
            INSERT INTO events (org_id, user_id, email, ip, kind, payload, created_at, removed_at)
            SELECT g % \(tenants), g % 20000, 'user' || (g % 20000) || '@example.com',
                   ('10.' || (g % 256) || '.' || ((g / 256) % 256) || '.' || (g % 200))::inet,
                   (ARRAY['login', 'view', 'edit'])[1 + g % 3], jsonb_build_object('n', g, 'path', '/objectives/' || g),
                   timestamptz '\(BenchData.start)' + g * interval '\(BenchData.stepSeconds) seconds',
                   CASE WHEN g % 20 = 7 THEN timestamptz '\(BenchData.start)' + g * interval '\(BenchData.stepSeconds) seconds' + interval '1 day' END
            FROM generate_series(1, $1::int) AS g
            \(shuffled ? "ORDER BY random()" : "")
            """, [String(rows)])
        try connection.executeScript("""
            INSERT INTO event_notes (event_id, body, created_at) SELECT id, 'note ' || id, created_at FROM events WHERE id % 97 = 3 ORDER BY id;
            CREATE INDEX events_created_at_idx ON events (created_at);
            CREATE INDEX event_notes_event_id_idx ON event_notes (event_id);
            """)
        for table in ["orgs", "events", "event_notes"] { try connection.execute("VACUUM ANALYZE \(table)") }
    }

    /// After the engine's schema exists: 20 terminated tenants under a legal hold.
    static func placeHolds(_ connection: Connection) throws {
        try connection.execute("INSERT INTO retention.legal_holds (tenant, reason) SELECT (g * 10)::text, 'benchmark hold' FROM generate_series(1, 20) AS g")
    }

    /// The rows an action removes, as one condition on `events e` (`$1`: asOf): what the single
    /// statement deletes and the count the engine must reach.
    static func condition(_ action: BenchAction) -> String {
        let terminated = "e.org_id IN (SELECT o.id FROM orgs o WHERE o.terminated_at < $1::timestamptz)"
        let due: String
        switch action {
        case .earliestOf: due = "(e.removed_at < $1::timestamptz OR \(terminated))"
        case .perTenant: due = "e.created_at < $1::timestamptz - coalesce((SELECT o.term FROM orgs o WHERE o.id = e.org_id), \(defaultTerm))"
        case .terminate, .delete, .pseudonymise, .aggregate: due = terminated
        }
        return """
            \(due) AND e.org_id NOT IN (SELECT h.tenant::int FROM retention.legal_holds h WHERE h.released_at IS NULL)
            AND NOT EXISTS (SELECT 1 FROM event_notes n WHERE n.event_id = e.id)
            """
    }

    /// The per-tenant rule's `after`, for tenants without a term.
    static let defaultTerm = "interval '5 years'"

    /// What a plain SQL user writes for the per-tenant rule: one `DELETE … USING` the tenants.
    static let perTenantStatement = """
        DELETE FROM events e USING orgs o
        WHERE o.id = e.org_id AND e.created_at < $1::timestamptz - coalesce(o.term, \(defaultTerm))
          AND e.org_id NOT IN (SELECT h.tenant::int FROM retention.legal_holds h WHERE h.released_at IS NULL)
          AND NOT EXISTS (SELECT 1 FROM event_notes n WHERE n.event_id = e.id)
        """

    /// The engine's rules for an action on this table: the action's, and the notes' own rule (a
    /// policy must have one for a table that references rows it deletes), which has nothing due.
    static func rules(_ action: BenchAction) -> String {
        let notes = #"{"name": "notes", "table": "event_notes", "due": {"after": "100 years", "from": "created_at"}, "action": "delete"}"#
        if action == .perTenant {
            return #"{"name": "events-per-tenant", "table": "events", "tenantColumn": "org_id", "action": "delete", "due": {"after": "5 years", "from": "created_at", "#
                + #""perTenant": {"column": "term", "min": "30 days", "max": "7 years"}}}, "# + notes
        }
        let from = action == .earliestOf ? #"["removed_at", "tenant.terminatedAt"]"# : #""tenant.terminatedAt""#
        return #"{"name": "events-\#(action.rawValue)", "table": "events", "tenantColumn": "org_id", "due": {"after": "0 days", "from": \#(from)}, "action": "delete"}, "# + notes
    }

    static let tenantsJSON = #""tenants": {"table": "orgs", "key": "id", "terminatedAt": "terminated_at"}"#
}
