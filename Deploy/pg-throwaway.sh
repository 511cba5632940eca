#!/usr/bin/env bash
# pg-throwaway.sh: a private, throwaway PostgreSQL server for development and tests.
#
# Source it and use the functions:
#     . Deploy/pg-throwaway.sh
#     pg_throwaway_start [DIR] [--tests]   # initdb + start on a free 127.0.0.1 port; exports
#                                          # PGTHROWAWAY_DIR, PGTHROWAWAY_PORT, PGTHROWAWAY_BINDIR,
#                                          # DATABASE_URL (postgresql://postgres@127.0.0.1:PORT/postgres)
#     trap pg_throwaway_stop EXIT
#     pg_throwaway_url DBNAME              # prints the URL of another database on that server
#     pg_throwaway_createdb DBNAME         # creates it and prints its URL
#     pg_throwaway_stop [DIR]              # immediate stop + rm -rf DIR; safe to call twice
# or run it:
#     eval "$(Deploy/pg-throwaway.sh start [DIR] [--tests])"   # prints export lines; keeps running
#     Deploy/pg-throwaway.sh stop DIR
#     Deploy/pg-throwaway.sh run [--tests] [--] COMMAND [ARG...]  # start, run with env, stop
#
# DIR defaults to a fresh `mktemp -d /tmp/pg-throwaway.XXXXXX`; it holds the data directory
# (DIR/data), the Unix socket and DIR/server.log. The server runs as `postgres` when invoked by
# root (PostgreSQL refuses root), else as the invoking user. Authentication is `trust`: never
# expose it beyond 127.0.0.1. `--tests` turns durability off (fsync, synchronous_commit,
# full_page_writes) for speed. PG_BINDIR overrides the newest /usr/lib/postgresql/*/bin.
# PGTHROWAWAY_CONF: extra postgresql.conf lines (such as "wal_level = logical"), set before start.

_pgt_say() { echo "pg-throwaway: $*" >&2; }

# Runs a command as the server's OS user, from / (postgres may not be able to read the cwd).
_pgt_as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

# Starts the server. The postmaster must not inherit our descriptors (the start lock, callers'
# pipes): it would hold the lock, or keep a pipe open, until it stops. So close all but 0-2.
_pgt_pg_ctl_start() {
    local bindir="$1" dir="$2"
    (
        fds=$(ls /proc/$BASHPID/fd 2>/dev/null || true)
        for fd in $fds; do
            case "$fd" in
                0 | 1 | 2 | 255 | *[!0-9]*) ;;
                *) eval "exec $fd>&-" 2>/dev/null || true ;;
            esac
        done
        _pgt_as_pg "$bindir/pg_ctl" -w -t 60 -D "$dir/data" -l "$dir/server.log" start
    ) >"$dir/pg_ctl.log" 2>&1 </dev/null
}

_pgt_bindir() {
    if [ -n "${PG_BINDIR:-}" ]; then
        echo "$PG_BINDIR"
        return 0
    fi
    local d best=""
    best=$(for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && echo "$d"; done | sort -V | tail -n 1)
    if [ -z "$best" ]; then
        _pgt_say "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (run Deploy/ensure-packages.sh)"
        return 1
    fi
    echo "$best"
}

