import Postgres

/// One tenant's term under a rule with `due.perTenant`, and where it comes from: for `plan` and
/// the Owner report.
public struct TenantTermOf: Sendable, Equatable {
    /// Which value the tenant's rows are kept for.
    public enum Source: String, Sendable {
        /// The tenant's own term, in the column.
        case column
        /// The rule's `after`: the tenant has no term (NULL), or is not in the tenants table.
        case after
        /// The rule's `min`: the tenant's term is shorter.
        case min
        /// The rule's `max`: the tenant's term is longer.
        case max
    }

    /// The column read, `table.column`.
    public var column: String
    /// The column's value as PostgreSQL prints it; nil when NULL (or no such tenant).
    public var value: String?
    /// The term applied, as PostgreSQL prints an interval (`2 years`, `90 days`).
    public var applied: String
    public var source: Source

    /// The tenant's term at `asOf` (ISO 8601), in the session's time zone. A tenant the table
    /// does not have (deleted since it was looked up) counts with `after`.
    static func read(_ term: TenantTerm, due: Due, tenant: String, key: TenantKey, financialYearStartMonth: Int, asOf: String,
                     connection: Connection) throws -> TenantTermOf {
        let bounds = try TenantTermBounds.read(term, due: due, financialYearStartMonth: financialYearStartMonth, asOf: asOf, connection: connection).bounds
        var builder = SQLBuilder()
        let sql = TenantTermSQL(term, due: due, bounds: bounds, &builder)
        let row = try connection.execute(sql.termOf(tenant: builder.bind(tenant), key: key), builder.parameters).rows.first
        let source = try row.map { Source(rawValue: try $0.text(2)) ?? .column } ?? .after
        let applied: String = switch source {
        case .min: term.min.description
        case .max: term.max.description
        case .column, .after: try row.map { try $0.text(1) } ?? due.after.description
        }
        return TenantTermOf(column: "\(term.tenants.table).\(term.column)", value: row?[0], applied: applied, source: source)
    }

    /// Where the term comes from, in a sentence's words: `column organizations.log_retention`,
    /// `the rule's default (organizations.log_retention is not set)`, `the rule's max (… is 700 years)`.
    public var origin: String {
        switch source {
        case .column: return "\(column)"
        case .after: return "the rule's default (\(column) is not set)"
        case .min: return "the rule's min (\(column) is \(value ?? "NULL"), shorter)"
        case .max: return "the rule's max (\(column) is \(value ?? "NULL"), longer)"
        }
    }

    public var json: JSONValue {
        .members([("column", .string(column)), ("value", .optionalString(value)), ("applied", .string(applied)), ("source", .string(source.rawValue))])
    }
}
