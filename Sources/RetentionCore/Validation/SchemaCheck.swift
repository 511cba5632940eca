import Postgres

/// Checks a parsed policy against the live schema: tables, columns and their types, primary
/// keys, the aggregate target's unique key, and foreign keys that would block a delete.
///
/// Every problem names the rule, the key and the fix; all are listed, not only the first.
public enum SchemaCheck {
    public static func problems(_ policy: Policy, schema: Schema, timeZoneKnown: Bool) -> [PolicyProblem] {
        var problems: [PolicyProblem] = []
        if !timeZoneKnown {
            problems.append(PolicyProblem(rule: nil, key: "timeZone", message: "the server does not know time zone \"\(policy.timeZone)\"; use a name from pg_timezone_names"))
        }
        var tenantKey: ColumnInfo?
        if let tenants = policy.tenants, let reserved = ReservedSchema.problem(tenants.table, resolved: schema.tables[tenants.table]) {
            problems.append(PolicyProblem(rule: nil, key: "tenants.table", message: reserved))
        } else if let tenants = policy.tenants {
            if let table = schema.tables[tenants.table] {
                tenantKey = table.column(tenants.key)
                if tenantKey == nil {
                    problems.append(PolicyProblem(rule: nil, key: "tenants.key", message: "table \(table.identifier) has no column \"\(tenants.key)\""))
                }
                if let column = table.column(tenants.terminatedAt) {
                    if !column.isTimeAnchor {
                        problems.append(PolicyProblem(rule: nil, key: "tenants.terminatedAt", message: "column \"\(tenants.terminatedAt)\" of \(table.identifier) is \(column.typeName); it must be timestamptz, timestamp or date"))
                    }
                } else {
                    problems.append(PolicyProblem(rule: nil, key: "tenants.terminatedAt", message: "table \(table.identifier) has no column \"\(tenants.terminatedAt)\""))
                }
            } else {
                problems.append(PolicyProblem(rule: nil, key: "tenants.table", message: "table \(tenants.table) does not exist; check the name and the search_path"))
            }
        }
        for rule in policy.rules {
            problems += RuleSchemaCheck(rule: rule, policy: policy, schema: schema, tenantKey: tenantKey).problems()
        }
        if case let .failure(cycle) = RuleOrder.dependencies(policy.rules, schema: schema) {
            problems.append(cycle)
        }
        return problems
    }
}

/// The checks of one rule; see `SchemaCheck`.
struct RuleSchemaCheck {
    let rule: Rule
    let policy: Policy
    let schema: Schema
    let tenantKey: ColumnInfo?
    private var found: [PolicyProblem] = []

    init(rule: Rule, policy: Policy, schema: Schema, tenantKey: ColumnInfo?) {
        self.rule = rule
        self.policy = policy
        self.schema = schema
        self.tenantKey = tenantKey
    }

    func problems() -> [PolicyProblem] {
        var check = self
        check.run()
        return check.found
    }

    private mutating func problem(_ key: String, _ message: String) {
        found.append(PolicyProblem(rule: rule.name, key: key, message: message))
    }

