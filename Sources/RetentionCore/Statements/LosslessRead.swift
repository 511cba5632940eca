import Postgres

/// Reads text as a column's type only when nothing is lost: a value that a `varchar(n)` would
/// cut, a numeric scale round, an integer refuse or an enum or domain not hold names nobody
/// (NULL), instead of the row of whoever holds the cut value. Pure: builds SQL text.
enum LosslessRead {
    /// `value` (a text expression) as `column`'s type, or NULL when reading it loses something.
    /// `source`: the column the text was written out from; a value read back into a column of
    /// the same declared type is its own text and needs no proof.
    static func sql(_ value: String, as column: ColumnInfo, from source: ColumnInfo? = nil, _ builder: inout SQLBuilder) -> String {
        if let source, source.typeName == column.typeName { return "(\(value))::\(column.typeName)" }
        if readsEveryText(column) { return "(\(value))::\(column.typeName)" }
        return "CASE WHEN \(check(value, as: column, &builder)) THEN (\(value))::\(column.typeName) END"
    }

    /// Whether `value` reads back unchanged from `column`'s type (never NULL, never an error).
    static func check(_ value: String, as column: ColumnInfo, _ builder: inout SQLBuilder) -> String {
        if readsEveryText(column) { return "(\(value)) IS NOT NULL" }
        return "retention.reads_losslessly(\(value), \(builder.bind(column.typeName)), \(builder.bind(column.plainBaseType)))"
    }

    /// Whether the column's declared type holds every text as it is: `text` and `varchar`
    /// without a length (not a domain over them, whose CHECK may refuse a value). The proof is
    /// then known without asking the server, which saves a subtransaction per value.
    private static func readsEveryText(_ column: ColumnInfo) -> Bool {
        column.typeName == "text" || column.typeName == "character varying"
    }
}
