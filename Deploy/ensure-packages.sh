#!/usr/bin/env bash
# ensure-packages.sh: make sure the build and test prerequisites are present.
#   - libpq headers + pg_config (Debian libpq-dev) for the CLibPQ system-library target;
#   - PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb) for the throwaway test server;
#   - `swift` on PATH (prepends /opt/swift/usr/bin when swift is not found and that dir exists).
# Installs only what is missing (apt-get, non-interactive) and is silent when all is present.
# Run it (`Deploy/ensure-packages.sh`) or source it (`. Deploy/ensure-packages.sh`): sourcing
# also exports the PATH fix into the calling shell. Functions: ensure_packages, ensure_swift_path.

ensure_swift_path() {
    if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
        PATH="/opt/swift/usr/bin:${PATH}"
        export PATH
    fi
    if ! command -v swift >/dev/null 2>&1; then
        echo "ensure-packages: swift not found on PATH (install a Swift toolchain, e.g. under /opt/swift)" >&2
        return 1
    fi
    return 0
}

_ensure_packages_missing() {
    # Prints the missing pieces, one word each; nothing when all is present.
    command -v pg_config >/dev/null 2>&1 || echo pg_config
    [ -f /usr/include/postgresql/libpq-fe.h ] || echo libpq-fe.h
    local initdb
    for initdb in /usr/lib/postgresql/*/bin/initdb; do
        [ -x "$initdb" ] && return 0
    done
    echo initdb
}

ensure_packages() {
    local missing
    missing=$(_ensure_packages_missing | tr '\n' ' ')
    [ -z "$missing" ] && return 0
    echo "ensure-packages: missing: ${missing}- installing postgresql libpq-dev" >&2
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo="sudo"
        else
            echo "ensure-packages: not root and no sudo; install postgresql and libpq-dev yourself" >&2
            return 1
        fi
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "ensure-packages: apt-get not found; install PostgreSQL server + libpq headers yourself" >&2
        return 1
    fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        postgresql libpq-dev >&2 || return 1
    missing=$(_ensure_packages_missing | tr '\n' ' ')
    if [ -n "$missing" ]; then
        echo "ensure-packages: still missing after install: $missing" >&2
        return 1
    fi
    return 0
}

# Installs Debian package $1 for the tests named by $2, best effort (as root with apt-get only;
# those tests are skipped, with the reason, without it).
_ensure_optional_package() {
    [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 || return 0
    echo "ensure-packages: installing $1" >&2
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1"; }; } >&2 ||
        echo "ensure-packages: could not install $1; $2 will be skipped" >&2
    return 0
}

# pg_partman for the partition tests on Debian's PostgreSQL 15.
ensure_partman() {
    [ -d /usr/lib/postgresql/15/bin ] || return 0
    [ -f /usr/share/postgresql/15/extension/pg_partman.control ] && return 0
    _ensure_optional_package postgresql-15-partman "the pg_partman test"
}

# Chromium for the tests that load the HTML report and receipt in a real browser.
ensure_chromium() {
    [ -x /usr/bin/chromium ] || [ -x /usr/bin/chromium-browser ] && return 0
    _ensure_optional_package chromium "the browser tests"
}

# pgBackRest for the tests of expire-backups and of replay after a pgBackRest restore.
ensure_pgbackrest() {
    command -v pgbackrest >/dev/null 2>&1 && return 0
    _ensure_optional_package pgbackrest "the pgBackRest tests"
}

# Citus for the tests of distributed tables on Debian's PostgreSQL 15: built from the source kept
# beside the repository (../shared/citus/build.sh, a few minutes once) when it is there and Citus
# is not installed yet. Best effort: without it the Citus tests are skipped, with the reason.
ensure_citus() {
    local repo build
    repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    build="$repo/../shared/citus/build.sh"
    [ -x /usr/lib/postgresql/15/bin/postgres ] || return 0
    [ -f /usr/lib/postgresql/15/lib/citus.so ] && return 0
    [ -f "$build" ] && [ "$(id -u)" -eq 0 ] || return 0
    echo "ensure-packages: building Citus from $build (once)" >&2
    bash "$build" >&2 || echo "ensure-packages: could not build Citus; the Citus tests will be skipped" >&2
    return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    # Executed, not sourced.
    set -euo pipefail
    ensure_packages
    ensure_partman
    ensure_chromium
    ensure_pgbackrest
    ensure_citus
    ensure_swift_path
fi