# Prints a TCP port that is free on 127.0.0.1 right now (the caller holds the start lock).
_pgt_free_port() {
    local port
    if command -v python3 >/dev/null 2>&1 &&
        port=$(python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' 2>/dev/null) && [ -n "$port" ]; then
        echo "$port"
        return 0
    fi
    # Fallback: scan from 54320 (+ a random offset, so parallel starters spread out).
    local i
    for i in $(seq 0 999); do
        port=$((54320 + (RANDOM + i) % 1000))
        if command -v ss >/dev/null 2>&1 && [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then
            continue
        fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            continue
        fi
        echo "$port"
        return 0
    done
    _pgt_say "no free TCP port found"
    return 1
}

# Percent-encodes a database name for a URL path.
_pgt_urlencode() {
    local LC_ALL=C s="$1" out="" c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case "$c" in
            [A-Za-z0-9._~-]) out+="$c" ;;
            *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf '%s\n' "$out"
}

pg_throwaway_url() {
    if [ -z "${PGTHROWAWAY_PORT:-}" ]; then
        _pgt_say "no throwaway server started in this environment"
        return 1
    fi
    printf 'postgresql://postgres@127.0.0.1:%s/%s\n' "$PGTHROWAWAY_PORT" "$(_pgt_urlencode "${1:-postgres}")"
}

pg_throwaway_createdb() {
    if [ -z "${1:-}" ] || [ -z "${PGTHROWAWAY_PORT:-}" ]; then
        _pgt_say "usage: pg_throwaway_createdb DBNAME (after pg_throwaway_start)"
        return 1
    fi
    "${PGTHROWAWAY_BINDIR:-$(_pgt_bindir)}/createdb" -h 127.0.0.1 -p "$PGTHROWAWAY_PORT" -U postgres -- "$1" || return 1
    pg_throwaway_url "$1"
}

_pgt_fail() {
    # $1 = dir, $2... = message. Prints the logs' tails, removes the dir, returns 1.
    local dir="$1" f
    shift
    _pgt_say "$*"
    for f in "$dir/initdb.log" "$dir/pg_ctl.log" "$dir/server.log"; do
        if [ -s "$f" ]; then
            echo "---- tail of $f ----" >&2
            tail -n 30 "$f" >&2
        fi
    done
    pg_throwaway_stop "$dir"
    return 1
}

pg_throwaway_start() {
    local dir="" tests=0 arg
    for arg in "$@"; do
        case "$arg" in
            --tests) tests=1 ;;
            -*) _pgt_say "unknown option: $arg (usage: pg_throwaway_start [DIR] [--tests])"; return 2 ;;
            *)
                if [ -n "$dir" ]; then
                    _pgt_say "usage: pg_throwaway_start [DIR] [--tests]"
                    return 2
                fi
                dir="$arg"
                ;;
        esac
    done
    if [ -n "${_PGTHROWAWAY_STARTED:-}" ] && [ -f "${_PGTHROWAWAY_STARTED}/.pg-throwaway" ]; then
        _pgt_say "a server is already running from this shell ($_PGTHROWAWAY_STARTED); stop it first"
        return 1
    fi

    local bindir
    bindir=$(_pgt_bindir) || return 1

    if [ -z "$dir" ]; then
        dir=$(mktemp -d /tmp/pg-throwaway.XXXXXX) || return 1
    else
        case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
        if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
            _pgt_say "$dir exists and is not empty"
            return 1
        fi
        mkdir -p "$dir" || return 1
    fi
    # The path goes into postgresql.conf and the socket path (max 107 bytes incl. /.s.PGSQL.NNNNN).
    case "$dir" in
        *[!A-Za-z0-9._/+@,=-]*) _pgt_say "unsupported characters in directory name: $dir"; rmdir "$dir" 2>/dev/null; return 1 ;;
    esac
    if [ "${#dir}" -gt 90 ]; then
        _pgt_say "directory path too long for a Unix socket: $dir"
        rmdir "$dir" 2>/dev/null
        return 1
    fi
    touch "$dir/.pg-throwaway" || return 1
    chmod 755 "$dir" || return 1
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$dir" || { pg_throwaway_stop "$dir"; return 1; }
    fi
    if ! _pgt_as_pg test -w "$dir"; then
        _pgt_fail "$dir" "the server user cannot write $dir (check the parent directories' permissions)"
        return 1
    fi

    local locale=C
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
        locale=C.UTF-8
    fi
    if ! _pgt_as_pg "$bindir/initdb" -D "$dir/data" -A trust -E UTF8 --locale="$locale" -U postgres \
        --no-sync --no-instructions >"$dir/initdb.log" 2>&1; then
        _pgt_fail "$dir" "initdb failed"
        return 1
    fi
    echo "include 'throwaway.conf'" >>"$dir/data/postgresql.conf" || { _pgt_fail "$dir" "cannot write postgresql.conf"; return 1; }

    # Serialise port choice + start among our own starters, so parallel starts never pick the
    # same port; a port taken by someone else in between is retried.
    local lockfd="" port="" attempt started=0
    if command -v flock >/dev/null 2>&1 && exec {lockfd}>>"/tmp/pg-throwaway-$(id -u).lock"; then
        flock "$lockfd" || true
    fi
    for attempt in 1 2 3 4 5; do
        port=$(_pgt_free_port) || break
        {
            echo "# written by pg-throwaway.sh"
            echo "port = $port"
            echo "listen_addresses = '127.0.0.1'"
            echo "unix_socket_directories = '$dir'"
            echo "unix_socket_permissions = 0777"
            echo "max_connections = 200"
            echo "shared_buffers = 512MB"
            echo "effective_cache_size = 4GB"
            echo "work_mem = 16MB"
            echo "maintenance_work_mem = 256MB"
            echo "max_wal_size = 2GB"
            echo "min_wal_size = 256MB"
            echo "checkpoint_timeout = 15min"
            echo "log_line_prefix = '%m [%p] %q%a@%d '"
            echo "log_lock_waits = on"
            if [ -n "${PGTHROWAWAY_CONF:-}" ]; then
                printf '%s\n' "$PGTHROWAWAY_CONF"
            fi
            if [ "$tests" -eq 1 ]; then
                echo "fsync = off"
                echo "synchronous_commit = off"
                echo "full_page_writes = off"
            fi
        } >"$dir/data/throwaway.conf"
        chmod 644 "$dir/data/throwaway.conf"
        rm -f "$dir/server.log"
        _pgt_pg_ctl_start "$bindir" "$dir" && started=1
        [ "$started" -eq 1 ] && break
        if grep -q 'Address already in use' "$dir/server.log" 2>/dev/null; then
            _pgt_say "port $port was taken meanwhile; retrying ($attempt)"
            continue
        fi
        break
    done
    if [ -n "$lockfd" ]; then
        exec {lockfd}>&-
    fi
    if [ "$started" -ne 1 ]; then
        _pgt_fail "$dir" "server failed to start${port:+ (port $port)}"
        return 1
    fi

    _PGTHROWAWAY_STARTED="$dir"
    PGTHROWAWAY_DIR="$dir"
    PGTHROWAWAY_PORT="$port"
    PGTHROWAWAY_BINDIR="$bindir"
    DATABASE_URL="postgresql://postgres@127.0.0.1:${port}/postgres"
    export PGTHROWAWAY_DIR PGTHROWAWAY_PORT PGTHROWAWAY_BINDIR DATABASE_URL
    return 0
}

