import Postgres

/// `retention coverage`: the columns of the database that look personal and that no rule,
/// subject target or `notPersonal` entry names, and the tables whose values could not be read
/// (docs/coverage.md).
public struct CoverageScan: Sendable {
    /// The uncovered columns, in schema, table and column order.
    public var findings: [CoverageFinding]
    /// Tables (and materialized views) whose sample failed, in the same order.
    public var unsampled: [UnsampledTable]
    /// How many columns looked personal, covered or not (covered ones are not sampled).
    public var personalColumns: Int
    public var tablesScanned: Int

    /// One column as the catalog describes it, with the signals found so far.
    private struct Candidate {
        var oid: Int64
        var table: Identifier
        var inMaterializedView: Bool
        var column: String
        var signals: [CoverageSignal]
        var covered: Bool
    }

    /// One relation with the uncovered columns whose values are to be sampled.
    private struct SampleTarget {
        var oid: Int64
        var table: Identifier
        var estimatedRows: Int64
        var columns: [String] = []
    }

    public static func scan(_ policy: Policy, connection: Connection) throws -> CoverageScan {
        let coverage = try PolicyCoverage.resolve(policy, connection: connection)
        let rows = try connection.execute(CoverageStatements.columns, [textArrayLiteral(CoverageStatements.excludedSchemas)]).rows
        var candidates: [Candidate] = []
        var targets: [SampleTarget] = []
        for row in rows {
            let oid = try row.int64(0)
            let table = Identifier(try row.text(1), try row.text(2))
            let column = try row.text(4)
            let typeName = try row.text(5)
            let type = ColumnType(baseType: typeName, category: try row.text(6), elementCategory: try row.text(7))
            let comment = row[8]
            if targets.last?.oid != oid { targets.append(SampleTarget(oid: oid, table: table, estimatedRows: try row.int64(9))) }
            guard !CommentWords.isReviewed(comment) else { continue }
            var signals: [CoverageSignal] = []
            if let found = NameWords.match(column, table: table.name, type: type) { signals.append(.name(found.word, special: found.kind.special)) }
            if type == .device { signals.append(.type(typeName)) }
            if let word = CommentWords.match(comment) { signals.append(.comment(word)) }
            let covered = coverage.coveredBy(table: oid, column: column) != nil
            if !covered, type.isSampled, try row.bool(10) { targets[targets.count - 1].columns.append(column) }
            candidates.append(Candidate(oid: oid, table: table, inMaterializedView: try row.bool(3), column: column, signals: signals, covered: covered))
        }
        var samples: [Int64: [String: CoverageSignal]] = [:]
        var unsampled: [UnsampledTable] = []
        for target in targets where !target.columns.isEmpty {
            switch try ValueSample.take(target.table, columns: target.columns, estimatedRows: target.estimatedRows, connection: connection) {
            case let .success(found): samples[target.oid] = found
            case let .failure(reason): unsampled.append(UnsampledTable(table: target.table, reason: reason, columns: target.columns))
            }
        }
        var foreignKeys: [Int64: [(references: Int64, column: String)]] = [:]
        for row in try connection.execute(CoverageStatements.foreignKeys).rows {
            foreignKeys[try row.int64(0), default: []].append((try row.int64(1), try row.text(2)))
        }
        var findings: [CoverageFinding] = []
        var personal = 0
        for var candidate in candidates {
            if let signal = samples[candidate.oid]?[candidate.column] { candidate.signals.append(signal) }
            guard !candidate.signals.isEmpty else { continue }
            personal += 1
            guard !candidate.covered else { continue }
            findings.append(CoverageFinding(table: candidate.table, column: candidate.column, inMaterializedView: candidate.inMaterializedView,
                                            signals: candidate.signals, confidence: Confidence.of(candidate.signals),
                                            home: coverage.home(table: candidate.oid, foreignKeys: foreignKeys[candidate.oid] ?? [])))
        }
        return CoverageScan(findings: findings, unsampled: unsampled, personalColumns: personal, tablesScanned: targets.count)
    }
}
