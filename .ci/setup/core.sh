#!/usr/bin/env bash
# PostgreSQL for the saoy-core registry tests: install Debian's server, start a cluster on
# 127.0.0.1, create role + database, and write the URL to $SAOY_CI_WORK/pg_url (.ci/run exports it
# as SAOY_TEST_PG_URL). Idempotent: re-running finds the cluster up and the role/db present.
source "$(dirname "$0")/../lib.sh"

PG_PORT="${SAOY_PG_PORT:-5432}"
PG_URL="postgresql://saoy:saoy@127.0.0.1:${PG_PORT}/saoy_test"

timed "core: apt (postgresql)" apt_install postgresql postgresql-client

pg_ver="$(ls /usr/lib/postgresql | sort -n | tail -1)"
pg_bin="/usr/lib/postgresql/${pg_ver}/bin"
log "core: PostgreSQL ${pg_ver}"

# The Debian package may already have created cluster "main" (not started without systemd).
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | grep -q "^${pg_ver} main$"; then
  pg_createcluster "$pg_ver" main -p "$PG_PORT" >/dev/null
fi
conf="/etc/postgresql/${pg_ver}/main/postgresql.conf"
# Listen on 127.0.0.1 only; the tests are the only clients. fsync stays on (crash tests).
sed -i "s/^#\?listen_addresses.*/listen_addresses = '127.0.0.1'/" "$conf"
sed -i "s/^#\?port = .*/port = ${PG_PORT}/" "$conf"
grep -q "^max_connections = 200" "$conf" || sed -i "s/^#\?max_connections.*/max_connections = 200/" "$conf"

if ! pg_lsclusters -h | awk -v v="$pg_ver" '$1==v && $2=="main" {print $4}' | grep -q online; then
  timed "core: start PostgreSQL" pg_ctlcluster "$pg_ver" main start
fi

for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break
  sleep 1
done

psql_pg() { su postgres -c "psql -v ON_ERROR_STOP=1 -p ${PG_PORT} -d postgres -Atc \"$1\""; }
if [ "$(psql_pg "select 1 from pg_roles where rolname='saoy'")" != "1" ]; then
  psql_pg "create role saoy login password 'saoy' createdb"
fi
if [ "$(psql_pg "select 1 from pg_database where datname='saoy_test'")" != "1" ]; then
  psql_pg "create database saoy_test owner saoy"
fi

echo "$PG_URL" > "$SAOY_CI_WORK/pg_url"
log "core: PostgreSQL ready at $PG_URL (written to $SAOY_CI_WORK/pg_url)"
