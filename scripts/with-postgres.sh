#!/usr/bin/env bash
#
# Usage: scripts/with-postgres.sh COMMAND [ARGS...]
#
# Runs COMMAND with a throwaway local PostgreSQL cluster and points Backstage's
# TestDatabases at it, so `TestDatabases.create({ ids: ['POSTGRES_15', ...] })`
# tests run without Docker. The cluster and its directory are removed on exit;
# the exit code is COMMAND's.
#
# TestDatabases only knows the server by this variable's name, so it stays
# POSTGRES15 whatever major version is installed.

set -euo pipefail

readonly PG_ENV=BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING

log() { echo "with-postgres: $*" >&2; }

# Locally the PostgreSQL cases may be skipped; in CI a skip would pass a run
# that never tested PostgreSQL, so it fails instead.
skip_postgres() {
  if [ "${CI:-}" = true ]; then
    log "CI=true: refusing to run without PostgreSQL"
    exit 1
  fi
  log "PostgreSQL tests are SKIPPED, running on SQLite only"
  exec "$@"
}

if [ $# -eq 0 ]; then
  sed -n '3,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi

if [ -n "${!PG_ENV:-}" ]; then
  log "$PG_ENV is already set; using that server"
  exec "$@"
fi

# Highest installed major version (Debian layout: /usr/lib/postgresql/<major>/bin).
pg_bin=""
for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
  if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then pg_bin="$dir"; fi
done
if [ -z "$pg_bin" ]; then
  log "no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)"
  skip_postgres "$@"
fi

# initdb refuses to run as root, so root runs the cluster as `postgres`.
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    log "running as root but there is no 'postgres' OS user to own the cluster"
    skip_postgres "$@"
  fi
  as_pg=(runuser -u postgres --)
fi

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

tmp_dir="$(mktemp -d -t kratix-pg.XXXXXX)"
data_dir="$tmp_dir/data"
if [ ${#as_pg[@]} -gt 0 ]; then chown postgres: "$tmp_dir"; fi

cleanup() {
  if [ -f "$data_dir/postmaster.pid" ]; then
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data_dir" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp_dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"${as_pg[@]}" "$pg_bin/initdb" -D "$data_dir" -U postgres --auth=trust \
  --encoding=UTF8 --no-sync >"$tmp_dir/initdb.log" 2>&1 || {
  cat "$tmp_dir/initdb.log" >&2
  log "initdb failed"
  exit 1
}

# The port is free when chosen but another process may take it before the
# server binds, so a failed start is retried on a new port.
started=""
for _ in 1 2 3 4 5; do
  port="$(free_port)"
  # Durability settings off: the cluster lives for one test run.
  if "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$data_dir" -l "$tmp_dir/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $tmp_dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null 2>&1; then
    started=yes
    break
  fi
done
if [ -z "$started" ]; then
  cat "$tmp_dir/server.log" >&2 || true
  log "PostgreSQL did not start"
  exit 1
fi

export "$PG_ENV=postgresql://postgres@127.0.0.1:$port"
log "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($PG_ENV)"

set +e
"$@"
rc=$?
set -e
exit "$rc"
