import Postgres

/// The run's record in the `retention` schema: one `runs` row, and each rule's result with its
/// per-tenant counts. Dry runs write nothing.
enum RunLedger {
    static func begin(runID: String, policy: Policy, rules: [Rule], asOf: String, connection: Connection) throws {
        try connection.transaction {
            // Only one run per policy holds the lock, so older rows still "running" were killed.
            try connection.execute("UPDATE retention.runs SET status = 'interrupted', finished_at = clock_timestamp() WHERE policy = $1 AND status = 'running'",
                                   [policy.name])
            try connection.execute("""
                INSERT INTO retention.runs (run_id, policy, policy_sha256, as_of, host, pid)
                VALUES ($1::uuid, $2, $3, $4::timestamptz, $5, $6::integer)
                """, [runID, policy.name, policy.sha256, asOf, ProcessEnvironment.hostName, String(ProcessEnvironment.pid)])
            for rule in rules {
                try connection.execute("""
                    INSERT INTO retention.run_rules (run_id, rule, category, basis, table_name, action, definition)
                    VALUES ($1::uuid, $2, $3, $4, $5, $6, $7::jsonb)
                    """, [runID, rule.name, rule.category, rule.basis, rule.table?.description, rule.action.kind.rawValue,
                          JSONWriter.write(rule.definitionJSON, pretty: false)])
            }
        }
    }

    static func recordRule(_ result: RuleResult, runID: String, connection: Connection) throws {
        let details = JSONWriter.write(.members([
            ("blockedBy", .array(result.blockedBy.map { .members([("constraint", .string($0.constraint)), ("rows", .int($0.rows))]) })),
            ("longestBatchMs", .number(String(format: "%.1f", result.longestBatchMs))),
            ("partitions", .array(result.partitions.map(\.json))),
            ("backups", .array(result.backups.map(\.json))),
        ]), pretty: false)
        try connection.transaction {
            try connection.execute("""
                INSERT INTO retention.rule_results (run_id, rule, category, basis, table_name, action, cutoff, matched, affected,
                    held_back, blocked, skipped, batches, duration_ms, status, error, details)
                VALUES ($1::uuid, $2, $3, $4, $5, $6, $7::timestamptz, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::jsonb)
                ON CONFLICT (run_id, rule) DO NOTHING
                """, [runID, result.name, result.category, result.basis, result.table, result.action.rawValue, result.cutoff,
                      String(result.matched), String(result.affected), String(result.heldBack), String(result.blocked),
                      String(result.skipped), String(result.batches), String(result.durationMs), result.status.rawValue,
                      result.error, details])
            // Every tenant in one statement (a termination rule may count thousands).
            guard !result.tenants.isEmpty else { return }
            let tenants = result.tenants
            try connection.execute("""
                INSERT INTO retention.rule_tenant_results (run_id, rule, tenant, matched, affected, held_back, blocked)
                SELECT $1::uuid, $2, t.tenant, t.matched, t.affected, t.held_back, t.blocked
                FROM unnest($3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[]) AS t(tenant, matched, affected, held_back, blocked)
                ON CONFLICT DO NOTHING
                """, [runID, result.name, textArrayLiteral(tenants.map(\.tenant)), bigintArrayLiteral(tenants.map(\.matched)),
                      bigintArrayLiteral(tenants.map(\.affected)), bigintArrayLiteral(tenants.map(\.heldBack)),
                      bigintArrayLiteral(tenants.map(\.blocked))])
        }
    }

    static func finish(runID: String, status: String, reportSHA256: String?, connection: Connection) throws {
        try connection.execute("UPDATE retention.runs SET status = $2, finished_at = clock_timestamp(), report_sha256 = $3 WHERE run_id = $1::uuid",
                               [runID, status, reportSHA256])
    }
}
