import Postgres

/// The compliance report for one tenant's Owner, built from the recorded runs: what was
/// removed, pseudonymised or aggregated, under which rule and basis, when; what is held and
/// why; what is kept because other data still needs it; what is scheduled next; and whether the
/// audit trail of run reports is whole. Counts, rule names and tenant keys only.
public struct ComplianceReport: Sendable {
    public var tenant: String
    public var from: String?
    public var to: String?
    public var generatedAt: String
    public var rules: [RuleSection]
    public var holds: [LegalHold]
    /// The holds on persons in force: whether one is this tenant's customer cannot be told without
    /// the pseudonym key, so every one is shown, by id and subject column only (no reason: it
    /// may name a person or another tenant's case).
    public var personHolds: [LegalHold] = []
    /// The backup sets `expire-backups` rules expired in the period: they held every tenant's data.
    public var backupsExpired: [BackupsExpired]
    /// The next dates of the tenant's plan, when a policy was given.
    public var scheduled: [(date: String, items: [TimelineItem])]?
    /// The tenant's own term under each rule with `due.perTenant`, when a policy was given.
    public var terms: [(rule: String, term: TenantTermOf)] = []
    public var integrity: ChainCheck
    public var runs: Int
    /// What of the tenant `audit` finds kept past its period now, when a policy was given.
    public var keptPastPeriod: AuditReport?

    /// One rule's share of the report.
    public struct RuleSection: Sendable {
        public var rule: String
        public var category: String
        public var basis: String?
        public var action: ActionKind
        public var table: String?
        /// Pseudonymised columns and the strategy applied to each.
        public var columns: [(column: String, strategy: PseudonymStrategy)]
        /// Rows changed per UTC date.
        public var byDate: [(date: String, rows: Int64)]
        /// Rows kept at the latest run because a row that is not due still references them.
        public var blocked: Int64
        public var blockedBy: [String]

        public var total: Int64 { byDate.reduce(0) { $0 + $1.rows } }
    }

    /// What one run of an `expire-backups` rule expired.
    public struct BackupsExpired: Sendable {
        public var rule: String
        public var basis: String?
        /// The run's UTC date.
        public var date: String
        public var sets: [BackupExpiry.SetOutcome]
    }

    /// Rows changed per month over every rule, for the chart.
    public var byMonth: [(month: String, rows: Int64)] {
        var months: [String: Int64] = [:]
        for rule in rules { for entry in rule.byDate { months[String(entry.date.prefix(7)), default: 0] += entry.rows } }
        return months.keys.sorted().map { ($0, months[$0]!) }
    }

