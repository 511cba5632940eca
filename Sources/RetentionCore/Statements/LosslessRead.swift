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
        return "CASE WHEN \(check(value, as: column, &builder)) THEN (\(value))::\(column.typeName) END"
    }

    /// Whether `value` reads back unchanged from `column`'s type (never NULL, never an error).
    static func check(_ value: String, as column: ColumnInfo, _ builder: inout SQLBuilder) -> String {
        "retention.reads_losslessly(\(value), \(builder.bind(column.typeName)), \(builder.bind(column.plainBaseType)))"
    }
}
