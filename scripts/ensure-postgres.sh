#!/usr/bin/env bash
# The store tests run on PostgreSQL as well as SQLite. They use the server at 127.0.0.1:5432
# (trust auth) that these machines run; this starts it if it is installed but stopped, and
# installs it from Debian's packages if it is missing. Set SCIMITAR_TEST_PG_URL to use another.
set -euo pipefail
if [ -n "${SCIMITAR_TEST_PG_URL:-}" ]; then exit 0; fi
ready() { command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; }
ready && exit 0
if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  echo "PostgreSQL is not installed; installing it (tests need it)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
fi
version=$(ls /etc/postgresql | sort -V | tail -1)
conf=/etc/postgresql/$version/main
# Trust local TCP connections, as the machines' own server is configured.
if ! grep -q '^host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf"; then
  sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$conf/pg_hba.conf"
fi
pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2
exit 1
