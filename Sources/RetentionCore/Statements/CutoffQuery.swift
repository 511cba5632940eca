/// The SQL that computes a rule's cutoff with PostgreSQL's interval arithmetic in the session's
/// time zone (which the engine sets to the policy's `timeZone`).
///
/// `cutoff = asOf - after`. A row is due when its anchor is strictly earlier than the cutoff.
/// With `align`, the anchor is replaced by the end of its year, the first instant of the next
/// one; `yearEnd(anchor) < cutoff` holds exactly when `anchor < L`, where `L` is the start of the
/// year holding the instant just before the cutoff. The query returns both the cutoff and `L`,
/// so every statement compares a raw anchor with one value and can use an index on it.
public enum CutoffQuery {
    /// Parameters: `$1` asOf (timestamptz text), `$2` the period (interval text).
    /// Columns: cutoff, anchor cutoff.
    public static func sql(align: YearAlignment?, financialYearStartMonth: Int) -> String {
        let cutoff = "($1::timestamptz - $2::interval)"
        return "SELECT \(cutoff), \(anchorCutoff(of: cutoff, align: align, financialYearStartMonth: financialYearStartMonth))"
    }

    /// What a raw anchor is compared with for the cutoff `cutoff` (a timestamptz expression): the
    /// cutoff itself, or with `align` the start of the year holding the instant just before it.
    static func anchorCutoff(of cutoff: String, align: YearAlignment?, financialYearStartMonth: Int) -> String {
        guard let align else { return cutoff }
        let shift = YearAlignmentSQL.shift(align, financialYearStartMonth: financialYearStartMonth)
        return YearAlignmentSQL.yearStart(of: "(\(cutoff) - interval '1 microsecond')", shift: shift)
    }
}
