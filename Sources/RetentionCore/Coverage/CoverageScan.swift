import Postgres

/// `retention coverage`: the columns of the database that look personal and that no rule,
/// subject target or `notPersonal` entry names (docs/coverage.md).
public struct CoverageScan: Sendable {
    /// The uncovered columns, in schema, table and column order.
    public var findings: [CoverageFinding]
    /// How many columns looked personal, covered or not (covered ones are not sampled).
    public var personalColumns: Int
    public var tablesScanned: Int
    /// Tables whose sample failed (timeout or privileges): their text columns were judged without values.
    public var samplesFailed: Int

    /// Types that hold addresses of devices.
    static let deviceTypes: Set<String> = ["inet", "cidr", "macaddr", "macaddr8"]
    /// Types whose values are sampled.
    static let textTypes: Set<String> = ["text", "varchar", "bpchar", "citext"]

    /// One column as the catalog describes it, with the signals found so far.
    private struct Candidate {
        var oid: Int64
        var table: Identifier
        var column: String
        var signals: [CoverageSignal]
        var covered: Bool
    }

    public static func scan(_ policy: Policy, connection: Connection) throws -> CoverageScan {
        let coverage = try PolicyCoverage.resolve(policy, connection: connection)
        let rows = try connection.execute(CoverageStatements.columns, [textArrayLiteral(CoverageStatements.excludedSchemas)]).rows
        var candidates: [Candidate] = []
        /// Table oid → its estimated rows and the text columns left to sample.
        var toSample: [(oid: Int64, table: Identifier, rows: Int64, columns: [String])] = []
        for row in rows {
            let oid = try row.int64(0)
            let table = Identifier(try row.text(1), try row.text(2))
            let column = try row.text(3)
            let type = try row.text(4)
            let comment = row[5]
            if toSample.last?.oid != oid { toSample.append((oid, table, try row.int64(6), [])) }
            guard !CommentWords.isReviewed(comment) else { continue }
            var signals: [CoverageSignal] = []
            if let word = NameWords.match(column, table: table.name) { signals.append(.name(word)) }
            if deviceTypes.contains(type) { signals.append(.type(type)) }
            if let word = CommentWords.match(comment) { signals.append(.comment(word)) }
            let covered = coverage.coveredBy(table: oid, column: column) != nil
            if !covered, textTypes.contains(type) { toSample[toSample.count - 1].columns.append(column) }
            candidates.append(Candidate(oid: oid, table: table, column: column, signals: signals, covered: covered))
        }
        var samples: [Int64: [String: CoverageSignal]] = [:]
        var failed = 0
        for entry in toSample where !entry.columns.isEmpty {
            if let found = ValueSample.take(entry.table, columns: entry.columns, estimatedRows: entry.rows, connection: connection) {
                samples[entry.oid] = found
            } else {
                failed += 1
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
            findings.append(CoverageFinding(table: candidate.table, column: candidate.column,
                                            signals: candidate.signals, confidence: Confidence.of(candidate.signals),
                                            home: coverage.home(table: candidate.oid, foreignKeys: foreignKeys[candidate.oid] ?? [])))
        }
        return CoverageScan(findings: findings, personalColumns: personal, tablesScanned: toSample.count, samplesFailed: failed)
    }
}
