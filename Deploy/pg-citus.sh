#!/usr/bin/env bash
# pg-citus.sh: a throwaway Citus cluster for the tests and the benchmark: a coordinator and two
# workers, each a server of its own on a 127.0.0.1 port, in DIR (DIR/coordinator, DIR/worker1,
# DIR/worker2), with durability off and `shared_preload_libraries = 'citus'`.
#
#     Deploy/pg-citus.sh start DIR OWNER_PID   # prints COORDINATOR_PORT=N and WORKER_PORTS=N,M
#     Deploy/pg-citus.sh stop DIR              # immediate stop of all three, DIR removed
#     Deploy/pg-citus.sh available             # exit 0 when the servers have citus.so, else 1 and why
#
# The servers are stopped as soon as process OWNER_PID ends (the test process), so a test that
# crashes leaves no server behind. Citus is built for Debian's PostgreSQL 15
# (../shared/citus/build.sh), so PG_BINDIR defaults to /usr/lib/postgresql/15/bin. The database
# `postgres` of the coordinator has the extension, the coordinator registered with
# `citus_set_coordinator_host` and both workers added with `citus_add_node`.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BINDIR=${CITUS_PG_BINDIR:-/usr/lib/postgresql/15/bin}
export PG_BINDIR
. "$repo/Deploy/pg-throwaway.sh"

available() {
    local lib
    lib=$("$PG_BINDIR/pg_config" --pkglibdir 2>/dev/null || echo "/usr/lib/postgresql/15/lib")
    if [ ! -x "$PG_BINDIR/postgres" ]; then
        echo "no PostgreSQL server in $PG_BINDIR" >&2
        return 1
    fi
    if [ ! -f "$lib/citus.so" ]; then
        echo "Citus is not installed in $lib (../shared/citus/build.sh installs it)" >&2
        return 1
    fi
}

stop_cluster() {
    local dir="$1" node
    for node in worker2 worker1 coordinator; do
        pg_throwaway_stop "$dir/$node"
    done
    rm -rf -- "$dir" 2>/dev/null || true
}

# Starts one node in DIR/NAME and prints its port.
start_node() {
    local dir="$1" name="$2"
    PGTHROWAWAY_CONF=$'shared_preload_libraries = \'citus\'\nmax_connections = 300\nmax_prepared_transactions = 200\nshared_buffers = 256MB\nautovacuum = off' \
        pg_throwaway_start "$dir/$name" --tests >&2 || return 1
    echo "$PGTHROWAWAY_PORT"
    unset _PGTHROWAWAY_STARTED PGTHROWAWAY_DIR PGTHROWAWAY_PORT
}

sql() {
    local port="$1"
    shift
    "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "$*" >&2
}

start_cluster() {
    local dir="$1" owner="$2"
    available || return 1
    mkdir -p "$dir"
    chmod 755 "$dir"
    local coordinator worker1 worker2
    coordinator=$(start_node "$dir" coordinator) &&
        worker1=$(start_node "$dir" worker1) &&
        worker2=$(start_node "$dir" worker2) || { stop_cluster "$dir"; return 1; }
    local port
    for port in "$coordinator" "$worker1" "$worker2"; do
        sql "$port" "CREATE EXTENSION citus" || { stop_cluster "$dir"; return 1; }
    done
    sql "$coordinator" "SELECT citus_set_coordinator_host('127.0.0.1', $coordinator)" &&
        sql "$coordinator" "SELECT citus_add_node('127.0.0.1', $worker1)" &&
        sql "$coordinator" "SELECT citus_add_node('127.0.0.1', $worker2)" || { stop_cluster "$dir"; return 1; }
    # The watchdog: stops the servers when the owner ends.
    pg_throwaway_watch "$owner" "$dir" stop_cluster "$dir"
    echo "COORDINATOR_PORT=$coordinator"
    echo "WORKER_PORTS=$worker1,$worker2"
}

case "${1:-}" in
    start)
        [ $# -eq 3 ] || { echo "usage: $0 start DIR OWNER_PID" >&2; exit 2; }
        start_cluster "$2" "$3"
        ;;
    stop)
        [ $# -eq 2 ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
        stop_cluster "$2"
        ;;
    available)
        available
        ;;
    *) echo "usage: $0 start DIR OWNER_PID | stop DIR | available" >&2; exit 2 ;;
esac
