#!/bin/sh
# Benchmark of erasure requests: REQUESTS (default 1,000) requests for people with ~20 rows each
# across 5 tables, filed by one `retention request import` (JSON lines; its records per second
# are printed) and processed by one `retention run`; prints the seconds and requests per second
# of the run's whole process, the transactions the database committed during it, and the longest
# transaction of the run's worker session (sampled from pg_stat_activity every 2 ms, so at most
# about 2 ms short). Run it on a throwaway server:
#     [REQUESTS=10000] Deploy/pg-throwaway.sh run -- Deploy/bench-subjects.sh [BINARY]
set -e
requests=${REQUESTS:-1000}
people=$((requests * 20))
highest=$((requests * 7))
bin=${1:-$(dirname "$0")/../.build/release/retention}
db="postgresql://postgres@127.0.0.1:$PGTHROWAWAY_PORT/postgres"
dir=$(mktemp -d /tmp/bench-subjects.XXXXXX)
sampler=
# On every exit: end the sampler's session (it loops until bench_done has a row) and remove the
# folder, which holds the pseudonym key.
cleanup() {
    if [ -n "$sampler" ]; then psql "$url" -q -c "INSERT INTO bench_done VALUES (now())" >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
}
trap cleanup EXIT
head -c 32 /dev/urandom > "$dir/key"
psql "$db" -q -c "CREATE DATABASE benchsubj"
url="postgresql://postgres@127.0.0.1:$PGTHROWAWAY_PORT/benchsubj"
psql "$url" -q -v ON_ERROR_STOP=1 -v people="$people" <<'SQL'
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text, pseudonymised_at timestamptz);
CREATE INDEX ON users (email);
CREATE TABLE comments (id bigint PRIMARY KEY, user_id bigint REFERENCES users, body text);
CREATE INDEX ON comments (user_id);
CREATE TABLE checkins (id bigint PRIMARY KEY, user_id bigint REFERENCES users, note text);
CREATE INDEX ON checkins (user_id);
CREATE TABLE audit_rows (id bigint PRIMARY KEY, user_id bigint, action text);
CREATE INDEX ON audit_rows (user_id);
CREATE TABLE marketing_contacts (id bigint PRIMARY KEY, email text NOT NULL);
CREATE INDEX ON marketing_contacts (email);
INSERT INTO users SELECT g, 'user' || g || '@example.com', 'User ' || g FROM generate_series(1, :people) g;
INSERT INTO comments SELECT g, 1 + g % :people, 'c' || g FROM generate_series(1, :people * 6) g;
INSERT INTO checkins SELECT g, 1 + g % :people, 'k' || g FROM generate_series(1, :people * 6) g;
INSERT INTO audit_rows SELECT g, 1 + g % :people, 'a' || g FROM generate_series(1, :people * 6) g;
INSERT INTO marketing_contacts SELECT g, 'user' || g || '@example.com' FROM generate_series(1, :people) g;
VACUUM ANALYZE;
SQL
cat > "$dir/policy.json" <<'JSON'
{"policy": "bench", "subjects": {"table": "users", "key": "id", "identifiers": ["email"], "targets": [
  {"name": "comments", "category": "Content", "table": "comments", "match": {"user_id": "id"}, "action": "delete"},
  {"name": "checkins", "category": "Content", "table": "checkins", "match": {"user_id": "id"}, "action": "delete"},
  {"name": "audit", "category": "Logs", "table": "audit_rows", "match": {"user_id": "id"}, "action": "delete"},
  {"name": "newsletter", "category": "Marketing", "table": "marketing_contacts", "match": {"email": "email"}, "action": "delete"},
  {"name": "account", "category": "Account", "table": "users", "match": {"id": "id"}, "action": "pseudonymise",
   "pseudonymise": {"columns": {"email": "hmac", "name": "null"}, "marker": "pseudonymised_at"}}]}}