    /// Reads the recorded batches of `tenant` between `from` and `to` (ISO 8601, either optional).
    /// Recorded tenant keys are compared as `key`'s type when the policy gives it (under a `citext`
    /// key, rows recorded as `ACME` are tenant `Acme`'s), else exactly as recorded.
    public static func build(tenant: String, key: TenantKey?, from: String?, to: String?, connection: Connection, store: ReportStore,
                             plan: TerminationPlan?) throws -> ComplianceReport {
        func matches(_ column: String) -> String { key.map { "coalesce(\($0.type.read(column)) = \($0.type.read("$1")), false)" } ?? "\(column) = $1" }
        return try connection.transaction(readOnly: true) {
            let generatedAt = try connection.execute("SELECT \(SQLTime.isoUTC("now()"))").requiredScalar()
            let period = "($2::timestamptz IS NULL OR b.recorded_at >= $2::timestamptz) AND ($3::timestamptz IS NULL OR b.recorded_at < $3::timestamptz)"
            let rows = try connection.execute("""
                SELECT rr.rule, coalesce(rr.category, 'Uncategorised'), rr.basis, rr.action, rr.table_name, rr.definition::text,
                       to_char(b.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), sum(b.affected)::bigint
                FROM retention.batch_results b
                JOIN retention.run_rules rr ON rr.run_id = b.run_id AND rr.rule = b.rule
                WHERE \(matches("b.tenant")) AND \(period)
                GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 2, 1, 7
                """, [tenant, from, to]).rows
            var sections: [RuleSection] = []
            for row in rows {
                let rule = try row.text(0)
                let entry = (date: try row.text(6), rows: try row.int64(7))
                if let index = sections.firstIndex(where: { $0.rule == rule && $0.basis == row[2] }) {
                    sections[index].byDate.append(entry)
                    continue
                }
                sections.append(RuleSection(rule: rule, category: try row.text(1), basis: row[2], action: try ActionKind(recorded: row.text(3)), table: row[4],
                                            columns: pseudonymisedColumns(row[5]), byDate: [entry], blocked: 0, blockedBy: []))
            }
            // What the latest run of each rule kept because other rows still reference it.
            // The latest run of each rule that covered this tenant's rules at all; no row for the
            // tenant there means nothing of it was kept back.
            let blocked = try connection.execute("""
                SELECT latest.rule, coalesce((SELECT sum(t.blocked) FROM retention.rule_tenant_results t
                                             WHERE t.run_id = latest.run_id AND t.rule = latest.rule AND \(matches("t.tenant"))), 0)::bigint,
                       latest.details::text, coalesce(rr.category, 'Uncategorised'), rr.basis, rr.action, rr.table_name
                FROM (SELECT DISTINCT ON (r.rule) r.run_id, r.rule, r.details
                      FROM retention.rule_results r JOIN retention.runs ru ON ru.run_id = r.run_id
                      WHERE r.status IN ('ok', 'interrupted')
                        AND EXISTS (SELECT 1 FROM retention.run_rules x WHERE x.run_id = r.run_id AND x.rule = r.rule AND x.definition->>'tenantColumn' IS NOT NULL)
                      ORDER BY r.rule, ru.started_at DESC) latest
                LEFT JOIN retention.run_rules rr ON rr.run_id = latest.run_id AND rr.rule = latest.rule
                """, [tenant]).rows
            for row in blocked {
                let count = try row.int64(1)
                guard count > 0 else { continue }
                let rule = try row.text(0)
                let names = constraintNames(row[2])
                if let index = sections.firstIndex(where: { $0.rule == rule }) {
                    sections[index].blocked = count
                    sections[index].blockedBy = names
                } else {
                    sections.append(RuleSection(rule: rule, category: try row.text(3), basis: row[4], action: try ActionKind(recorded: row.text(5)), table: row[6],
                                                columns: [], byDate: [], blocked: count, blockedBy: names))
                }
            }
            let backupsExpired = try connection.execute("""
                SELECT r.rule, r.basis, to_char(ru.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), (r.details->'backups')::text
                FROM retention.rule_results r JOIN retention.runs ru ON ru.run_id = r.run_id
                WHERE r.action = $3 AND r.affected > 0
                  AND ($1::timestamptz IS NULL OR ru.started_at >= $1::timestamptz) AND ($2::timestamptz IS NULL OR ru.started_at < $2::timestamptz)
                ORDER BY ru.started_at, r.rule
                """, [from, to, ActionKind.expireBackups.rawValue]).rows.map { row in
                    let sets: [BackupExpiry.SetOutcome] = if let text = row[3], case let .array(entries)? = try? JSONParser.parse(text) {
                        entries.compactMap(BackupExpiry.SetOutcome.init).filter { $0.state == .expired }
                    } else { [] }
                    return BackupsExpired(rule: try row.text(0), basis: row[1], date: try row.text(2), sets: sets)
                }
            let recordedRuns = try connection.execute("""
                SELECT run_id::text, status, report_sha256, \(SQLTime.isoUTC("started_at")) FROM retention.runs
                WHERE ($1::timestamptz IS NULL OR started_at >= $1::timestamptz) AND ($2::timestamptz IS NULL OR started_at < $2::timestamptz)
                ORDER BY started_at
                """, [from, to]).rows.map { RecordedRun(id: try $0.text(0), status: try $0.text(1), reportSHA256: $0[2], startedAt: try $0.text(3)) }
            return ComplianceReport(tenant: tenant, from: from, to: to, generatedAt: generatedAt, rules: sections,
                                    holds: try LegalHold.of(tenant: tenant, key: key, connection),
                                    personHolds: try LegalHold.personsActive(connection), backupsExpired: backupsExpired,
                                    scheduled: plan.map { Array($0.timeline.prefix(12)) },
                                    terms: plan?.rules.compactMap { rule in rule.term.map { (rule.rule, $0) } } ?? [],
                                    integrity: ChainCheck.verify(store: store, runs: recordedRuns), runs: recordedRuns.count)
        }
    }

    private static func pseudonymisedColumns(_ definition: String?) -> [(column: String, strategy: PseudonymStrategy)] {
        guard let definition, let value = try? JSONParser.parse(definition), case let .array(columns)? = value["columns"] else { return [] }
        return columns.compactMap { entry in
            guard case let .string(column)? = entry["column"], case let .string(name)? = entry["strategy"],
                  let strategy = PseudonymStrategy(rawValue: name) else { return nil }
            return (column, strategy)
        }
    }

    private static func constraintNames(_ details: String?) -> [String] {
        guard let details, let value = try? JSONParser.parse(details), case let .array(entries)? = value["blockedBy"] else { return [] }
        return entries.compactMap { if case let .string(name)? = $0["constraint"] { name } else { nil } }
    }
}
