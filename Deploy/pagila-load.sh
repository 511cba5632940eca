#!/usr/bin/env bash
# pagila-load.sh: load the Pagila sample database (schema, then data) into a database.
#     Deploy/pagila-load.sh [DATABASE_URL]      # default: $DATABASE_URL
# The dataset is looked up in $PAGILA_DIR, else $REPO/../shared/datasets/pagila (REPO = the
# parent of this script's directory). Load into an empty database: Pagila's dump creates its
# objects in schema public and assigns them to role postgres (so connect as a superuser).
# Each file runs in one transaction with ON_ERROR_STOP, so a failure leaves that file's part out.
set -euo pipefail

url="${1:-${DATABASE_URL:-}}"
if [ -z "$url" ] || [ $# -gt 1 ]; then
    echo "usage: $0 [DATABASE_URL]   (or set DATABASE_URL)" >&2
    exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
dir="${PAGILA_DIR:-$repo/../shared/datasets/pagila}"
for f in pagila-schema.sql pagila-data.sql; do
    if [ ! -r "$dir/$f" ]; then
        echo "pagila-load: $dir/$f not found (set PAGILA_DIR)" >&2
        exit 1
    fi
done

for f in pagila-schema.sql pagila-data.sql; do
    PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
        psql "$url" -X -v ON_ERROR_STOP=1 -q --single-transaction -f "$dir/$f" >/dev/null
done
