#!/usr/bin/env bash
# pg-standby.sh: a throwaway primary (wal_level = logical) with a streaming standby of it, for
# the tests of --max-replica-lag and --max-slot-lag. Both run as the server's OS user on their
# own 127.0.0.1 ports, in DIR (DIR/primary, DIR/standby), with durability off.
#
#     Deploy/pg-standby.sh start DIR OWNER_PID   # prints PRIMARY_PORT=N and STANDBY_PORT=N lines
#     Deploy/pg-standby.sh stop DIR              # immediate stop of both, DIR removed
#
# Both servers are also stopped as soon as process OWNER_PID ends (the test process), so a
# test that crashes leaves no server behind. PG_BINDIR (else PGTHROWAWAY_BINDIR, else the
# newest installed) picks the binaries; the standby is made with `pg_basebackup -R`.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BINDIR=${PG_BINDIR:-${PGTHROWAWAY_BINDIR:-}}
[ -n "$PG_BINDIR" ] || unset PG_BINDIR
. "$repo/Deploy/pg-throwaway.sh"

stop_pair() {
    local dir="$1"
    pg_throwaway_stop "$dir/standby"
    pg_throwaway_stop "$dir/primary"
    rm -rf -- "$dir" 2>/dev/null || true
}

start_pair() {
    local dir="$1" owner="$2"
    mkdir -p "$dir"
    chmod 755 "$dir"
    PGTHROWAWAY_CONF=$'wal_level = logical\nmax_wal_senders = 10\nmax_replication_slots = 10\nautovacuum = off' \
        pg_throwaway_start "$dir/primary" --tests || { stop_pair "$dir"; return 1; }
    local primary_port="$PGTHROWAWAY_PORT" bindir="$PGTHROWAWAY_BINDIR"
    unset _PGTHROWAWAY_STARTED PGTHROWAWAY_DIR PGTHROWAWAY_PORT
    local standby="$dir/standby"
    mkdir -p "$standby"
    touch "$standby/.pg-throwaway"
    chmod 755 "$standby"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$standby"
    if ! _pgt_as_pg "$bindir/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$standby/data" -R -X stream \
        --no-sync >"$standby/basebackup.log" 2>&1; then
        cat "$standby/basebackup.log" >&2
        stop_pair "$dir"
        return 1
    fi
    local standby_port
    standby_port=$(_pgt_free_port)
    # postgresql.auto.conf is read last: the standby's own port and socket, and prompt replies
    # (the primary sees replay progress within a second).
    printf '%s\n' "port = $standby_port" "unix_socket_directories = '$standby'" "wal_receiver_status_interval = 1s" \
        "hot_standby = on" | _pgt_as_pg tee -a "$standby/data/postgresql.auto.conf" >/dev/null
    if ! _pgt_pg_ctl_start "$bindir" "$standby"; then
        tail -n 30 "$standby/server.log" >&2 || true
        stop_pair "$dir"
        return 1
    fi
    # The watchdog: stops the servers when the owner ends.
    pg_throwaway_watch "$owner" "$dir" stop_pair "$dir"
    echo "PRIMARY_PORT=$primary_port"
    echo "STANDBY_PORT=$standby_port"
}

case "${1:-}" in
    start)
        [ $# -eq 3 ] || { echo "usage: $0 start DIR OWNER_PID" >&2; exit 2; }
        start_pair "$2" "$3"
        ;;
    stop)
        [ $# -eq 2 ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
        stop_pair "$2"
        ;;
    *) echo "usage: $0 start DIR OWNER_PID | stop DIR" >&2; exit 2 ;;
esac
