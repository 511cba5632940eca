#!/usr/bin/env bash
# bench-citus.sh: the Citus benchmark on a throwaway cluster (a coordinator and two workers from
# Deploy/pg-citus.sh, stopped on every exit): 4,000,000 time-ordered rows distributed over 32
# shards, 40 % due, one plain DELETE through the coordinator against the engine.
#     swift build -c release && Deploy/bench-citus.sh [--rows N] [other retention-bench options]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench="$repo/.build/release/retention-bench"
[ -x "$bench" ] || { echo "bench-citus.sh: build first: swift build -c release" >&2; exit 2; }
"$repo/Deploy/pg-citus.sh" available
dir=$(mktemp -d /tmp/bench-citus.XXXXXX)
rmdir "$dir"
trap '"$repo/Deploy/pg-citus.sh" stop "$dir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
ports=$("$repo/Deploy/pg-citus.sh" start "$dir" $$)
coordinator=$(sed -n 's/^COORDINATOR_PORT=//p' <<<"$ports")
workers=$(sed -n 's/^WORKER_PORTS=//p' <<<"$ports")
"$bench" --database-url "postgresql://postgres@127.0.0.1:$coordinator/postgres" --citus-workers "$workers" --rows 4000000 "$@"
