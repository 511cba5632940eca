import Postgres

/// A legal hold: a tenant's rows are kept from every rule, or from one, until it is released;
/// or one person's rows, from every rule and every erasure request. Holds are an audit record:
/// placing and releasing are recorded with who and when, and a hold is never deleted.
public struct LegalHold: Sendable, Equatable {
    /// Whose rows a hold keeps.
    public enum Holder: Sendable, Equatable {
        case tenant(String)
        /// The person named by a value of this column of the subjects map; the hold keeps only
        /// the HMACs of the person's values (`retention.legal_hold_values`), never a value.
        case person(subjectColumn: String)

        /// `tenant 42` or `subject email`, as `hold list` and the reports name the holder.
        public var description: String {
            switch self {
            case let .tenant(tenant): return "tenant \(tenant)"
            case let .person(subjectColumn): return "subject \(subjectColumn)"
            }
        }
    }

    public var id: Int64
    public var holder: Holder
    public var rule: String?
    public var reason: String
    public var placedBy: String
    public var placedAt: String
    public var releasedBy: String?
    public var releasedAt: String?

    public var isActive: Bool { releasedAt == nil }

    /// The tenant held, or nil for a hold on a person.
    public var tenant: String? { if case let .tenant(tenant) = holder { tenant } else { nil } }
    /// The subject column that named the person held, or nil for a hold on a tenant.
    public var subjectColumn: String? { if case let .person(column) = holder { column } else { nil } }

    static let columns = """
        hold_id, tenant, rule, reason, placed_by, \(SQLTime.isoUTC("placed_at")), released_by, \(SQLTime.isoUTC("released_at")), subject_column
        """

    init(row: [String?]) throws {
        id = try row.int64(0)
        holder = try row[1].map(Holder.tenant) ?? .person(subjectColumn: row.text(8))
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
        return try connection.execute("SELECT \(columns) FROM retention.legal_holds WHERE tenant IS NOT NULL AND \(match) ORDER BY hold_id", [tenant]).rows.map(LegalHold.init)
    }

    /// The holds on persons in force: which of a tenant's people they are cannot be told
    /// without the pseudonym key, so a tenant's report names them all (never a value).
    public static func personsActive(_ connection: Connection) throws -> [LegalHold] {
        try connection.execute("SELECT \(columns) FROM retention.legal_holds WHERE subject_column IS NOT NULL AND released_at IS NULL ORDER BY hold_id").rows.map(LegalHold.init)
    }
}

extension LegalHold {
    /// The hold as JSON, for `hold list --format json` and the compliance report.
    public var json: JSONValue {
        .members([
            ("id", .int(id)), ("tenant", .optionalString(tenant)), ("subject", .optionalString(subjectColumn)), ("rule", .optionalString(rule)),
            ("reason", .string(reason)),
            ("placedBy", .string(placedBy)), ("placedAt", .string(placedAt)),
            ("releasedBy", .optionalString(releasedBy)), ("releasedAt", .optionalString(releasedAt)),
        ])
    }
}
