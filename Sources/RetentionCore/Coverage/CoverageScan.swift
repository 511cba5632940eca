import Postgres

/// `retention coverage`: the columns of the database that look personal and that no rule,
/// subject target or `notPersonal` entry names (DESIGN.md, "Coverage").
public struct CoverageScan: Sendable {
    /// The uncovered columns, in schema, table and column order.
    public var findings: [CoverageFinding]
    /// How many columns looked personal, covered or not.
    public var personalColumns: Int
    public var tablesScanned: Int

    /// Types that hold addresses of devices.
    static let deviceTypes: Set<String> = ["inet", "cidr", "macaddr", "macaddr8"]

    public static func scan(_ policy: Policy, connection: Connection) throws -> CoverageScan {
        let coverage = try PolicyCoverage.resolve(policy, connection: connection)
        let rows = try connection.execute(CoverageStatements.columns, [textArrayLiteral(CoverageStatements.excludedSchemas)]).rows
        var findings: [CoverageFinding] = []
        var personal = 0
        var tables: Set<Int64> = []
        for row in rows {
            let oid = try row.int64(0)
            tables.insert(oid)
            let column = try row.text(3)
            let comment = row[5]
            var signals: [CoverageSignal] = []
            if let word = NameWords.match(column, table: try row.text(2)) { signals.append(.name(word)) }
            let type = try row.text(4)
            if deviceTypes.contains(type) { signals.append(.type(type)) }
            if let word = CommentWords.match(comment) { signals.append(.comment(word)) }
            guard !signals.isEmpty, !CommentWords.isReviewed(comment) else { continue }
            personal += 1
            guard coverage.coveredBy(table: oid, column: column) == nil else { continue }
            findings.append(CoverageFinding(table: Identifier(try row.text(1), try row.text(2)), column: column,
                                            signals: signals, confidence: Confidence.of(signals)))
        }
        return CoverageScan(findings: findings, personalColumns: personal, tablesScanned: tables.count)
    }
}
