import Postgres

/// A bounded sample of a table's text columns, matched against `ValueKind`. Only counts leave
/// this type; the values are dropped as soon as they are classified.
struct ValueSample {
    /// Rows read per table at most.
    static let rowLimit = 300
    /// Each sample's statement_timeout.
    static let timeoutMilliseconds = 2000
    /// The share of non-null values that must match one kind for the column to be flagged.
    static let minimumRate = 0.3

    /// Column → its dominant kind's signal, for the columns whose hit rate reaches `minimumRate`;
    /// nil when the sample failed (timeout, privileges).
    static func take(_ table: Identifier, columns: [String], estimatedRows: Int64, connection: Connection) -> [String: CoverageSignal]? {
        let percent = estimatedRows <= 3 * Int64(rowLimit) ? 100.0 : max(0.01, 300.0 * Double(rowLimit) / Double(estimatedRows))
        let rows: [[String?]]
        do {
            rows = try connection.transaction(readOnly: true) {
                try connection.execute(CoverageStatements.sampleTimeout(milliseconds: timeoutMilliseconds))
                return try connection.execute(CoverageStatements.sample(table, columns: columns, limit: rowLimit), [String(percent)]).rows
            }
        } catch {
            return nil
        }
        var signals: [String: CoverageSignal] = [:]
        for (index, column) in columns.enumerated() {
            var counts: [ValueKind: Int] = [:]
            var sampled = 0
            for row in rows {
                guard let value = row[index] else { continue }
                sampled += 1
                if let kind = ValueKind.of(value) { counts[kind, default: 0] += 1 }
            }
            guard let (kind, hits) = counts.max(by: { $0.value < $1.value }), Double(hits) >= minimumRate * Double(sampled) else { continue }
            signals[column] = .sample(kind, hits: hits, sampled: sampled)
        }
        return signals
    }
}
