import Postgres

/// Row-level security on one relation, as it applies to the connected role. With it in force a
/// role sees, deletes and updates only the rows a policy lets it: a run would count and act on
/// those and report `ok` while hidden due rows stay.
public struct RowSecurity: Sendable, Equatable {
    /// `FORCE ROW LEVEL SECURITY`: the table's owner is subject to it too.
    public var forced: Bool
    /// Whether the connected role may see fewer rows than the table holds: it is not superuser,
    /// has no BYPASSRLS, is not the owner (or the table forces it on the owner), and no
    /// permissive `FOR ALL ... USING (true)` policy without a restrictive one lets it see every row.
    public var hidesRows: Bool
    /// The connected role that `hidesRows` was judged for.
    public var role: String
}

extension Catalog {
    /// The relations of `relations` that have row-level security enabled (`relrowsecurity`),
    /// judged for the connected role. Every relation must exist.
    func rowSecurity(of relations: [Identifier]) throws -> [Identifier: RowSecurity] {
        guard !relations.isEmpty else { return [:] }
        let applies = "(0::oid = ANY(p.polroles) OR EXISTS (SELECT 1 FROM unnest(p.polroles) AS pr(oid) WHERE pr.oid <> 0 AND pg_catalog.pg_has_role(r.oid, pr.oid, 'USAGE')))"
        let rows = try connection.execute("""
            SELECT n.nspname, c.relname, c.relforcerowsecurity,
                   NOT (r.rolsuper OR r.rolbypassrls
                        OR (NOT c.relforcerowsecurity AND pg_catalog.pg_has_role(r.oid, c.relowner, 'USAGE'))
                        OR (EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid AND p.polpermissive AND p.polcmd = '*'
                                      AND \(applies) AND pg_catalog.pg_get_expr(p.polqual, p.polrelid) = 'true'
                                      AND (p.polwithcheck IS NULL OR pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) = 'true'))
                            AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid AND NOT p.polpermissive AND \(applies)))),
                   r.rolname
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_catalog.pg_roles r ON r.rolname = current_user
            WHERE c.oid = ANY($1::text[]::regclass[]) AND c.relrowsecurity
            """, [textArrayLiteral(relations.map(\.sql))]).rows
        var found: [Identifier: RowSecurity] = [:]
        for row in rows {
            found[Identifier(try row.text(0), try row.text(1))] = RowSecurity(forced: try row.bool(2), hidesRows: try row.bool(3), role: try row.text(4))
        }
        return found
    }
}
