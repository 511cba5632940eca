#!/usr/bin/env bash
# install.sh: builds the release binary and installs the binary, the migrations, the systemd
# units and (when none is there yet) the policy, for a production host.
#   Deploy/install.sh [--prefix /usr/local] [--policy FILE] [--no-enable]
# Then: create /etc/retention/pgpass and /etc/retention/pseudonym.key (head -c 32 /dev/urandom),
# run "retention migrate" as the tables' owner, apply "retention grants", do a first dry run,
# and enable the timer (see the README's operator guide).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=/usr/local
policy=""
enable=1
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="$2"; shift 2 ;;
        --policy) policy="$2"; shift 2 ;;
        --no-enable) enable=0; shift ;;
        *) echo "usage: Deploy/install.sh [--prefix DIR] [--policy FILE] [--no-enable]" >&2; exit 2 ;;
    esac
done
cd "$repo"
. Deploy/ensure-packages.sh
ensure_packages
ensure_swift_path
swift build -c release --product retention
install -D -m 0755 .build/release/retention "$prefix/bin/retention"
install -d -m 0755 "$prefix/share/retention/migrations" "$prefix/share/doc/retention"
install -m 0644 Migrations/*.sql "$prefix/share/retention/migrations/"
install -m 0644 README.md "$prefix/share/doc/retention/README.md"
install -d -m 0750 /etc/retention
if [ -n "$policy" ] && [ ! -e /etc/retention/policy.json ]; then
    install -m 0640 "$policy" /etc/retention/policy.json
fi
[ -e /etc/retention/retention.env ] || install -m 0640 Deploy/retention.env.example /etc/retention/retention.env
install -m 0644 Deploy/systemd/retention.service Deploy/systemd/retention.timer Deploy/systemd/retention-failure@.service /etc/systemd/system/
if [ "$prefix" != /usr/local ]; then
    sed -i "s|/usr/local/bin/retention|$prefix/bin/retention|" /etc/systemd/system/retention.service
fi
"$prefix/bin/retention" --version
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    if [ "$enable" -eq 1 ]; then
        echo "installed; enable the nightly timer after a first dry run: systemctl enable --now retention.timer"
    fi
else
    echo "installed; systemd is not running here, so the units were copied but not loaded"
fi
