#!/bin/sh
# Benchmark of erasure requests: 1,000 requests for people with ~20 rows each across 5 tables,
# processed by one `retention run`; prints the seconds and the longest gap between two batch
# records (an upper bound of the longest request transaction). Run it on a throwaway server:
#     Deploy/pg-throwaway.sh run -- Deploy/bench-subjects.sh [BINARY]
set -e
bin=${1:-$(dirname "$0")/../.build/release/retention}
db="postgresql://postgres@127.0.0.1:$PGTHROWAWAY_PORT/postgres"
dir=$(mktemp -d /tmp/bench-subjects.XXXXXX)
head -c 32 /dev/urandom > "$dir/key"
psql "$db" -q -c "CREATE DATABASE benchsubj"
url="postgresql://postgres@127.0.0.1:$PGTHROWAWAY_PORT/benchsubj"
psql "$url" -q -v ON_ERROR_STOP=1 <<'SQL'
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
INSERT INTO users SELECT g, 'user' || g || '@example.com', 'User ' || g FROM generate_series(1, 20000) g;
INSERT INTO comments SELECT g, 1 + g % 20000, 'c' || g FROM generate_series(1, 120000) g;
INSERT INTO checkins SELECT g, 1 + g % 20000, 'k' || g FROM generate_series(1, 120000) g;
INSERT INTO audit_rows SELECT g, 1 + g % 20000, 'a' || g FROM generate_series(1, 120000) g;
INSERT INTO marketing_contacts SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 20000) g;
ANALYZE;
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
# Requests filed as `request add` files them (same statement), for 1,000 people.
psql "$url" -q -c "INSERT INTO retention.erasure_requests (policy, subject_column, subject_value, received_at, deadline) SELECT 'bench', 'email', 'user' || g * 7 || '@example.com', now(), now() + interval '1 month' FROM generate_series(1, 1000) g"
psql "$url" -qtA -c "SELECT 'rows of the 1000 people: ' || ((SELECT count(*) FROM comments WHERE user_id % 7 = 0 AND user_id <= 7000) + (SELECT count(*) FROM checkins WHERE user_id % 7 = 0 AND user_id <= 7000) + (SELECT count(*) FROM audit_rows WHERE user_id % 7 = 0 AND user_id <= 7000) + 2000)"
start=$(date +%s.%N)
"$bin" run --policy "$dir/policy.json" --database-url "$url" --state-dir "$dir/state" --pseudonym-key-file "$dir/key" --concurrency 1 | tail -n 3
end=$(date +%s.%N)
psql "$url" -qtA -c "SELECT 'done: ' || count(*) FILTER (WHERE status = 'done') || ', open: ' || count(*) FILTER (WHERE status = 'open') FROM retention.erasure_requests"
echo "seconds: $(echo "$end - $start" | bc)"
psql "$url" -qtA -c "SELECT 'longest gap between batch records (ms): ' || round(max(extract(epoch FROM d) * 1000)::numeric, 1) FROM (SELECT recorded_at - lag(recorded_at) OVER (ORDER BY recorded_at) AS d FROM retention.request_batch_results) s"
