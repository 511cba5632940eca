import Postgres

/// What a contract termination will do to one tenant's data: for each rule, how many rows are
/// deleted, pseudonymised or aggregated, and when; what is kept and why; the holds in force.
/// Computed read-only, with exactly the due-date semantics of a run.
public struct TerminationPlan: Sendable {
    public var policy: String
    public var tenant: String
    /// The termination instant used: the tenant's real `terminatedAt`, else `--terminate-at`, else now.
    public var terminatedAt: String
    public var terminationIsRecorded: Bool
    public var asOf: String
    public var timeZone: String
    public var rules: [RuleSchedule]
    /// Rules not tied to tenants (no `tenantColumn`), which the plan does not cover.
    public var otherRules: [String]
    public var holds: [LegalHold]
}

/// One rule's schedule for the tenant.
public struct RuleSchedule: Sendable {
    public var rule: String
    public var category: String?
    public var basis: String?
    public var action: ActionKind
    public var table: String
    public var entries: [ScheduledRows]
    /// Rows that no anchor ever makes due under this rule (all anchors NULL).
    public var neverDue: Int64
    /// Whether a hold in force keeps this rule's rows.
    public var held: Bool
    /// Partitions the next run removes whole (`partitions: drop|detach`), with every tenant's
    /// rows in them: the tenant's rows there go on the same dates, by a drop instead of batches.
    public var partitions: [PartitionOutcome] = []
    /// The tenant's own term, for a rule with `due.perTenant`.
    public var term: TenantTermOf?

    public var total: Int64 { entries.reduce(0) { $0 + $1.rows } }
}

/// Rows that become due at the same instant.
public struct ScheduledRows: Sendable, Equatable {
    /// The first instant at which the rows are due (ISO 8601, UTC).
    public var dueAt: String
    /// That instant's date in the policy's time zone.
    public var date: String
    /// For rules aligned to a year end: the year the rows belong to, such as `FY2026` or `FY2026/27`.
    public var year: String?
    public var rows: Int64
    /// Whether the rows are due already (the next run acts on them).
    public var overdue: Bool
}

extension TerminationPlan {
    /// Checks the policy and the tenant, then computes the plan in a READ ONLY transaction.
    public static func make(policy: Policy, tenant: String, terminateAt: String?, connection: Connection) throws -> TerminationPlan {
        guard let tenants = policy.tenants else {
            throw RunError.usage("the policy has no \"tenants\" section, so it has no tenants to plan for")
        }
        let validation = try PolicyValidation.validate(policy, connection: connection)
        guard validation.problems.isEmpty else { throw PolicyError(problems: validation.problems) }
        let key = TenantKey(source: tenants, schema: validation.schema)
        guard try key.exists(tenant, connection: connection) else {
            throw RunError.unknownTenant(tenant, table: tenants.table.description)
        }
        // Read before the plan's own transaction: the forecast counts in READ ONLY transactions of its own.
        let forecasts = try PartitionForecast.today(policy, schema: validation.schema, connection: connection)
        return try connection.transaction(readOnly: true) {
            try PolicyTime.enter(policy.timeZone, connection)
            let row = try connection.execute("""
                SELECT \(SQLTime.isoUTC("t.\(Identifier.quote(tenants.terminatedAt))::timestamptz")), \(SQLTime.isoUTC("now()")),
                       \(SQLTime.isoUTC("coalesce($2::timestamptz, now())"))
                FROM \(tenants.table.sql) t WHERE \(key.matches("t.\(Identifier.quote(tenants.key))", "$1")) LIMIT 1
                """, [tenant, terminateAt]).rows.first
            // Checked to exist above, but another session may delete it in between.
            guard let row else { throw RunError.unknownTenant(tenant, table: tenants.table.description) }
            let recorded = row[0]
            let asOf = try row.text(1)
            let terminatedAt = try recorded ?? row.text(2)
            let holds = try LegalHold.of(tenant: tenant, key: key, connection).filter(\.isActive)
            var schedules: [RuleSchedule] = []
            var others: [String] = []
            for rule in policy.rules {
                guard rule.tenantColumn != nil, let table = validation.schema.table(of: rule) else {
                    others.append(rule.name)
                    continue
                }
                let plan = RulePlan(rule: rule, table: table, schema: validation.schema)
                let term = try rule.due.perTenant.map {
                    try TenantTermOf.read($0, due: rule.due, tenant: tenant, key: key, financialYearStartMonth: policy.financialYearStartMonth,
                                          asOf: asOf, connection: connection)
                }
                var scheduled = try schedule(plan, policy: policy, tenant: tenant, terminatedAt: terminatedAt, asOf: asOf, term: term,
                                             held: holds.contains { $0.rule == nil || $0.rule == rule.name }, connection: connection)
                scheduled.partitions = forecasts.first { $0.rule == rule.name }?.partitions ?? []
                schedules.append(scheduled)
            }
            return TerminationPlan(policy: policy.name, tenant: tenant, terminatedAt: terminatedAt, terminationIsRecorded: recorded != nil,
                                   asOf: asOf, timeZone: policy.timeZone, rules: schedules, otherRules: others, holds: holds)
        }
    }

