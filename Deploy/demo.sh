#!/usr/bin/env bash
# demo.sh: the main job on the built-in demo, from a fresh clone on a fresh machine.
# Installs what is missing, builds, starts a throwaway PostgreSQL, loads the OKRnest-like demo
# (about 1,000,000 rows; --scale N changes that), then: migrate, validate, dry run, real run.
# The server is stopped at the end unless --keep is given (then its URL is printed).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
scale=1
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) scale="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "usage: Deploy/demo.sh [--scale N] [--keep]" >&2; exit 2 ;;
    esac
done
. Deploy/ensure-packages.sh
ensure_packages
ensure_swift_path
. Deploy/pg-throwaway.sh

step() { printf '\n== %s\n' "$*"; }

step "building retention (release)"
swift build -c release --product retention 2>&1 | tail -n 1
retention="$repo/.build/release/retention"

step "starting a throwaway PostgreSQL"
pg_throwaway_start
if [ "$keep" -eq 0 ]; then trap pg_throwaway_stop EXIT; fi
url=$(pg_throwaway_createdb okrnest)
export DATABASE_URL="$url"
state=$(mktemp -d /tmp/retention-demo-state.XXXXXX)
key="$state/pseudonym.key"
head -c 32 /dev/urandom >"$key"
# Today at midnight UTC: the demo data and every run use the same instant.
asof=$(date -u +%Y-%m-%dT00:00:00Z)

step "loading the demo schema and data (scale $scale, as of $asof)"
SECONDS=0
psql "$url" -q -v ON_ERROR_STOP=1 -f Deploy/demo-schema.sql
psql "$url" -q -v ON_ERROR_STOP=1 -v asof="$asof" -v scale="$scale" -f Deploy/demo-data.sql
psql "$url" -qtA -c "SELECT 'loaded ' || sum(n_live_tup) || ' rows in $SECONDS s' FROM pg_stat_user_tables"

step "retention migrate"
"$retention" migrate

step "retention validate"
"$retention" validate --policy Jobs/demo-policy.json

step "retention run --dry-run"
"$retention" run --policy Jobs/demo-policy.json --dry-run --as-of "$asof" --state-dir "$state" --pseudonym-key-file "$key"

step "retention request add: two erasure requests (one person found, one not)"
person=$(psql "$url" -qtA -c "SELECT u.email FROM users u JOIN organizations o ON o.id = u.organization_id WHERE u.role = 'owner' AND o.terminated_at IS NULL AND EXISTS (SELECT 1 FROM invoices i WHERE i.owner_user_id = u.id) ORDER BY u.id LIMIT 1")
found=$("$retention" request add --policy Jobs/demo-policy.json --subject "email=$person" --reference DSR-DEMO-1)
missing=$("$retention" request add --policy Jobs/demo-policy.json --subject "email=nobody@example.invalid" --reference DSR-DEMO-2)
"$retention" request plan "$found" --policy Jobs/demo-policy.json

step "retention run"
"$retention" run --policy Jobs/demo-policy.json --as-of "$asof" --state-dir "$state" --pseudonym-key-file "$key" --report "$state/last-run.json"

step "retention report for tenant 3 (terminated 45 days before the demo's date)"
"$retention" report --tenant 3 --state-dir "$state" --policy Jobs/demo-policy.json --format html --out "$state/tenant-3-report.html"
"$retention" report --tenant 3 --state-dir "$state" --policy Jobs/demo-policy.json --format md | head -n 20
echo "HTML report: $state/tenant-3-report.html"

step "erasure receipts"
for id in "$found" "$missing"; do
    "$retention" request receipt "$id" --format html --out "$state/receipt-$id.html"
    echo "receipt of request $id: $state/receipt-$id.html"
done
"$retention" request receipt "$found" --format md | head -n 20

step "done"
echo "reports: $state/reports"
if [ "$keep" -eq 1 ]; then
    echo "the server keeps running: DATABASE_URL=$url (stop it with: Deploy/pg-throwaway.sh stop $PGTHROWAWAY_DIR)"
fi
