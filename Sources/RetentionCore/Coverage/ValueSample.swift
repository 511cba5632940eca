import Foundation
import Postgres

/// A bounded sample of a table's sampled columns, matched against `ValueKind`. Only counts leave
/// this type; the values are dropped as soon as they are classified.
struct ValueSample {
    /// Rows read per table at most.
    static let rowLimit = 300
    /// Characters read of each value at most (`substr` in SQL, which reads only that slice of a
    /// stored value): the cost per table is bounded whatever the row width.
    static let prefixCharacters = 4096
    /// How long a sample waits for a lock another session holds on the table, and how long it may take.
    static let lockTimeoutMilliseconds = 2000
    static let statementTimeoutMilliseconds = 3000
    /// The share of non-null values that must be of one kind as a whole for the column to be flagged.
    static let minimumRate = 0.3
    /// The share of non-null values that must hold one kind inside them (at least two values):
    /// free text mentions an address now and then.
    static let minimumInsideRate = 0.1

    /// Column → its dominant kind's signal, for the columns whose hit rate reaches the minimum.
    /// A failure the server reports (privileges, lock or statement timeout) is returned; any
    /// other error (the connection broke) is thrown.
    static func take(_ table: Identifier, columns: [String], estimatedRows: Int64, connection: Connection) throws -> Result<[String: CoverageSignal], SampleFailure> {
        let percent = estimatedRows <= 3 * Int64(rowLimit) ? 100.0 : max(0.01, 300.0 * Double(rowLimit) / Double(estimatedRows))
        let rows: [[String?]]
        do {
            rows = try connection.transaction(readOnly: true) {
                try connection.execute(CoverageStatements.sampleTimeouts(lockMilliseconds: lockTimeoutMilliseconds, statementMilliseconds: statementTimeoutMilliseconds))
                return try connection.execute(CoverageStatements.sample(table, columns: columns, limit: rowLimit, prefix: prefixCharacters), [String(percent)]).rows
            }
        } catch let error as PostgresError {
            guard let state = error.sqlState else { throw error }
            return .failure(SampleFailure(state))
        }
        var signals: [String: CoverageSignal] = [:]
        for (index, column) in columns.enumerated() {
            if let signal = signal(rows.compactMap { $0[index] }) { signals[column] = signal }
        }
        return .success(signals)
    }

    /// The signal of one column's sampled values: the kind most values are as a whole, else the
    /// kind most values hold inside them. Dotted quads count as IP addresses only when some of
    /// them cannot be a version (`10.2.3.0`).
    static func signal(_ values: [String]) -> CoverageSignal? {
        var whole: [ValueKind: Int] = [:]
        var inside: [ValueKind: Int] = [:]
        var versionLike = true
        for value in values {
            if let kind = ValueKind.of(value) {
                whole[kind, default: 0] += 1
                if kind == .ip, !ValuePatterns.isVersionLike(value.trimmingCharacters(in: .whitespaces)) { versionLike = false }
            } else {
                for kind in ValueKind.inside(value) { inside[kind, default: 0] += 1 }
            }
        }
        if versionLike { whole[.ip] = nil }
        let sampled = values.count
        if let (kind, hits) = dominant(whole), Double(hits) >= minimumRate * Double(sampled) {
            return .sample(kind, hits: hits, sampled: sampled, inside: false)
        }
        if let (kind, hits) = dominant(inside), hits >= 2, Double(hits) >= minimumInsideRate * Double(sampled) {
            return .sample(kind, hits: hits, sampled: sampled, inside: true)
        }
        return nil
    }

    /// The kind with the most hits; on a tie the first in `ValueKind.allCases`.
    private static func dominant(_ counts: [ValueKind: Int]) -> (ValueKind, Int)? {
        ValueKind.allCases.compactMap { kind in counts[kind].map { (kind, $0) } }.max { $0.1 < $1.1 }
    }
}
