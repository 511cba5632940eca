import Postgres

/// The SQL a rule reads when it starts: its cutoffs, the tenants terminated before them, the
/// extent of each relation's walk, and the tenants its erasures concern.
enum RuleStartStatements {
    /// The cutoff and the raw anchor's cutoff, in ISO 8601: `$1` asOf, `$2` the period.
    static func cutoffs(align: YearAlignment?, financialYearStartMonth: Int) -> String {
        let query = CutoffQuery.sql(align: align, financialYearStartMonth: financialYearStartMonth)
        return "SELECT \(SQLTime.isoUTC("q.cutoff")), \(SQLTime.isoUTC("q.anchor_cutoff")) FROM (\(query)) AS q(cutoff, anchor_cutoff)"
    }

    /// The keys (as text) of the tenants terminated before `$1`.
    static func terminatedTenants(_ tenants: TenantSource) -> String {
        """
        SELECT t.\(Identifier.quote(tenants.key))::text FROM \(tenants.table.sql) t
        WHERE t.\(Identifier.quote(tenants.terminatedAt)) < $1::timestamptz ORDER BY 1
        """
    }

    /// The earliest due anchor of `relation` and the cutoff `$1`, in microseconds since the epoch;
    /// the first is NULL for '-infinity', and the third column says the relation has no due row.
    static func anchorRange(_ relation: Identifier, column: String) -> String {
        """
        SELECT CASE WHEN isfinite(m) THEN (extract(epoch FROM m) * 1000000)::bigint END,
               (extract(epoch FROM $1::timestamptz) * 1000000)::bigint, m IS NULL
        FROM (SELECT min(\(Identifier.quote(column)))::timestamptz AS m FROM ONLY \(relation.sql)
              WHERE \(Identifier.quote(column)) < $1::timestamptz) AS first
        """
    }

    /// The pages of relation `$1` now.
    static let pages = "SELECT pg_relation_size($1::regclass) / current_setting('block_size')::bigint"

    /// The pages of the largest shard of Citus table `$1` now, asked of each worker about the
    /// shards it holds (one round trip per worker); 0 when the workers have no shard metadata.
    static let largestLocalShardPages = """
        SELECT coalesce(max(nullif(result, '')::bigint), 0) / current_setting('block_size')::bigint
        FROM run_command_on_workers(format($cmd$
          SELECT max(pg_catalog.pg_relation_size(pg_catalog.to_regclass(shard_name(s.logicalrelid, s.shardid))))
          FROM pg_catalog.pg_dist_shard s WHERE s.logicalrelid = %L::regclass$cmd$, $1::regclass::text))
        """

    /// The pages of the largest shard of Citus table `$1` now (each shard's own heap), asked of every shard.
    static let largestShardPages = """
        SELECT coalesce(max(result::bigint), 0) / current_setting('block_size')::bigint
        FROM run_command_on_shards($1::regclass, $cmd$SELECT pg_relation_size('%s')$cmd$)
        """

    /// The smallest value of integer column `column` of `table` and one past the largest; NULLs
    /// for an empty table.
    static func keyRange(_ table: Identifier, column: String) -> String {
        "SELECT min(\(Identifier.quote(column)))::bigint, max(\(Identifier.quote(column)))::bigint + 1 FROM \(table.sql)"
    }

    /// The starts of buckets of unit `$1` from `$2` to `$3` (microseconds), in the session's zone.
    static let bucketBoundaries = """
        SELECT (extract(epoch FROM b) * 1000000)::bigint
        FROM generate_series(date_trunc($1, timestamptz 'epoch' + $2::bigint * interval '1 microsecond'),
                             timestamptz 'epoch' + $3::bigint * interval '1 microsecond', ('1 ' || $1)::interval) AS b
        """

    /// The tenants (as text) with rows the rule acts on now.
    static func tenantsToErase(_ plan: RulePlan, _ bounds: RuleBounds, holds: HoldsInForce?, _ builder: inout SQLBuilder) -> String {
        var conditions = [plan.duePredicate("r", bounds, &builder)]
        if let held = plan.heldPredicate("r", &builder, holds: holds) { conditions.append("NOT \(held)") }
        return "SELECT DISTINCT \(plan.tenantText("r")) FROM \(plan.table.identifier.sql) r WHERE \(conditions.joined(separator: " AND ")) ORDER BY 1"
    }

    /// Each tenant key of `$1` (text) with its termination time before `$2`, matched to the
    /// tenants table by the key's own type (under citext, rows of `ACME` belong to tenant `Acme`).
    static func terminationTimes(_ source: TenantSource, key: TenantKey) -> String {
        """
        SELECT u.tenant, \(SQLTime.isoUTC("min(t.\(Identifier.quote(source.terminatedAt)))::timestamptz"))
        FROM unnest($1::text[]) AS u(tenant)
        JOIN \(source.table.sql) t ON \(key.matches("t.\(Identifier.quote(source.key))", "u.tenant"))
        WHERE t.\(Identifier.quote(source.terminatedAt)) < $2::timestamptz
        GROUP BY u.tenant
        """
    }
}
