import Postgres

/// What a rule fixes when it starts: its cutoff, the tenants terminated before it, and the
/// heap pages its batches will walk.
enum RuleStart {
    static func bounds(for plan: RulePlan, context: RunContext, connection: Connection) throws -> RuleBounds {
        try bounds(for: plan.rule, policy: context.policy, asOf: context.asOf, replay: context.options.replay,
                   onlyTenant: context.options.tenant, connection: connection)
    }

    /// The bounds of `rule` at `asOf` (nil: the database's now), in the session's time zone.
    static func bounds(for rule: Rule, policy: Policy, asOf: String?, replay: [ErasureEntry], onlyTenant: String?,
                       connection: Connection) throws -> RuleBounds {
        let asOf = try asOf ?? RunStatements.nowText(connection)
        let cutoffs = RuleStartStatements.cutoffs(align: rule.due.align, financialYearStartMonth: policy.financialYearStartMonth)
        let row = try connection.execute(cutoffs, [asOf, rule.due.after.intervalText]).onlyRow()
        var cutoff = try row.text(0)
        var anchorCutoff = try row.text(1)
        var perTenant: TenantTermBounds?
        if let term = rule.due.perTenant {
            (cutoff, anchorCutoff, perTenant) = try TenantTermBounds.read(term, due: rule.due, financialYearStartMonth: policy.financialYearStartMonth,
                                                                      asOf: asOf, connection: connection)
        }
        var terminated: [String]?
        if rule.due.anchors.contains(.tenantTerminatedAt), let tenants = policy.tenants {
            let recorded = try connection.execute(RuleStartStatements.terminatedTenants(tenants), [anchorCutoff]).rows.map { try $0.text(0) }
            let replayed = replay.filter { $0.rule == rule.name && $0.isTermination }.compactMap(\.tenant)
            terminated = Array(Set(recorded + replayed)).sorted()
            perTenant?.replayedTerminations = Array(Set(replayed)).sorted()
        }
        return RuleBounds(cutoff: cutoff, anchorCutoff: anchorCutoff, terminatedTenants: terminated, onlyTenant: onlyTenant, perTenant: perTenant)
    }

    /// The cursors of the rule's walk along `path` (`BatchPath.choose`). On one server: one per
    /// heap relation (the table, or each leaf partition), walked up to the relation's size now:
    /// rows appended later are younger than the run and so not due; or, along an anchor's index, in
    /// time order from the earliest due row to the cutoff. On Citus: the pages of the largest
    /// shard, or the range of the key or anchor column as it is now.
    /// `removed`: partitions removed whole when the rule started, which have no pages to walk.
    /// No walk at all when no row can be due (a termination rule while no tenant is terminated):
    /// Citus fails on a TID range beside a constant `false`.
    static func cursors(for plan: RulePlan, path: BatchPath, bounds: RuleBounds, removed: Set<Identifier>,
                        connection: Connection) throws -> [RuleExecution.Cursor] {
        guard plan.canHaveDueRows(bounds) else { return [] }
        let table = plan.table.identifier
        let walked = plan.table.leaves.filter { !removed.contains($0) }
        switch path {
        case .shardPages:
            return [try shardPageCursor(table, connection)]
        case let .shardAnchorIndex(column, _):
            return try anchorCursor(plan, table, column: column, bounds: bounds, connection) { _ in
                try shardPageCursor(table, connection)
            }.map { [$0] } ?? []
        case let .keyRanges(column):
            let row = try connection.execute(RuleStartStatements.keyRange(table, column: column)).onlyRow()
            guard row[0] != nil else { return [] }
            let start = try row.int64(0)
            let end = try row.int64(1)
            return [RuleExecution.Cursor(relation: table, walk: .key(column), start: start, next: start, end: end,
                                         sliceSize: max(1, Double(end - start) / RuleExecution.firstWindowFraction))]
        case let .anchorWindows(column):
            // A '-infinity' anchor has no place on the time line, and the shell has no pages to walk.
            let cursor = try anchorCursor(plan, table, column: column, bounds: bounds, connection) { _ in
                throw EngineError.infiniteAnchor(rule: plan.rule.name, table: table.description, column: column)
            }
            return cursor.map(halvedAtBucket) ?? []
        case .heapPages:
            return try walked.map { try pageCursor($0, connection) }
        case let .anchorIndex(column, pagesOf):
            var cursors: [RuleExecution.Cursor] = []
            for relation in walked {
                if pagesOf.contains(relation) {
                    cursors.append(try pageCursor(relation, connection))
                } else if let cursor = try anchorCursor(plan, relation, column: column, bounds: bounds, connection,
                                                         infinite: { try pageCursor($0, connection) }) {
                    // A '-infinity' anchor has no place on the time line: such a relation walks its pages.
                    cursors += halvedAtBucket(cursor)
                }
            }
            return cursors
        }
    }

    /// A walk of `relation` by `column` from its earliest due anchor to the cutoff; nil when no row
    /// is due; `infinite` when the earliest is '-infinity'.
    private static func anchorCursor(_ plan: RulePlan, _ relation: Identifier, column: String, bounds: RuleBounds, _ connection: Connection,
                                     infinite: (Identifier) throws -> RuleExecution.Cursor) throws -> RuleExecution.Cursor? {
        let row = try connection.execute(RuleStartStatements.anchorRange(relation, column: column), [bounds.anchorCutoff]).onlyRow()
        if try row.bool(2) { return nil }
        guard row[0] != nil else { return try infinite(relation) }
        let start = try row.int64(0)
        let end = try row.int64(1)
        var cursor = RuleExecution.Cursor(relation: relation, walk: .anchor(column), start: start, next: start, end: end,
                                          sliceSize: max(1, Double(end - start) / RuleExecution.firstWindowFraction))
        if case let .aggregate(spec) = plan.rule.action {
            cursor.boundaries = try bucketBoundaries(spec.bucketUnit, from: start, to: end, connection)
        }
        return cursor
    }

