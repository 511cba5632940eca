import Postgres

/// Schemas that no rule, tenants table or roll-up may name: the engine's own (`retention`, and
/// `retention_archive` where detached partitions go) and the system's (`information_schema` and
/// every `pg_` schema: `pg_catalog`, `pg_toast`, temporary schemas).
enum ReservedSchema {
    /// Why `table` may not be used, or nil when it may. `resolved` is the table the catalog found
    /// for it (an unqualified `pg_class` resolves into `pg_catalog`).
    static func problem(_ table: Identifier, resolved: TableInfo?) -> String? {
        guard let schema = resolved?.identifier.schema ?? table.schema else { return nil }
        let owner: String
        switch schema {
        case "retention", "retention_archive": owner = "the engine's own records"
        case "information_schema": owner = "the system catalog"
        case _ where schema.hasPrefix("pg_"): owner = "the system catalog"
        default: return nil
        }
        return "\(resolved?.identifier ?? table) is in schema \(Identifier(schema)), which holds \(owner); a policy may not act on it"
    }
}