    private mutating func run() {
        guard let name = rule.table else { return }
        if let reserved = ReservedSchema.problem(name, resolved: schema.tables[name]) {
            problem("table", reserved)
            return
        }
        guard let table = schema.tables[name] else {
            problem("table", "table \(name) does not exist; check the name and the search_path")
            return
        }
        if case let .other(kind) = table.kind {
            problem("table", "\(table.identifier) is not a table (relkind \"\(kind)\"); rules work on tables and partitioned tables")
            return
        }
        if !table.childrenOutsideWalk.isEmpty {
            let children = table.childrenOutsideWalk.map(\.description).joined(separator: ", ")
            problem("table", "\(table.identifier) has rows in tables that inherit from it or are foreign (\(children)), which the engine does not walk: a rule would leave their due rows; use declarative partitioning (PARTITION BY) with plain partitions, or give each child table a rule of its own")
            return
        }
        if table.primaryKey.isEmpty {
            problem("table", "table \(table.identifier) has no primary key; add one so rows can be identified")
        }
        if case let .failure(unsliceable) = BatchPath.placement(rule: rule, table: table) {
            problem("table", unsliceable.message)
        }
        for anchor in rule.due.anchors {
            guard case let .column(columnName) = anchor else { continue }
            guard let column = table.column(columnName) else {
                problem("due.from", "table \(table.identifier) has no column \"\(columnName)\"")
                continue
            }
            if !column.isTimeAnchor {
                problem("due.from", "column \"\(columnName)\" is \(column.typeName); an anchor must be timestamptz, timestamp or date")
            }
        }
        if let tenantColumn = rule.tenantColumn {
            if let column = table.column(tenantColumn) {
                if let tenantKey, column.baseType != tenantKey.baseType {
                    problem("tenantColumn", "column \"\(tenantColumn)\" is \(column.typeName) but the tenants key is \(tenantKey.typeName); they must have the same type")
                }
            } else {
                problem("tenantColumn", "table \(table.identifier) has no column \"\(tenantColumn)\"")
            }
        }
        if let term = rule.due.perTenant {
            checkTenantTerm(term, table)
        }
        if rule.partitions.removesPartitions {
            checkPartitioning(table)
        }
        switch rule.action {
        case .delete:
            checkBlockingKeys(table)
        case let .pseudonymise(spec):
            checkPseudonymise(spec, table)
        case let .aggregate(spec):
            checkAggregate(spec, table)
            checkBlockingKeys(table)
        case .purgeFiles, .expireBackups:
            break
        }
    }

    /// `due.perTenant.column`: a column of the tenants table, `interval`, or an integer of days
    /// with `"unit": "days"`.
    /// On Citus each batch reads the terms on the nodes that hold the rows: the tenants table of a
    /// rule on a Citus table must be a reference table.
    private mutating func checkTenantTerm(_ term: TenantTerm, _ table: TableInfo) {
        guard let tenants = schema.tables[term.tenants.table] else { return }
        if table.distribution.isCitus, tenants.distribution != .reference {
            problem("due.perTenant.column", "\(table.identifier) is a \(table.distribution.description), whose batches read the terms on the nodes that hold its rows, but \(tenants.identifier) is a \(tenants.distribution.description); make it a reference table: SELECT create_reference_table('\(tenants.identifier)')")
        }
        guard let column = tenants.column(term.column) else {
            problem("due.perTenant.column", "table \(tenants.identifier) has no column \"\(term.column)\"")
            return
        }
        switch term.unit {
        case .interval where column.baseType != "interval":
            let hint = ["int2", "int4", "int8"].contains(column.baseType) ? "; for a number of days add \"unit\": \"days\"" : ""
            problem("due.perTenant.column", "column \"\(term.column)\" of \(tenants.identifier) is \(column.typeName); a term must be interval\(hint)")
        case .days where !["int2", "int4", "int8"].contains(column.baseType):
            problem("due.perTenant.column", "column \"\(term.column)\" of \(tenants.identifier) is \(column.typeName); with \"unit\": \"days\" a term must be smallint, integer or bigint")
        default:
            break
        }
    }