# pg_throwaway_watch OWNER_PID DIR STOP_COMMAND...: in the background, runs STOP_COMMAND once
# process OWNER_PID has ended (or DIR is gone), so that servers started for a test process never
# outlive it. It keeps none of the caller's descriptors (a caller that waits for the starting
# script may watch one of them close to see it exit).
pg_throwaway_watch() {
    local owner="$1" dir="$2"
    shift 2
    (
        for fd in $(ls /proc/$BASHPID/fd 2>/dev/null || true); do
            case "$fd" in
                0 | 1 | 2 | *[!0-9]*) ;;
                *) eval "exec $fd>&-" 2>/dev/null || true ;;
            esac
        done
        trap '' HUP
        while kill -0 "$owner" 2>/dev/null && [ -d "$dir" ]; do sleep 1; done
        "$@"
    ) </dev/null >/dev/null 2>&1 &
}

pg_throwaway_stop() {
    local dir="${1:-${PGTHROWAWAY_DIR:-}}"
    [ -n "$dir" ] || return 0
    # Only ever touch directories made by pg_throwaway_start.
    if [ -f "$dir/.pg-throwaway" ]; then
        if [ -f "$dir/data/postmaster.pid" ]; then
            local ver bindir pid
            ver=$(cat "$dir/data/PG_VERSION" 2>/dev/null || true)
            bindir="/usr/lib/postgresql/$ver/bin"
            [ -x "$bindir/pg_ctl" ] || bindir="${PGTHROWAWAY_BINDIR:-${PG_BINDIR:-}}"
            if [ -z "$bindir" ] || ! _pgt_as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1; then
                # Fallback: SIGQUIT (immediate shutdown) to the postmaster we started.
                pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
                case "$pid" in
                    '' | *[!0-9]*) ;;
                    *)
                        kill -QUIT "$pid" 2>/dev/null || true
                        local i
                        for i in $(seq 1 100); do
                            kill -0 "$pid" 2>/dev/null || break
                            sleep 0.1
                        done
                        ;;
                esac
            fi
        fi
        rm -rf -- "$dir" 2>/dev/null || true
    fi
    if [ "$dir" = "${PGTHROWAWAY_DIR:-}" ]; then
        if [ "${DATABASE_URL:-}" = "postgresql://postgres@127.0.0.1:${PGTHROWAWAY_PORT:-}/postgres" ]; then
            unset DATABASE_URL
        fi
        unset PGTHROWAWAY_DIR PGTHROWAWAY_PORT PGTHROWAWAY_BINDIR
    fi
    if [ "$dir" = "${_PGTHROWAWAY_STARTED:-}" ]; then
        unset _PGTHROWAWAY_STARTED
    fi
    return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    # Executed, not sourced.
    set -euo pipefail
    usage() {
        echo "usage: $0 start [DIR] [--tests] | stop DIR | run [--tests] [--] COMMAND [ARG...]" >&2
        exit 2
    }
    [ $# -ge 1 ] || usage
    cmd="$1"
    shift
    case "$cmd" in
        start)
            pg_throwaway_start "$@"
            printf 'export PGTHROWAWAY_DIR=%q PGTHROWAWAY_PORT=%q PGTHROWAWAY_BINDIR=%q DATABASE_URL=%q\n' \
                "$PGTHROWAWAY_DIR" "$PGTHROWAWAY_PORT" "$PGTHROWAWAY_BINDIR" "$DATABASE_URL"
            ;;
        stop)
            [ $# -eq 1 ] || usage
            pg_throwaway_stop "$1"
            ;;
        run)
            opts=()
            while [ $# -gt 0 ]; do
                case "$1" in
                    --tests) opts+=(--tests); shift ;;
                    --) shift; break ;;
                    *) break ;;
                esac
            done
            [ $# -ge 1 ] || usage
            pg_throwaway_start "${opts[@]}"
            trap pg_throwaway_stop EXIT
            trap 'exit 130' INT
            trap 'exit 143' TERM
            status=0
            "$@" || status=$?
            exit "$status"
            ;;
        *) usage ;;
    esac
fi
