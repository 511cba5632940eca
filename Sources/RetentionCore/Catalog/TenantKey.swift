import Postgres

/// The policy's tenants table as the engine looks a tenant up in it: by the key column's own
/// type, never through text. A `citext` key finds `Acme` when asked for `ACME`, as a join on
/// that column does; an integer key finds `7` when asked for `07`.
public struct TenantKey: Sendable {
    public let source: TenantSource
    /// How text names a key of the key column.
    public let type: KeyType

    public init(source: TenantSource, type: KeyType) {
        self.source = source
        self.type = type
    }

    /// The key of `source` with the type read from the live catalog (text when the table or
    /// column is missing: the lookup then fails the way the schema check reports).
    public static func load(_ source: TenantSource, connection: Connection) throws -> TenantKey {
        let column = try Catalog(connection: connection).table(source.table)?.column(source.key)
        return TenantKey(source: source, type: column.map(KeyType.init) ?? .text)
    }

    /// The key of `source` as `schema` read it.
    public init(source: TenantSource, schema: Schema) {
        self.init(source: source, type: schema.tables[source.table]?.column(source.key).map(KeyType.init) ?? .text)
    }

    /// SQL: the key column `column` names the tenant of text `text`.
    public func matches(_ column: String, _ text: String) -> String { type.equals(column, text: text) }

    /// Whether the tenants table has tenant `value`, compared with the key type's own equality.
    /// A value the type cannot read (`abc` for an integer key) names no tenant.
    public func exists(_ value: String, connection: Connection) throws -> Bool {
        try connection.execute("""
            SELECT EXISTS (SELECT 1 FROM \(source.table.sql) WHERE \(matches(Identifier.quote(source.key), "$1")))
            """, [value]).requiredScalar() == "t"
    }
}