    /// `partitions: drop|detach` needs a table range-partitioned (at some level) by one of the
    /// rule's anchor columns: only such bounds can say that every row of a partition is due.
    private mutating func checkPartitioning(_ table: TableInfo) {
        let anchors = rule.due.anchors.compactMap { anchor -> String? in
            if case let .column(name) = anchor { return name }
            return nil
        }
        guard table.kind == .partitioned else {
            problem("partitions", "\(table.identifier) is not partitioned, so \"\(rule.partitions.rawValue)\" has no partition to remove; use \"rows\" or remove \"partitions\"")
            return
        }
        if table.rangePartitionColumns.isDisjoint(with: anchors) {
            let keys = table.rangePartitionColumns.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            problem("partitions", "\(table.identifier) is not range-partitioned by an anchor of the rule (\(anchors.map { "\"\($0)\"" }.joined(separator: ", "))\(keys.isEmpty ? "" : "; its range keys: \(keys)")), so no bound can prove a partition wholly due; use \"rows\"")
        }
    }

    private mutating func checkBlockingKeys(_ table: TableInfo) {
        let readsKeysFirst = table.distribution == .reference || table.distribution == .citusLocal
        for key in table.referencedBy where readsKeysFirst && key.referencingColumns.count > 1 {
            problem("table", "deleting from \(table.identifier) (\(table.distribution.description)) checks foreign key \"\(key.name)\" of \(key.referencingColumns.count) columns, but Citus lets a delete from such a table read only reference tables, and the engine reads the keys of other tables first only for single-column keys; remove the rule or the key")
        }
        for key in table.referencedBy where key.blocksDelete && key.referencingRoot != table.identifier {
            if schema.rules(policy.rules, emptying: key.referencingRoot).isEmpty {
                problem("table", "deleting from \(table.identifier) would be blocked by foreign key \"\(key.name)\" from \(key.referencing), which no rule empties; add a rule for \(key.referencingRoot) or declare the key ON DELETE CASCADE")
            }
        }
    }

    private mutating func checkPseudonymise(_ spec: PseudonymiseSpec, _ table: TableInfo) {
        for found in PseudonymiseCheck.problems(spec, table) { problem(found.key, found.message) }
    }

    private mutating func checkAggregate(_ spec: AggregateSpec, _ table: TableInfo) {
        if let reserved = ReservedSchema.problem(spec.into, resolved: schema.tables[spec.into]) {
            problem("aggregate.into", reserved)
            return
        }
        guard let target = schema.tables[spec.into] else {
            problem("aggregate.into", "table \(spec.into) does not exist; create the roll-up table first")
            return
        }
        if let bucket = target.column(spec.bucketColumn) {
            if !bucket.isTimeAnchor { problem("aggregate.bucket.column", "column \"\(spec.bucketColumn)\" of \(target.identifier) is \(bucket.typeName); a bucket must be date, timestamp or timestamptz") }
        } else {
            problem("aggregate.bucket.column", "table \(target.identifier) has no column \"\(spec.bucketColumn)\"")
        }
        for dimension in spec.dimensions {
            if table.column(dimension) == nil { problem("aggregate.dimensions", "table \(table.identifier) has no column \"\(dimension)\"") }
            if target.column(dimension) == nil { problem("aggregate.dimensions", "table \(target.identifier) has no column \"\(dimension)\"") }
        }
        if let count = target.column(spec.countColumn) {
            if let kind = count.numericKind {
                if !kind.holdsCounts {
                    problem("aggregate.count", "column \"\(spec.countColumn)\" of \(target.identifier) is \(count.typeName), which cannot hold a row count (bigint) exactly; use bigint, or numeric with scale 0")
                }
            } else {
                problem("aggregate.count", "column \"\(spec.countColumn)\" of \(target.identifier) is \(count.typeName); a counter must be numeric")
            }
        } else {
            problem("aggregate.count", "table \(target.identifier) has no column \"\(spec.countColumn)\"")
        }
        for sum in spec.sums {
            if let source = table.column(sum.source) {
                if !source.isNumeric { problem("aggregate.sums.\(sum.source)", "column \"\(sum.source)\" is \(source.typeName); only numeric columns can be summed") }
            } else {
                problem("aggregate.sums.\(sum.source)", "table \(table.identifier) has no column \"\(sum.source)\"")
            }
            if let total = target.column(sum.total) {
                if let kind = total.numericKind {
                    if let source = table.column(sum.source), let sourceKind = source.numericKind, !kind.holdsSums(of: sourceKind) {
                        problem("aggregate.sums.\(sum.source)", "column \"\(sum.total)\" of \(target.identifier) is \(total.typeName), which cannot hold sums of \"\(sum.source)\" (\(source.typeName)) exactly: every batch would round the total; \(NumericKind.exactTotalAdvice(for: sourceKind))")
                    }
                } else {
                    problem("aggregate.sums.\(sum.source)", "column \"\(sum.total)\" of \(target.identifier) is \(total.typeName); a total must be numeric")
                }
            } else {
                problem("aggregate.sums.\(sum.source)", "table \(target.identifier) has no column \"\(sum.total)\"")
            }
        }
        let keyColumns = Set([spec.bucketColumn] + spec.dimensions)
        if !target.uniqueKeys.contains(keyColumns) {
            let list = ([spec.bucketColumn] + spec.dimensions).joined(separator: ", ")
            problem("aggregate.into", "table \(target.identifier) has no unique key on exactly (\(list)); add PRIMARY KEY or UNIQUE (\(list))")
        }
    }
}

