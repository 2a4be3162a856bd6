#!/usr/bin/env bash
# Installs (when missing) and starts the Debian PostgreSQL cluster, and creates the role and
# database the tests use. Prints the URL to export as VIGIL_TEST_DATABASE_URL.
# PostgreSQL refuses to run as root, so the Debian cluster (owned by the postgres user) is used.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "installing postgresql from Debian packages..." >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main"' | grep -q .; then
  pg_createcluster "$ver" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" && $4=="online"' | grep -q .; then
  pg_ctlcluster "$ver" main start >&2
fi
port=$(pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $3}')
for _ in $(seq 1 30); do
  su postgres -c "psql -p $port -tAc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -p $port -tAc \"select 1 from pg_roles where rolname='vigil'\"" | grep -q 1 ||
  su postgres -c "psql -p $port -c \"create role vigil login superuser password 'vigil'\"" >&2
su postgres -c "psql -p $port -tAc \"select 1 from pg_database where datname='vigil'\"" | grep -q 1 ||
  su postgres -c "createdb -p $port -O vigil vigil" >&2
echo "postgres://vigil:vigil@127.0.0.1:$port/vigil"
