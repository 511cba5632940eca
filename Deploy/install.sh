#!/usr/bin/env bash
# install.sh: builds the release binary and installs the binary, the migrations, the systemd
# units (retention.service for one database, retention@.service for each database of a fleet)
# and (when none is there yet) the policy, for a production host. Running it again updates the
# binary, migrations and units and leaves the policy and environment files alone.
#   Deploy/install.sh [--prefix /usr/local] [--policy FILE] [--no-enable] [--destdir DIR] [--binary FILE]
# --destdir installs below DIR instead of / (for a package or a test; systemd is not told);
# --binary installs FILE instead of building one. Paths are relative to the repository.
# Then: create /etc/retention/pgpass and /etc/retention/pseudonym.key (head -c 32 /dev/urandom),
# run "retention migrate" as the tables' owner, apply "retention grants", do a first dry run,
# and enable the timer (see docs/operations.md).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=/usr/local
policy=""
enable=1
destdir=""
binary=""
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="$2"; shift 2 ;;
        --policy) policy="$2"; shift 2 ;;
        --no-enable) enable=0; shift ;;
        --destdir) destdir="$2"; shift 2 ;;
        --binary) binary="$2"; shift 2 ;;
        *) echo "usage: Deploy/install.sh [--prefix DIR] [--policy FILE] [--no-enable] [--destdir DIR] [--binary FILE]" >&2; exit 2 ;;
    esac
done
cd "$repo"
if [ -z "$binary" ]; then
    . Deploy/ensure-packages.sh
    ensure_packages
    ensure_swift_path
    swift build -c release --product retention
    binary=.build/release/retention
fi
install -D -m 0755 "$binary" "$destdir$prefix/bin/retention"
install -d -m 0755 "$destdir$prefix/share/retention/migrations" "$destdir$prefix/share/doc/retention/docs"
install -m 0644 Migrations/*.sql "$destdir$prefix/share/retention/migrations/"
install -m 0644 README.md CHANGELOG.md "Deploy/retention@.env.example" "$destdir$prefix/share/doc/retention/"
install -m 0644 docs/*.md "$destdir$prefix/share/doc/retention/docs/"
etc="$destdir/etc/retention"
install -d -m 0750 "$etc"
if [ -n "$policy" ] && [ ! -e "$etc/policy.json" ]; then
    install -m 0640 "$policy" "$etc/policy.json"
fi
[ -e "$etc/retention.env" ] || install -m 0640 Deploy/retention.env.example "$etc/retention.env"
units="$destdir/etc/systemd/system"
install -d -m 0755 "$units"
install -m 0644 Deploy/systemd/retention.service Deploy/systemd/retention.timer Deploy/systemd/retention-failure@.service \
    "Deploy/systemd/retention@.service" "Deploy/systemd/retention@.timer" Deploy/systemd/retention-audit.service \
    "Deploy/systemd/retention-audit@.service" "$units/"
if [ "$prefix" != /usr/local ]; then
    sed -i "s|/usr/local/bin/retention|$prefix/bin/retention|" "$units/retention.service" "$units/retention@.service" \
        "$units/retention-audit.service" "$units/retention-audit@.service"
fi
"$destdir$prefix/bin/retention" --version
if [ -n "$destdir" ]; then
    echo "installed below $destdir"
elif command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    if [ "$enable" -eq 1 ]; then
        echo "installed; enable the nightly timer after a first dry run: systemctl enable --now retention.timer"
        echo "(or, for each database NAME of a fleet with /etc/retention/NAME.env: systemctl enable --now retention@NAME.timer)"
    fi
else
    echo "installed; systemd is not running here, so the units were copied but not loaded"
fi