extension SchemaCheck {
    /// Things that work but that an operator should know: a delete that cascades into a table
    /// no rule covers, and foreign keys without an index (every deleted row then scans the
    /// referencing table).
    public static func warnings(_ policy: Policy, schema: Schema) -> [PolicyProblem] {
        var warnings: [PolicyProblem] = []
        for rule in policy.rules {
            guard case let .aggregate(spec) = rule.action, let table = schema.table(of: rule) else { continue }
            for dimension in spec.dimensions where table.column(dimension)?.notNull == false {
                warnings.append(PolicyProblem(rule: rule.name, key: "aggregate.dimensions", message: "column \"\(dimension)\" of \(table.identifier) may be NULL; rows with NULL there are counted exactly, but each batch adds its own roll-up row for them because a unique key treats NULLs as distinct (declare the key NULLS NOT DISTINCT)"))
            }
        }
        for rule in policy.rules where rule.partitions.removesPartitions {
            guard let table = schema.table(of: rule) else { continue }
            let kept = table.partitionLeaves.filter { !$0.removableByCurrentRole }
            if !kept.isEmpty {
                let names = kept.prefix(5).map(\.identifier.description).joined(separator: ", ")
                warnings.append(PolicyProblem(rule: rule.name, key: "partitions", message: "the connected role does not own \(kept.count) partitions of \(table.identifier) (\(names)\(kept.count > 5 ? ", …" : "")) or their parent, so it cannot drop or detach them: their rows go by row batches; grant the role the tables' owner role (retention grants)"))
            }
        }
        for rule in policy.rules where rule.removesRows {
            guard let table = schema.table(of: rule) else { continue }
            for key in table.referencedBy where key.onDelete == .cascade && key.referencingRoot != table.identifier
                && schema.rules(policy.rules, emptying: key.referencingRoot).isEmpty {
                warnings.append(PolicyProblem(rule: rule.name, key: "table", message: "deleting from \(table.identifier) also deletes the rows of \(key.referencing) that reference them (foreign key \"\(key.name)\" is ON DELETE CASCADE)"))
            }
            for key in table.referencedBy where !key.referencingIndexed {
                let columns = key.referencingColumns.joined(separator: ", ")
                warnings.append(PolicyProblem(rule: rule.name, key: "table", message: "foreign key \"\(key.name)\" from \(key.referencing) has no index on (\(columns)): PostgreSQL scans \(key.referencing) for every row deleted from \(table.identifier); CREATE INDEX ON \(key.referencing.sql) (\(key.referencingColumns.map(Identifier.quote).joined(separator: ", ")))"))
            }
        }
        for rule in policy.rules where rule.table != nil {
            guard let table = schema.table(of: rule) else { continue }
            for view in table.materializedViews {
                warnings.append(PolicyProblem(rule: rule.name, key: "table", message: "\(table.identifier) feeds materialized view \(view.identifier): the rows this rule \(rule.removesRows ? "deletes" : "changes") stay in it until it is refreshed; run with --refresh-views (or REFRESH MATERIALIZED VIEW after each run)"))
            }
        }
        return warnings
    }
}
