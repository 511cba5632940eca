import Foundation
import Testing
import TestSupport

private let analyticsSchema = """
    SET TimeZone = 'UTC';
    CREATE TABLE events (id bigint PRIMARY KEY, org_id int NOT NULL, kind text NOT NULL, duration_ms int, occurred_at timestamptz NOT NULL);
    INSERT INTO events SELECT g, g % 7, (ARRAY['login','view','edit'])[1 + g % 3], CASE WHEN g % 9 = 0 THEN NULL ELSE g % 1000 END,
        timestamptz '2024-01-01' + ((g * 7919) % 100000) * interval '9 minutes'
    FROM generate_series(1, 100000) g;
    CREATE INDEX ON events (occurred_at);
    CREATE TABLE daily (day date NOT NULL, org_id int NOT NULL, kind text NOT NULL, events bigint NOT NULL DEFAULT 0,
                        duration_total bigint NOT NULL DEFAULT 0, PRIMARY KEY (day, org_id, kind));
    -- An earlier run's roll-up for some of the same days: the engine must add to it.
    INSERT INTO daily VALUES ('2024-01-02', 1, 'view', 5, 500), ('2024-01-03', 2, 'edit', 1, 10);
    """

private func analyticsPolicy(unit: String = "day", zone: String = "Europe/Stockholm") -> String {
    """
    {"policy": "agg", "timeZone": "\(zone)", "rules": [{"name": "rollup", "table": "events", "due": {"after": "12 months", "from": "occurred_at"},
      "action": "aggregate", "aggregate": {"into": "daily", "bucket": {"column": "day", "unit": "\(unit)"}, "dimensions": ["org_id", "kind"],
      "count": "events", "sums": {"duration_ms": "duration_total"}}}]}
    """
}

/// The roll-up a plain GROUP BY of the due rows gives, added to what the table held before.
private func expectedRollup(unit: String, zone: String, asOf: String) -> String {
    """
    CREATE TABLE expected AS
    SELECT day, org_id, kind, sum(events)::bigint AS events, sum(duration_total)::bigint AS duration_total FROM (
      SELECT day, org_id, kind, events, duration_total FROM daily
      UNION ALL
      SELECT (date_trunc('\(unit)', occurred_at AT TIME ZONE '\(zone)'))::date, org_id, kind, count(*), coalesce(sum(duration_ms), 0)
      FROM events WHERE occurred_at < '\(asOf)'::timestamptz - interval '12 months' GROUP BY 1, 2, 3) parts
    GROUP BY 1, 2, 3;
    """
}

@Suite("aggregate", .serialized)
struct AggregateTests {
    @Test("every bucket's count and sum equal a plain GROUP BY of the due rows, in the policy's time zone", arguments: ["day", "week", "month"])
    func exactRollup(_ unit: String) throws {
        let asOf = "2025-06-01T00:00:00Z"
        let fixture = try EngineFixture.make("agg", schemaSQL: analyticsSchema + expectedRollup(unit: unit, zone: "Europe/Stockholm", asOf: asOf))
        defer { fixture.drop() }
        try fixture.writePolicy(analyticsPolicy(unit: unit))
        let due = try fixture.database.count("SELECT count(*) FROM events WHERE occurred_at < '\(asOf)'::timestamptz - interval '12 months'")
        let kept = try fixture.database.checksum("(SELECT * FROM events WHERE occurred_at >= '\(asOf)'::timestamptz - interval '12 months')", orderBy: "id")
        let result = try fixture.retention(["run", "--as-of", asOf])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try fixture.ruleReport("rollup").int("affected") == due)
        #expect(try fixture.database.checksum("events", orderBy: "id") == kept)
        #expect(try fixture.database.count("SELECT count(*) FROM expected e FULL JOIN daily d USING (day, org_id, kind) WHERE (e.events, e.duration_total) IS DISTINCT FROM (d.events, d.duration_total)") == 0)
    }

    @Test("after SIGKILL mid-run and a rerun, the totals are still exact")
    func killAndRerun() throws {
        let asOf = "2025-06-01T00:00:00Z"
        let fixture = try EngineFixture.make("aggkill", schemaSQL: analyticsSchema + expectedRollup(unit: "day", zone: "UTC", asOf: asOf))
        defer { fixture.drop() }
        try fixture.writePolicy(analyticsPolicy(zone: "UTC"))
        let running = try fixture.start(["run", "--as-of", asOf, "--batch-size", "200", "--pause", "40"])
        Thread.sleep(forTimeInterval: 0.8)
        running.signal(SIGKILL)
        _ = running.wait()
        let left = try fixture.database.count("SELECT count(*) FROM events WHERE occurred_at < '\(asOf)'::timestamptz - interval '12 months'")
        #expect(left > 0)
        #expect(try fixture.retention(["run", "--as-of", asOf]).status == 0)
        #expect(try fixture.database.count("SELECT count(*) FROM expected e FULL JOIN daily d USING (day, org_id, kind) WHERE (e.events, e.duration_total) IS DISTINCT FROM (d.events, d.duration_total)") == 0)
    }
}

