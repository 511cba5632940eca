import Postgres
@testable import RetentionCore
import Testing

/// Turning a rule into SQL is pure code: these tests need no server.
@Suite("Planning without a server")
struct PlanningUnitTests {
    static func table(_ columns: [(String, String, Bool)], referencedBy: [ForeignKey] = []) -> TableInfo {
        TableInfo(oid: 1, identifier: Identifier("public", "t"), kind: .table,
                  columns: columns.map { ColumnInfo(name: $0.0, typeName: $0.1, baseType: $0.1, category: $0.1 == "text" ? "S" : "D", notNull: $0.2, unmodifiedType: $0.1, plainBaseType: $0.1) },
                  primaryKey: ["id"], uniqueKeys: [["id"]], leaves: [Identifier("public", "t")], referencedBy: referencedBy)
    }

    static func plan(_ rule: String, table: TableInfo) throws -> RulePlan {
        let policy = try PolicyParser.parse(#"{"policy": "p", "tenants": {"table": "o", "key": "id", "terminatedAt": "ended"}, "rules": [{"name": "r", "table": "t", \#(rule)}]}"#)
        return RulePlan(rule: policy.rules[0], table: table, schema: Schema(tables: [:]))
    }

    static let bounds = RuleBounds(cutoff: "2024-01-01T00:00:00Z", anchorCutoff: "2023-01-01T00:00:00Z", terminatedTenants: ["7", "9"], onlyTenant: nil)

    @Test("several anchors are ORed, each against the one anchor cutoff; the tenant anchor is a set of keys")
    func duePredicate() throws {
        let plan = try PlanningUnitTests.plan(#""tenantColumn": "org", "due": {"after": "30 days", "from": ["removed_at", "tenant.terminatedAt"]}, "action": "delete""#,
                                              table: PlanningUnitTests.table([("id", "int8", true), ("org", "int8", true), ("removed_at", "timestamptz", false)]))
        var builder = SQLBuilder()
        let sql = plan.duePredicate("r", PlanningUnitTests.bounds, &builder)
        #expect(sql == #"(r."removed_at" < $1::timestamptz OR r."org" = ANY($2::text[]::int8[]))"#)
        #expect(builder.parameters == ["2023-01-01T00:00:00Z", #"{"7","9"}"#])
    }

    @Test("values never enter the SQL text")
    func valuesAreParameters() throws {
        let plan = try PlanningUnitTests.plan(#""tenantColumn": "org", "due": {"after": "1 day", "from": "c"}, "action": "delete""#,
                                              table: PlanningUnitTests.table([("id", "int8", true), ("org", "text", true), ("c", "timestamptz", true)]))
        let evil = RuleBounds(cutoff: "x", anchorCutoff: "2023-01-01'; DROP TABLE t; --", terminatedTenants: nil, onlyTenant: "1' OR '1'='1")
        let statement = BatchStatement.make(plan, slice: BatchSlice(relation: Identifier("public", "t"), span: .pages(first: 0, end: 10)),
                                            bounds: evil, runID: "00000000-0000-0000-0000-000000000000", mode: .range)
        #expect(!statement.sql.contains("DROP TABLE"))
        #expect(!statement.sql.contains("'1'='1"))
        #expect(statement.parameters.contains("2023-01-01'; DROP TABLE t; --"))
    }

    @Test("aligned cutoffs: the raw anchor bound is the start of the year holding the instant before the cutoff")
    func cutoffQuery() {
        #expect(CutoffQuery.sql(align: nil, financialYearStartMonth: 7) == "SELECT ($1::timestamptz - $2::interval), ($1::timestamptz - $2::interval)")
        let july = CutoffQuery.sql(align: .financialYearEnd, financialYearStartMonth: 7)
        #expect(july.contains("interval '6 months'"))
        #expect(july.contains("interval '1 microsecond'"))
        #expect(CutoffQuery.sql(align: .calendarYearEnd, financialYearStartMonth: 7).contains("interval '0 months'"))
    }

    @Test("slices: TID ranges and anchor windows, halves for a timed-out batch")
    func slices() {
        let pages = BatchSlice(relation: Identifier("t"), span: .pages(first: 10, end: 21))
        var builder = SQLBuilder()
        #expect(pages.predicate("r", &builder) == "r.ctid >= $1::tid AND r.ctid < $2::tid")
        #expect(builder.parameters == ["(10,0)", "(21,0)"])
        let (first, second) = pages.halves()!
        #expect(first.span == .pages(first: 10, end: 15) && second.span == .pages(first: 15, end: 21))
        #expect(BatchSlice(relation: Identifier("t"), span: .pages(first: 3, end: 4)).halves() == nil)
        let window = BatchSlice(relation: Identifier("t"), span: .anchorWindow(column: "at", from: 0, to: 100))
        #expect(window.halves()!.1.span == .anchorWindow(column: "at", from: 50, to: 100))
    }

    @Test("aggregate windows end on the last bucket boundary that fits", arguments: [
        ([10, 20, 30], 5, 25, Int64?(20)), ([10, 20, 30], 20, 29, nil), ([10, 20, 30], 0, 9, nil), ([10, 20, 30], 0, 30, 30), ([], 0, 100, nil),
    ])
    func boundaries(_ list: [Int64], _ after: Int64, _ upTo: Int64, _ expected: Int64?) {
        #expect(RuleExecution.lastBoundary(in: list, after: after, upTo: upTo) == expected)
    }

    @Test("keys declared on partitions merge into one key over the partitioned table")
    func mergedKeys() {
        func key(_ name: String, _ partition: String) -> ForeignKey {
            ForeignKey(name: name, referencing: Identifier("public", partition), referencingRoot: Identifier("public", "payment"),
                       referencingColumns: ["rental_id"], referencedColumns: ["rental_id"], onDelete: .noAction, referencingIndexed: false)
        }
        let merged = [key("p1_fkey", "payment_p1"), key("p2_fkey", "payment_p2")].mergedByRoot
        #expect(merged.count == 1)
        #expect(merged[0].referencing == Identifier("public", "payment"))
        #expect(merged[0].name == "p1_fkey, p2_fkey")
    }

    @Test("purge globs: * stays in its directory and skips dot files; **/ matches at any depth")
    func globs() {
        let flat = FilePurge(spec: FileSpec(directory: "/b", glob: "*.dump"), cutoff: 0, dryRun: true)
        #expect(flat.matches("a.dump") && !flat.matches("sub/a.dump") && !flat.matches(".a.dump") && !flat.matches("a.log"))
        let deep = FilePurge(spec: FileSpec(directory: "/b", glob: "**/*.dump"), cutoff: 0, dryRun: true)
        #expect(deep.matches("a.dump") && deep.matches("x/y/a.dump") && !deep.matches("x/a.log"))
    }

    @Test("metric label values and grouped numbers")
    func formatting() {
        #expect(PrometheusMetrics.escape("a\"b\\c\nd") == "a\\\"b\\\\c\\nd")
        #expect(grouped(1234567) == "1,234,567" && grouped(12) == "12" && grouped(-1000) == "-1,000")
    }
}

@Suite("What a rule's start decides without a server")
struct RuleStartUnitTests {
    @Test("a rule anchored on termination alone can have due rows only while some tenant is terminated; a column anchor always can")
    func canHaveDueRows() throws {
        let table = PlanningUnitTests.table([("id", "int8", true), ("org", "int8", true), ("removed_at", "timestamptz", false)])
        let termination = try PlanningUnitTests.plan(#""tenantColumn": "org", "due": {"after": "30 days", "from": "tenant.terminatedAt"}, "action": "delete""#, table: table)
        let earliest = try PlanningUnitTests.plan(#""tenantColumn": "org", "due": {"after": "30 days", "from": ["removed_at", "tenant.terminatedAt"]}, "action": "delete""#, table: table)
        let none = RuleBounds(cutoff: "2024-01-01T00:00:00Z", anchorCutoff: "2023-01-01T00:00:00Z", terminatedTenants: [], onlyTenant: nil)
        #expect(!termination.canHaveDueRows(none))
        #expect(termination.canHaveDueRows(PlanningUnitTests.bounds))
        #expect(earliest.canHaveDueRows(none))
    }

    @Test("an aggregate's window that ends inside a bucket holds back the next one until it is done: two batches never add to one roll-up row at once")
    func openBucketHoldsBackTheNext() throws {
        let table = PlanningUnitTests.table([("id", "int8", true), ("created_at", "timestamptz", true)])
        let plan = try PlanningUnitTests.plan(#""due": {"after": "30 days", "from": "created_at"}, "action": "delete""#, table: table)
        var execution = RuleExecution(index: 0, rule: plan.rule, plan: plan)
        // Buckets [0, 100), [100, 200), [200, 300); windows of 30 units, then of 150.
        execution.cursors = [RuleExecution.Cursor(relation: table.identifier, walk: .anchor("created_at"), start: 0, next: 0, end: 300,
                                                  sliceSize: 30, boundaries: [100, 200])]
        let taken = execution.takeSlice()
        let first = try #require(taken)
        #expect(first.end == 30)
        #expect(execution.takeSlice() == nil, "the next window is in the same bucket as the one in flight")
        execution.inFlight -= 1
        execution.finished(first)
        execution.cursors[0].sliceSize = 150
        let second = execution.takeSlice()
        #expect(second?.end == 100, "a window ends on the last boundary it reaches")
        let third = execution.takeSlice()
        #expect(third?.end == 200, "a window that ended on a boundary holds nothing back")
    }

    @Test("an aggregate's walk is cut in two at the bucket boundary nearest its middle, so two workers work on buckets of their own even when a bucket is wider than a window")
    func halvedAtBucket() throws {
        let table = PlanningUnitTests.table([("id", "int8", true), ("created_at", "timestamptz", true)])
        let plan = try PlanningUnitTests.plan(#""due": {"after": "30 days", "from": "created_at"}, "action": "delete""#, table: table)
        let whole = RuleExecution.Cursor(relation: table.identifier, walk: .anchor("created_at"), start: 0, next: 0, end: 1_000,
                                         sliceSize: 10, boundaries: [100, 200, 300, 400, 600, 700])
        let halves = RuleStart.halvedAtBucket(whole)
        #expect(halves.map(\.start) == [0, 400] && halves.map(\.end) == [400, 1_000] && halves[1].next == 400)
        #expect(RuleStart.halvedAtBucket(RuleExecution.Cursor(relation: table.identifier, walk: .anchor("created_at"), start: 0, next: 0,
                                                              end: 1_000, sliceSize: 10)).count == 1, "a walk without buckets stays whole")
        var execution = RuleExecution(index: 0, rule: plan.rule, plan: plan)
        execution.cursors = halves
        let first = execution.takeSlice()
        let second = execution.takeSlice()
        #expect(first?.cursor == 0 && second?.cursor == 1, "each worker in its own half")
        #expect(execution.takeSlice() == nil, "both halves wait for their open bucket")
    }

    @Test("a rule on a Citus distributed or reference table has at most two batches in flight; on a local table as many as asked")
    func inFlightLimit() throws {
        // `limit`: the batches taken before the rule says no more (at most 50 are asked for).
        for (distribution, limit) in [(Distribution.local, 50), (.distributed(column: "org", shards: 32, replicas: 1), 2), (.reference, 2), (.citusLocal, 50)] {
            var table = PlanningUnitTests.table([("id", "int8", true), ("org", "int8", true), ("created_at", "timestamptz", true)])
            table.distribution = distribution
            let plan = try PlanningUnitTests.plan(#""due": {"after": "30 days", "from": "created_at"}, "action": "delete""#, table: table)
            var execution = RuleExecution(index: 0, rule: plan.rule, plan: plan)
            execution.cursors = [RuleExecution.Cursor(relation: table.identifier, walk: .pages, start: 0, next: 0, end: 1_000, sliceSize: 8)]
            var taken = 0
            while taken < 50, execution.takeSlice() != nil { taken += 1 }
            #expect(taken == limit && execution.inFlight == limit, "\(distribution)")
            if limit == 2 {
                execution.inFlight -= 1 // a batch finished
                #expect(execution.takeSlice() != nil)
            }
        }
    }
}
