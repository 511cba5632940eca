/// The tenant tables the scope and hold tests share: tenants `orgs`, and two tables of their
/// rows, `notes` (which reference `orgs`) and `logs`, each row carrying its tenant in `org_id`.
enum OrgTables {
    /// Rows of `notes` or `logs`: row g (1 through `count`) belongs to org 1 + g % orgs and was
    /// created `g` units (`day`, `hour`) after `start`.
    struct Rows {
        var count: Int
        var start: String
        var unit: String
    }

    /// Orgs 1 through `orgs`, the first `terminated` of them terminated on 2024-01-01.
    static func schema(orgs: Int, terminated: Int = 0, notes: Rows, logs: Rows) -> String {
        """
        SET TimeZone = 'UTC';
        CREATE TABLE orgs (id int PRIMARY KEY, terminated_at timestamptz);
        CREATE TABLE notes (id int PRIMARY KEY, org_id int NOT NULL REFERENCES orgs, created_at timestamptz NOT NULL);
        CREATE TABLE logs (id int PRIMARY KEY, org_id int, created_at timestamptz NOT NULL);
        INSERT INTO orgs SELECT g, CASE WHEN g <= \(terminated) THEN timestamptz '2024-01-01' END FROM generate_series(1, \(orgs)) g;
        \(insert("notes", notes, orgs: orgs))
        \(insert("logs", logs, orgs: orgs))
        """
    }

    private static func insert(_ table: String, _ rows: Rows, orgs: Int) -> String {
        "INSERT INTO \(table) SELECT g, 1 + g % \(orgs), timestamptz '\(rows.start)' + g * interval '1 \(rows.unit)' FROM generate_series(1, \(rows.count)) g;"
    }

    /// A policy whose tenants are `orgs`, with `rules` (JSON objects).
    static func policy(_ name: String, rules: [String]) -> String {
        #"{"policy": "\#(name)", "tenants": {"table": "orgs", "key": "id", "terminatedAt": "terminated_at"}, "rules": [\#(rules.joined(separator: ",\n  "))]}"#
    }
}
