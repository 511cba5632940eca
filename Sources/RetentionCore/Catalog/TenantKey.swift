import Postgres

/// The policy's tenants table as the engine looks a tenant up in it: by the key column's own
/// type, never through text. A `citext` key finds `Acme` when asked for `ACME`, as a join on
/// that column does; an integer key finds `7` when asked for `07`.
public struct TenantKey: Sendable {
    public let source: TenantSource
    /// The key column's declared type as `format_type` prints it, such as `bigint` or `citext`.
    public let typeName: String

    public init(source: TenantSource, typeName: String) {
        self.source = source
        self.typeName = typeName
    }

    /// The key of `source` with the type read from the live catalog (text when the table or
    /// column is missing: the lookup then fails the way the schema check reports).
    public static func load(_ source: TenantSource, connection: Connection) throws -> TenantKey {
        let column = try Catalog(connection: connection).table(source.table)?.column(source.key)
        return TenantKey(source: source, typeName: column?.typeName ?? "text")
    }

    /// The key of `source` as `schema` read it.
    public init(source: TenantSource, schema: Schema) {
        self.init(source: source, typeName: schema.tables[source.table]?.column(source.key)?.typeName ?? "text")
    }

    /// SQL that reads the text parameter `placeholder` as a key of this type.
    public func typed(_ placeholder: String) -> String { "\(placeholder)::text::\(typeName)" }

    /// Whether the tenants table has tenant `value`, compared with the key type's own equality.
    /// A value the type cannot read (`abc` for an integer key) names no tenant. Must run outside
    /// a transaction block: a value the type cannot read fails its statement.
    public func exists(_ value: String, connection: Connection) throws -> Bool {
        do {
            return try connection.execute("""
                SELECT EXISTS (SELECT 1 FROM \(source.table.sql) WHERE \(Identifier.quote(source.key)) = \(typed("$1")))
                """, [value]).requiredScalar() == "t"
        } catch let error as PostgresError where error.sqlState?.errorClass == "22" {
            return false
        }
    }
}
