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
