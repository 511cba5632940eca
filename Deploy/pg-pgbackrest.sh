#!/usr/bin/env bash
# pg-pgbackrest.sh: a throwaway PostgreSQL whose WAL is archived by pgBackRest into a repository
# in a temporary directory, for the tests of expire-backups and of replay after a pgBackRest
# restore. Everything runs as the server's OS user on 127.0.0.1, durability off.
#
#     Deploy/pg-pgbackrest.sh start DIR OWNER_PID   # prints PORT=N and CONFIG=PATH (stanza "main")
#     Deploy/pg-pgbackrest.sh restore DIR SET       # `pgbackrest restore` of backup SET (to its end,
#                                                   # then promoted) into DIR/restored, started on
#                                                   # its own port, archiving off; prints RESTORED_PORT=N
#     Deploy/pg-pgbackrest.sh stop DIR              # immediate stop of both servers, DIR removed
#
# DIR/primary is the server (archive_mode = on, archive_command = pgbackrest archive-push),
# DIR/repo the repository, DIR/pgbackrest.conf its configuration, with a count-based retention
# (repo1-retention-full = 100) that never expires anything in a test. The servers are stopped as
# soon as process OWNER_PID (the test process) ends. PG_BINDIR picks the binaries.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BINDIR=${PG_BINDIR:-${PGTHROWAWAY_BINDIR:-}}
[ -n "$PG_BINDIR" ] || unset PG_BINDIR
. "$repo/Deploy/pg-throwaway.sh"

stop_all() {
    local dir="$1"
    pg_throwaway_stop "$dir/restored"
    pg_throwaway_stop "$dir/primary"
    rm -rf -- "$dir" 2>/dev/null || true
}

start_archived() {
    local dir="$1" owner="$2"
    command -v pgbackrest >/dev/null 2>&1 || { echo "pgbackrest is not installed" >&2; return 1; }
    mkdir -p "$dir/repo" "$dir/log"
    chmod 755 "$dir"
    [ "$(id -u)" -ne 0 ] || chown -R postgres: "$dir"
    local config="$dir/pgbackrest.conf"
    PGTHROWAWAY_CONF="archive_mode = on
archive_command = 'pgbackrest --config=$config --stanza=main archive-push %p'
wal_level = replica
autovacuum = off" pg_throwaway_start "$dir/primary" --tests || { stop_all "$dir"; return 1; }
    local port="$PGTHROWAWAY_PORT"
    _pgt_as_pg tee "$config" >/dev/null <<CONF
[global]
repo1-path=$dir/repo
repo1-retention-full=100
log-path=$dir/log
lock-path=$dir/log
spool-path=$dir/log
start-fast=y
compress-type=none
archive-timeout=30

[main]
pg1-path=$dir/primary/data
pg1-port=$port
pg1-socket-path=$dir/primary
CONF
    if ! _pgt_as_pg pgbackrest --config="$config" --stanza=main --log-level-console=warn stanza-create >&2; then
        stop_all "$dir"
        return 1
    fi
    pg_throwaway_watch "$owner" "$dir" stop_all "$dir"
    echo "PORT=$port"
    echo "CONFIG=$config"
}

restore_set() {
    local dir="$1" set="$2" restored="$1/restored" bindir
    bindir=$(_pgt_bindir)
    mkdir -p "$restored/data"
    touch "$restored/.pg-throwaway"
    chmod 755 "$restored"
    chmod 700 "$restored/data"
    [ "$(id -u)" -ne 0 ] || chown -R postgres: "$restored"
    _pgt_as_pg pgbackrest --config="$dir/pgbackrest.conf" --stanza=main --log-level-console=warn --pg1-path="$restored/data" \
        --set="$set" --type=immediate --target-action=promote restore >&2
    local port
    port=$(_pgt_free_port)
    # postgresql.auto.conf is read last: the copy's own port and socket, and no archiving into
    # the repository of the server it was copied from.
    printf '%s\n' "port = $port" "unix_socket_directories = '$restored'" "archive_mode = off" |
        _pgt_as_pg tee -a "$restored/data/postgresql.auto.conf" >/dev/null
    if ! _pgt_pg_ctl_start "$bindir" "$restored"; then
        tail -n 30 "$restored/server.log" >&2 || true
        return 1
    fi
    # Until recovery has reached the backup's end and promoted, the copy is read-only.
    local i
    for i in $(seq 1 120); do
        [ "$(_pgt_as_pg "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -Atc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && break
        sleep 0.5
    done
    echo "RESTORED_PORT=$port"
}

case "${1:-}" in
    start)
        [ $# -eq 3 ] || { echo "usage: $0 start DIR OWNER_PID" >&2; exit 2; }
        start_archived "$2" "$3"
        ;;
    restore)
        [ $# -eq 3 ] || { echo "usage: $0 restore DIR SET" >&2; exit 2; }
        restore_set "$2" "$3"
        ;;
    stop)
        [ $# -eq 2 ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
        stop_all "$2"
        ;;
    *) echo "usage: $0 start DIR OWNER_PID | restore DIR SET | stop DIR" >&2; exit 2 ;;
esac