    /// An aggregate's walk, cut in two at the bucket boundary nearest its middle: while one
    /// worker's window ends inside a bucket (a bucket holds more rows than a batch), the next
    /// window of that bucket waits for it (`RuleExecution.Cursor.openBucketEnd`), and the other
    /// worker walks the other half, whose buckets are its own.
    static func halvedAtBucket(_ cursor: RuleExecution.Cursor) -> [RuleExecution.Cursor] {
        let middle = cursor.start + (cursor.end - cursor.start) / 2
        guard let boundary = cursor.boundaries.filter({ $0 > cursor.start && $0 < cursor.end })
            .min(by: { abs($0 - middle) < abs($1 - middle) }) else { return [cursor] }
        var first = cursor
        var second = cursor
        first.end = boundary
        second.start = boundary
        second.next = boundary
        first.sliceSize = max(1, Double(boundary - cursor.start) / RuleExecution.firstWindowFraction)
        second.sliceSize = max(1, Double(cursor.end - boundary) / RuleExecution.firstWindowFraction)
        return [first, second]
    }

    /// A walk over the pages of every shard of a Citus table, as many as the largest has now. One
    /// round trip per worker; should it find nothing (no shard metadata on the workers), every
    /// shard is asked.
    private static func shardPageCursor(_ table: Identifier, _ connection: Connection) throws -> RuleExecution.Cursor {
        var pages = try connection.execute(RuleStartStatements.largestLocalShardPages, [table.sql]).int64()
        if pages == 0 { pages = try connection.execute(RuleStartStatements.largestShardPages, [table.sql]).int64() }
        return RuleExecution.Cursor(relation: table, walk: .pages, start: 0, next: 0, end: pages, sliceSize: RuleExecution.firstSlicePages)
    }

    /// A walk over every page the relation has now.
    private static func pageCursor(_ relation: Identifier, _ connection: Connection) throws -> RuleExecution.Cursor {
        let pages = try connection.execute(RuleStartStatements.pages, [relation.sql]).int64()
        return RuleExecution.Cursor(relation: relation, walk: .pages, start: 0, next: 0, end: pages, sliceSize: RuleExecution.firstSlicePages)
    }

    /// The starts of the aggregate's buckets between two instants, in the session's (the policy's)
    /// time zone: at most one per day of the due range, so few.
    private static func bucketBoundaries(_ unit: BucketUnit, from: Int64, to: Int64, _ connection: Connection) throws -> [Int64] {
        try connection.execute(RuleStartStatements.bucketBoundaries, [unit.rawValue, String(from), String(to)]).rows.map { try $0.int64(0) }
    }
}

extension RuleStart {
    /// The ledger entries of a rule that erases tenants' data because of a termination or a
    /// removal: rules with a tenant column anchored on `tenant.terminatedAt` or on a nullable
    /// column (a removal, such as `removed_at`; creation times are NOT NULL). One entry per
    /// tenant that has rows to act on now.
    static func erasures(for plan: RulePlan, bounds: RuleBounds, context: RunContext, connection: Connection) throws -> [ErasureEntry] {
        let rule = plan.rule
        guard rule.tenantColumn != nil, rule.action.kind.erasesPersonalData else { return [] }
        let removalColumns = rule.due.anchors.compactMap { anchor -> String? in
            guard case let .column(name) = anchor, plan.table.column(name)?.notNull == false else { return nil }
            return name
        }
        let byTermination = rule.due.anchors.contains(.tenantTerminatedAt)
        guard byTermination || !removalColumns.isEmpty, plan.canHaveDueRows(bounds) else { return [] }
        var builder = SQLBuilder()
        let query = RuleStartStatements.tenantsToErase(plan, bounds, holds: try HoldsInForce.read(for: plan, connection), &builder)
        let tenants = try connection.longRead(query, builder.parameters).rows.compactMap { $0[0] }
        guard !tenants.isEmpty else { return [] }
        // The termination time of each tenant key the rows carry.
        var terminationTimes: [String: String] = [:]
        if byTermination, let source = context.policy.tenants {
            let query = RuleStartStatements.terminationTimes(source, key: TenantKey(source: source, schema: context.schema))
            for row in try connection.execute(query, [textArrayLiteral(tenants), bounds.anchorCutoff]).rows {
                if let tenant = row[0], let time = row[1] { terminationTimes[tenant] = time }
            }
        }
        let recordedAt = Timestamps.now()
        return tenants.map { tenant in
            let replayed = context.options.replay.first { $0.rule == rule.name && $0.tenant == tenant && $0.isTermination }
            let terminated = terminationTimes[tenant] != nil || replayed != nil
            let terminatedAt = terminated ? (terminationTimes[tenant] ?? replayed?.terminatedAt) : nil
            return ErasureEntry(tenant: tenant, rule: rule.name, table: plan.table.identifier.description,
                                anchor: terminated ? "tenant.terminatedAt" : removalColumns.joined(separator: ","),
                                terminatedAt: terminatedAt, cutoff: bounds.cutoff, asOf: context.asOf, runID: context.runID,
                                recordedAt: recordedAt)
        }
    }
}
