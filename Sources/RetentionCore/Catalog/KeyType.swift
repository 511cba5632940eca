/// How text names a key of a column (a tenant given on the command line, a legal hold's tenant,
/// a tenant recorded with a batch): compared by the column type's own equality, never through
/// text (under `citext`, `ACME` is tenant `Acme`), in the type without its modifier (a cast to
/// `varchar(8)` would cut `acme-corp-2` to tenant `acme-cor`, one to `numeric(10,2)` would round),
/// and so that text the type cannot read names no key instead of failing the statement (a hold
/// placed on `acme` must not stop every batch of a rule whose tenants are integers).
public struct KeyType: Sendable, Equatable {
    /// The type without its modifier, as `format_type(oid, NULL)` prints it.
    public let name: String
    let reading: Reading

    /// How the type reads text.
    enum Reading: Sendable, Equatable {
        /// String types read any text.
        case string
        /// Numbers are compared as `numeric`: exact for every integer, and no text of digits can overflow it.
        case number
        /// A uuid, read when the text has a uuid's form.
        case uuid
        /// Any other type is compared through its text form.
        case textForm
    }

    public static let text = KeyType(name: "text", reading: .string)

    /// The key type of `column`.
    public init(_ column: ColumnInfo) {
        name = column.unmodifiedType
        if column.isText {
            reading = .string
        } else if column.isNumeric {
            reading = .number
        } else if column.baseType == "uuid" {
            reading = .uuid
        } else {
            reading = .textForm
        }
    }

    init(name: String, reading: Reading) {
        self.name = name
        self.reading = reading
    }

    /// The key `column` (an SQL expression of this type) as it is compared.
    public func compared(_ column: String) -> String {
        switch reading {
        case .string, .uuid: return column
        case .number: return "(\(column))::numeric"
        case .textForm: return "(\(column))::text"
        }
    }

    /// The text expression `text` read as a compared key; NULL when the type cannot read it.
    public func read(_ text: String) -> String {
        switch reading {
        case .string:
            return "(\(text))::text::\(name)"
        case .number:
            return "CASE WHEN (\(text))::text ~ '\(KeyType.numberPattern)' THEN (\(text))::text::numeric END"
        case .uuid:
            return "CASE WHEN (\(text))::text ~* '\(KeyType.uuidPattern)' THEN (\(text))::text::uuid END"
        case .textForm:
            return "(\(text))::text"
        }
    }

    /// `column = text`, compared as above; false (not NULL) when the text names no key.
    public func equals(_ column: String, text: String) -> String {
        "coalesce(\(compared(column)) = \(read(text)), false)"
    }

    /// `column` (a key of this type) names a tenant under a legal hold in force that matches
    /// `holdFilter` (an SQL condition on `h`, the hold); never NULL. The holds are read by the
    /// statement itself, so a hold placed while a run goes on protects from the next batch on.
    public func held(_ column: String, holdFilter: String) -> String {
        among(column, "retention.legal_holds h WHERE h.released_at IS NULL AND h.tenant IS NOT NULL AND \(holdFilter)")
    }

    /// `column` names one of the held tenants in `keys`, a `text[]` expression (the holds read
    /// by the batch's transaction first, where the statement cannot read the table); never NULL.
    public func held(_ column: String, amongKeys keys: String) -> String {
        among(column, "unnest(\(keys)::text[]) AS h(tenant)")
    }

    /// `column` is one of the `h.tenant` texts of `source` (a FROM clause), read as keys.
    private func among(_ column: String, _ source: String) -> String {
        "coalesce(\(compared(column)) IN (SELECT \(read("h.tenant")) FROM \(source)), false)"
    }

    /// Decimal numbers as `numeric` reads them, with optional sign, fraction and exponent.
    static let numberPattern = "^[[:space:]]*[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?[[:space:]]*$"
    /// A uuid with or without hyphens, optionally in braces.
    static let uuidPattern = "^[{]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[}]?$"
}
