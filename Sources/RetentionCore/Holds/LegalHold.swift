import Postgres

/// A legal hold: a tenant's rows are kept from every rule, or from one, until it is released.
/// Holds are an audit record: placing and releasing are recorded with who and when, and a
/// hold is never deleted.
public struct LegalHold: Sendable, Equatable {
    public var id: Int64
    public var tenant: String
    public var rule: String?
    public var reason: String
    public var placedBy: String
    public var placedAt: String
    public var releasedBy: String?
    public var releasedAt: String?

    public var isActive: Bool { releasedAt == nil }

    static let columns = """
        hold_id, tenant, rule, reason, placed_by, \(SQLTime.isoUTC("placed_at")), released_by, \(SQLTime.isoUTC("released_at"))
        """

    init(row: [String?]) throws {
        id = try row.int64(0)
        tenant = try row.text(1)
        rule = row[2]
        reason = try row.text(3)
        placedBy = try row.text(4)
        placedAt = try row.text(5)
        releasedBy = row[6]
        releasedAt = row[7]
    }

    /// The holds in force.
    public static func active(_ connection: Connection) throws -> [LegalHold] {
        try connection.execute("SELECT \(columns) FROM retention.legal_holds WHERE released_at IS NULL ORDER BY hold_id").rows.map(LegalHold.init)
    }

    /// Every hold, released ones included, in the order they were placed.
    public static func all(_ connection: Connection) throws -> [LegalHold] {
        try connection.execute("SELECT \(columns) FROM retention.legal_holds ORDER BY hold_id").rows.map(LegalHold.init)
    }

    /// The holds of one tenant, released ones included; compared as `key`'s type when given
    /// (a hold placed on `acme` is `ACME`'s under a `citext` key), else as placed.
    public static func of(tenant: String, key: TenantKey?, _ connection: Connection) throws -> [LegalHold] {
        let match = key.map { "\($0.type.read("tenant")) = \($0.type.read("$1"))" } ?? "tenant = $1"
        return try connection.execute("SELECT \(columns) FROM retention.legal_holds WHERE \(match) ORDER BY hold_id", [tenant]).rows.map(LegalHold.init)
    }
}

extension LegalHold {
    /// The hold as JSON, for `hold list --format json` and the compliance report.
    public var json: JSONValue {
        .members([
            ("id", .int(id)), ("tenant", .string(tenant)), ("rule", .optionalString(rule)), ("reason", .string(reason)),
            ("placedBy", .string(placedBy)), ("placedAt", .string(placedAt)),
            ("releasedBy", .optionalString(releasedBy)), ("releasedAt", .optionalString(releasedAt)),
        ])
    }
}
