#!/bin/sh
# An aggregate benchmark written apart from retention-bench, in plain SQL and shell, to check
# it: the same table shape (ROWS rows every 10 s from 2024-01-01, 40 % due, `org_id` over
# ORGANISATIONS values: 500 gives ~5.8 rows per roll-up row, 121 ~24), in time order or shuffled
# (LAYOUT=seq|shuffled). Each of RUNS rounds makes two warm copies of one template and times, on
# one, a plain `WITH removed AS (DELETE ... RETURNING) INSERT ... ON CONFLICT DO UPDATE` through
# psql, and on the other the whole `retention run` process (2 workers), then checks that both
# roll-ups are equal and prints the ratio, the engine's longest batch and its peak memory. Run it
# on a throwaway server, after `swift build -c release`:
#     [ROWS=2000000 LAYOUT=shuffled ORGANISATIONS=500 RUNS=3] Deploy/pg-throwaway.sh run -- Deploy/bench-aggregate.sh [BINARY]
set -e
rows=${ROWS:-2000000}
layout=${LAYOUT:-shuffled}
organisations=${ORGANISATIONS:-500}
runs=${RUNS:-3}
bin=${1:-$(dirname "$0")/../.build/release/retention}
server="postgresql://postgres@127.0.0.1:$PGTHROWAWAY_PORT"
dir=$(mktemp -d /tmp/bench-aggregate.XXXXXX)
trap 'rm -rf "$dir"' EXIT
due=$((rows * 2 / 5))
as_of=$(psql "$server/postgres" -qtA -c "SELECT to_char((timestamptz '2024-01-01Z' + ($due + 1) * interval '10 seconds') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
order=""
[ "$layout" = shuffled ] && order="ORDER BY random()"
psql "$server/postgres" -q -c "DROP DATABASE IF EXISTS aggtpl" -c "CREATE DATABASE aggtpl"
psql "$server/aggtpl" -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE events (id bigserial PRIMARY KEY, org_id int NOT NULL, user_id bigint, email text, ip inet, kind text,
    payload jsonb, created_at timestamptz NOT NULL, pseudonymised_at timestamptz);
CREATE TABLE events_daily (day date NOT NULL, org_id int NOT NULL, kind text NOT NULL,
    events bigint NOT NULL, user_total numeric NOT NULL DEFAULT 0, PRIMARY KEY (day, org_id, kind));
INSERT INTO events (org_id, user_id, email, ip, kind, payload, created_at)
SELECT g % $organisations, g % 20000, 'user' || (g % 20000) || '@example.com',
       ('10.' || (g % 256) || '.' || ((g / 256) % 256) || '.' || (g % 200))::inet,
       (ARRAY['login', 'view', 'edit'])[1 + g % 3], jsonb_build_object('n', g, 'path', '/objectives/' || g),
       timestamptz '2024-01-01Z' + g * interval '10 seconds'
FROM generate_series(1, $rows) AS g $order;
CREATE INDEX events_created_at_idx ON events (created_at);
VACUUM ANALYZE events;
SQL
"$bin" migrate --database-url "$server/aggtpl" >/dev/null
cat > "$dir/policy.json" <<JSON
{"policy": "bench-aggregate", "rules": [{"name": "rollup", "table": "events", "due": {"after": "0 days", "from": "created_at"},
  "action": "aggregate", "aggregate": {"into": "events_daily", "bucket": {"column": "day", "unit": "day"},
  "dimensions": ["org_id", "kind"], "count": "events", "sums": {"user_id": "user_total"}}}]}
JSON
head -c 32 /dev/urandom > "$dir/key"
per_rollup=$(psql "$server/aggtpl" -qtA -c "SELECT round(count(*)::numeric / count(DISTINCT (created_at::date, org_id, kind)), 1) FROM events WHERE created_at < '$as_of'")
echo "bench-aggregate: $rows rows ($layout), $due due (as of $as_of), $per_rollup rows per roll-up row"

# A copy read into the cache and checkpointed, so both sides start warm.
copy() {
    psql "$server/postgres" -q -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1 TEMPLATE aggtpl STRATEGY FILE_COPY"
    psql "$server/$1" -q -c "SET enable_seqscan = off" -c "SELECT count(created_at) FROM events WHERE created_at > '-infinity'" \
        -c "RESET enable_seqscan" -c "SELECT count(*) FROM events" -c "CHECKPOINT" >/dev/null
}
round=1
while [ "$round" -le "$runs" ]; do
    copy aggplain
    start=$(date +%s.%N)
    psql "$server/aggplain" -q -v ON_ERROR_STOP=1 -c "SET TimeZone = 'UTC'" -c "
        WITH removed AS (DELETE FROM events WHERE created_at < '$as_of' RETURNING created_at, org_id, kind, user_id)
        INSERT INTO events_daily (day, org_id, kind, events, user_total)
        SELECT date_trunc('day', created_at)::date, org_id, kind, count(*), coalesce(sum(user_id), 0) FROM removed GROUP BY 1, 2, 3
        ON CONFLICT (day, org_id, kind) DO UPDATE SET events = events_daily.events + excluded.events,
            user_total = events_daily.user_total + excluded.user_total"
    plain=$(echo "$(date +%s.%N) - $start" | bc)
    psql "$server/aggplain" -qtA -c "SELECT md5(string_agg(format('%s|%s|%s|%s|%s', day, org_id, kind, events, user_total), ',' ORDER BY day, org_id, kind)) FROM events_daily" > "$dir/plain.md5"
    psql "$server/postgres" -q -c "DROP DATABASE aggplain"
    copy aggengine
    /usr/bin/time -f "%e %M" -o "$dir/time" "$bin" run --policy "$dir/policy.json" --as-of "$as_of" --concurrency 2 \
        --state-dir "$dir/state" --report "$dir/report.json" --pseudonym-key-file "$dir/key" --database-url "$server/aggengine" >/dev/null 2>"$dir/stderr" || { cat "$dir/stderr" >&2; exit 1; }
    engine=$(cut -d' ' -f1 "$dir/time")
    peak=$(echo "scale=1; $(cut -d' ' -f2 "$dir/time") / 1024" | bc)
    psql "$server/aggengine" -qtA -c "SELECT md5(string_agg(format('%s|%s|%s|%s|%s', day, org_id, kind, events, user_total), ',' ORDER BY day, org_id, kind)) FROM events_daily" > "$dir/engine.md5"
    left=$(psql "$server/aggengine" -qtA -c "SELECT count(*) FROM events WHERE created_at < '$as_of'")
    [ "$left" = 0 ] && cmp -s "$dir/plain.md5" "$dir/engine.md5" || { echo "round $round: the roll-ups differ or $left due rows are left" >&2; exit 1; }
    psql "$server/postgres" -q -c "DROP DATABASE aggengine"
    rm -rf "$dir/state"
    echo "round $round: plain statement $plain s, engine (whole process) $engine s, ratio $(echo "scale=2; $plain / $engine" | bc)," \
        "$(jq '.rules[0].batches' "$dir/report.json") batches, longest $(jq '.rules[0].longestBatchMs' "$dir/report.json") ms," \
        "peak memory $peak MiB, load $(cut -d' ' -f1 /proc/loadavg); roll-ups equal"
    round=$((round + 1))
done
psql "$server/postgres" -q -c "DROP DATABASE aggtpl"
