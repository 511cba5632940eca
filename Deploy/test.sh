#!/usr/bin/env bash
# test.sh: runs the whole test suite from a fresh clone on a fresh machine.
# Installs what is missing (postgresql, libpq-dev), builds, starts a throwaway PostgreSQL
# server (stopped on exit, also when tests fail), and runs `swift test` against it.
# Extra arguments go to `swift test` (for example: --filter PolicyParser).
# PG_BIN: a directory with the server binaries to test on (initdb, pg_ctl, postgres), for example
# PG_BIN=$(Deploy/ensure-pg18.sh); default: the newest /usr/lib/postgresql/*/bin.
set -euo pipefail
if [ -n "${PG_BIN+set}" ]; then
    if [ ! -x "$PG_BIN/postgres" ]; then
        echo "test.sh: PG_BIN='$PG_BIN' has no executable postgres" >&2
        exit 1
    fi
    PG_BINDIR=$(cd "$PG_BIN" && pwd) # absolute: pg-throwaway.sh runs the server from /
    export PG_BINDIR
fi
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
. Deploy/ensure-packages.sh
ensure_packages
ensure_partman
ensure_chromium
ensure_pgbackrest
ensure_citus
ensure_swift_path
# systemd-analyze checks the units in Deploy/systemd.
if ! command -v systemd-analyze >/dev/null 2>&1; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd; } >&2 ||
        echo "test.sh: could not install systemd; the unit check will be skipped" >&2
fi
. Deploy/pg-throwaway.sh

swift build --build-tests
pg_throwaway_start --tests
trap pg_throwaway_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
echo "test.sh: tests run on $("$PGTHROWAWAY_BINDIR/postgres" --version)"
# Tests that check what the server logs read its log (written by postgres; root can read it).
export PGPORT="$PGTHROWAWAY_PORT" RETENTION_BIN="$repo/.build/debug/retention" PGTHROWAWAY_LOG="$PGTHROWAWAY_DIR/server.log"
unset DATABASE_URL
swift test --skip-build "$@"