    /// Groups the tenant's rows of one rule by the first instant each is due.
    ///
    /// A row is due at `t` when `anchor < t - after`. With `t0 = anchor + after`, the first such
    /// instant is `t0` plus a microsecond, unless adding the period was cut short at a month's end
    /// (31 January + 1 month = 28 February): then nothing is due before the next month begins.
    /// `term`: the tenant's own term, which then replaces `after`.
    static func schedule(_ plan: RulePlan, policy: Policy, tenant: String, terminatedAt: String, asOf: String, term: TenantTermOf?,
                         held: Bool, connection: Connection) throws -> RuleSchedule {
        let rule = plan.rule
        var builder = SQLBuilder()
        let after = "\(builder.bind(term?.applied ?? rule.due.after.intervalText))::interval"
        let readsTermination = rule.due.anchors.contains { if case .tenantTerminatedAt = $0 { true } else { false } }
        let terminated = readsTermination ? "\(builder.bind(terminatedAt))::timestamptz" : nil
        let anchor = YearAlignmentSQL.anchor(rule, financialYearStartMonth: policy.financialYearStartMonth,
                                             column: { "\(plan.column($0, "r"))::timestamptz" }, terminatedAt: terminated) ?? "NULL::timestamptz"
        var conditions = [plan.tenantKey.equals(plan.column(rule.tenantColumn!, "r"), text: builder.bind(tenant))]
        if case let .pseudonymise(spec) = rule.action { conditions.append("\(plan.column(spec.marker, "r")) IS NULL") }
        let yearStart = "((s.due_at - interval '1 microsecond' - \(after)) - interval '1 year')"
        let asOfParameter = builder.bind(asOf)
        // One group per date (rows due already form one group: the next run acts on them).
        let sql = """
            SELECT \(SQLTime.isoUTC("min(s.due_at)")), min(to_char(s.due_at, 'YYYY-MM-DD')),
                   \(rule.due.align == nil ? "NULL::text, NULL::text" : "to_char(\(yearStart), 'YYYY'), to_char(\(yearStart) + interval '1 year' - interval '1 day', 'YY')"),
                   s.due_at <= \(asOfParameter)::timestamptz, count(*)
            FROM (SELECT CASE WHEN a.anchor = '-infinity' THEN \(asOfParameter)::timestamptz
                              WHEN a.anchor = 'infinity' THEN NULL
                              WHEN (a.anchor + \(after) + interval '1 microsecond') - \(after) > a.anchor
                              THEN a.anchor + \(after) + interval '1 microsecond'
                              ELSE date_trunc('month', a.anchor + \(after)) + interval '1 month' END AS due_at
                  FROM (SELECT \(anchor) AS anchor FROM \(plan.table.identifier.sql) r WHERE \(conditions.joined(separator: " AND "))) a) s
            GROUP BY CASE WHEN s.due_at <= \(asOfParameter)::timestamptz THEN NULL ELSE to_char(s.due_at, 'YYYY-MM-DD') END, 3, 4, 5
            ORDER BY 1 NULLS LAST
            """
        var entries: [ScheduledRows] = []
        var neverDue: Int64 = 0
        for row in try connection.execute(sql, builder.parameters).rows {
            let rows = try row.int64(5)
            guard let dueAt = row[0] else {
                neverDue += rows
                continue
            }
            var year: String?
            if rule.due.align != nil, let start = row[2], let end = row[3] {
                year = (rule.due.align == .financialYearEnd && policy.financialYearStartMonth != 1) ? "FY\(start)/\(end)" : "FY\(start)"
                if rule.due.align == .calendarYearEnd { year = start }
            }
            entries.append(ScheduledRows(dueAt: dueAt, date: try row.text(1), year: year, rows: rows, overdue: try row.bool(4)))
        }
        return RuleSchedule(rule: rule.name, category: rule.category, basis: rule.basis, action: rule.action.kind,
                            table: plan.table.identifier.description, entries: entries, neverDue: neverDue, held: held, term: term)
    }
}