JSON
"$bin" migrate --database-url "$url" >/dev/null
# The requests, as a DSR platform hands them over: one JSON line each, filed by one import.
psql "$url" -qtA -c "SELECT json_build_object('subject', 'email=user' || g * 7 || '@example.com', 'reference', 'DSR-' || g, 'verifiedBy', 'bench')::text FROM generate_series(1, $requests) g" > "$dir/requests.jsonl"
import_start=$(date +%s.%N)
"$bin" request import --policy "$dir/policy.json" --database-url "$url" "$dir/requests.jsonl" > "$dir/imported.jsonl"
import_end=$(date +%s.%N)
echo "import: $(grep -c '"filed"' "$dir/imported.jsonl") filed in $(echo "$import_end - $import_start" | bc) s, records/s: $(echo "$requests / ($import_end - $import_start)" | bc)"
psql "$url" -qtA -c "SELECT 'rows of the $requests people: ' || ((SELECT count(*) FROM comments WHERE user_id % 7 = 0 AND user_id <= $highest) + (SELECT count(*) FROM checkins WHERE user_id % 7 = 0 AND user_id <= $highest) + (SELECT count(*) FROM audit_rows WHERE user_id % 7 = 0 AND user_id <= $highest) + 2 * $requests)"
psql "$url" -q -c "CREATE TABLE bench_done (at timestamptz)"
# The sampler: one session that reads how long the worker's current transaction has run, every
# 2 ms, until the run is over (a row in bench_done), and then says the longest it saw.
psql "$url" -qtA -v ON_ERROR_STOP=1 2>"$dir/longest" <<'SQL' &
DO $$
DECLARE
    longest interval := interval '0';
BEGIN
    LOOP
        PERFORM pg_stat_clear_snapshot();
        longest := greatest(longest, (SELECT max(clock_timestamp() - xact_start) FROM pg_stat_activity
                                      WHERE datname = current_database() AND application_name = 'retention worker'));
        EXIT WHEN EXISTS (SELECT 1 FROM bench_done);
        PERFORM pg_sleep(0.002);
    END LOOP;
    RAISE NOTICE 'longest transaction (ms): %', round(extract(epoch FROM longest)::numeric * 1000, 1);
END $$;
SQL
sampler=$!
commits="SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
before=$(psql "$url" -qtA -c "$commits")
start=$(date +%s.%N)
"$bin" run --policy "$dir/policy.json" --database-url "$url" --state-dir "$dir/state" --pseudonym-key-file "$dir/key" --concurrency 1 | tail -n 3
end=$(date +%s.%N)
psql "$url" -q -c "INSERT INTO bench_done VALUES (now())"
wait "$sampler"
sampler=
# A session's commits are counted once it has ended: wait for the other sessions to end first.
after=$(psql "$url" -qtA <<SQL
DO \$\$ BEGIN
    WHILE EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()) LOOP
        PERFORM pg_sleep(0.01);
        PERFORM pg_stat_clear_snapshot();
    END LOOP;
END \$\$;
$commits
SQL
)
psql "$url" -qtA -c "SELECT 'done: ' || count(*) FILTER (WHERE status = 'done') || ', open: ' || count(*) FILTER (WHERE status = 'open') FROM retention.erasure_requests"
psql "$url" -qtA -c "SELECT 'rows left of the $requests people: ' || ((SELECT count(*) FROM comments WHERE user_id % 7 = 0 AND user_id <= $highest) + (SELECT count(*) FROM checkins WHERE user_id % 7 = 0 AND user_id <= $highest) + (SELECT count(*) FROM audit_rows WHERE user_id % 7 = 0 AND user_id <= $highest) + (SELECT count(*) FROM marketing_contacts WHERE id % 7 = 0 AND id <= $highest) + (SELECT count(*) FROM users WHERE id % 7 = 0 AND id <= $highest AND pseudonymised_at IS NULL)) || ', rows recorded as erased: ' || (SELECT sum(affected) FROM retention.request_target_results)"
echo "seconds: $(echo "$end - $start" | bc)"
echo "requests/s: $(echo "$requests / ($end - $start)" | bc)"
# Less the three of this script in between (reading, bench_done, the sampler); autovacuum's would count.
echo "transactions committed during the run: $((after - before - 3))"
sed -n 's/.*NOTICE: *//p' "$dir/longest"