/// A table whose heap is not in time order (rows inserted in random order), with NULL
/// dimensions and a `numeric` amount, rolled up into a key that treats NULLs as one value.
private let shuffledSchema = """
    SET TimeZone = 'UTC';
    CREATE TABLE sales (id bigint PRIMARY KEY, region text, channel text, amount numeric(12, 2), sold_at timestamptz NOT NULL);
    INSERT INTO sales SELECT g, CASE WHEN g % 11 = 0 THEN NULL ELSE 'r' || g % 5 END, CASE WHEN g % 13 = 0 THEN NULL ELSE 'c' || g % 3 END,
        CASE WHEN g % 17 = 0 THEN NULL ELSE round((g % 9973) / 7.0, 2) END, timestamptz '2024-01-01' + g * interval '7 minutes'
    FROM generate_series(1, 60000) g ORDER BY random();
    CREATE INDEX ON sales (sold_at);
    ANALYZE sales;
    CREATE TABLE sales_daily (day date NOT NULL, region text, channel text, sales bigint NOT NULL, amount_total numeric NOT NULL,
                              UNIQUE NULLS NOT DISTINCT (day, region, channel));
    INSERT INTO sales_daily VALUES ('2024-01-02', NULL, 'c1', 3, 10.25), ('2024-01-03', 'r1', NULL, 1, 0.01);
    CREATE TABLE expected AS
    SELECT day, region, channel, sum(sales)::bigint AS sales, sum(amount_total) AS amount_total FROM (
      SELECT day, region, channel, sales, amount_total FROM sales_daily
      UNION ALL
      SELECT sold_at::date, region, channel, count(*), coalesce(sum(amount), 0) FROM sales
      WHERE sold_at < timestamptz '2024-07-01' - interval '30 days' GROUP BY 1, 2, 3) parts
    GROUP BY 1, 2, 3;
    """

@Suite("aggregate on a table not in time order", .serialized)
struct ShuffledAggregateTests {
    @Test("killed mid-run and resumed, the roll-up equals a plain GROUP BY, NULL dimensions and numeric sums included")
    func killAndResume() throws {
        let asOf = "2024-07-01T00:00:00Z"
        let due = "sold_at < timestamptz '\(asOf)' - interval '30 days'"
        let fixture = try EngineFixture.make("aggshuffled", schemaSQL: shuffledSchema)
        defer { fixture.drop() }
        try fixture.writePolicy("""
            {"policy": "sales", "timeZone": "UTC", "rules": [{"name": "rollup", "table": "sales", "due": {"after": "30 days", "from": "sold_at"},
              "action": "aggregate", "aggregate": {"into": "sales_daily", "bucket": {"column": "day", "unit": "day"}, "dimensions": ["region", "channel"],
              "count": "sales", "sums": {"amount": "amount_total"}}}]}
            """)
        // The heap does not follow the anchor, and the due rows span many buckets.
        #expect(try fixture.database.count("SELECT (abs(correlation) < 0.1)::int FROM pg_stats WHERE tablename = 'sales' AND attname = 'sold_at'") == 1)
        let dueRows = try fixture.database.count("SELECT count(*) FROM sales WHERE \(due)")
        #expect(dueRows > 30_000)
        let kept = try fixture.database.checksum("(SELECT * FROM sales WHERE NOT (\(due)))", orderBy: "id")
        let before = try fixture.database.count("SELECT count(*) FROM sales_daily")
        let running = try fixture.start(["run", "--as-of", asOf, "--pause", "60"])
        // Killed once some batches have committed, and before all have.
        let deadline = Date().addingTimeInterval(30)
        while try fixture.database.count("SELECT count(*) FROM sales_daily") == before, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        running.signal(SIGKILL)
        _ = running.wait()
        let left = try fixture.database.count("SELECT count(*) FROM sales WHERE \(due)")
        #expect(left > 0 && left < dueRows, "killed mid-run: \(left) of \(dueRows) due rows left")
        let rerun = try fixture.retention(["run", "--as-of", asOf])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try fixture.ruleReport("rollup").int("affected") == left)
        #expect(try fixture.ruleReport("rollup")["batchPath"] as? String == "windows of \"sold_at\" in its index's order")
        #expect(try fixture.database.count("SELECT count(*) FROM sales WHERE \(due)") == 0)
        #expect(try fixture.database.checksum("sales", orderBy: "id") == kept)
        #expect(try fixture.database.count("""
            SELECT count(*) FROM ((TABLE expected EXCEPT ALL SELECT day, region, channel, sales, amount_total FROM sales_daily)
                                  UNION ALL (SELECT day, region, channel, sales, amount_total FROM sales_daily EXCEPT ALL TABLE expected)) differences
            """) == 0)
        #expect(try fixture.database.count("SELECT count(*) FROM sales_daily WHERE region IS NULL OR channel IS NULL") > 0)
    }
}
