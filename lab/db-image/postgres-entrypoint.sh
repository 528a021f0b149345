#!/bin/sh
# Entrypoint of the lab's postgres image: the parts of the official image's entrypoint that
# restic-fleet relies on. First start on an empty PGDATA: initdb with superuser POSTGRES_USER
# (default postgres) and password POSTGRES_PASSWORD (required unless
# POSTGRES_HOST_AUTH_METHOD=trust), local socket connections trusted (so `docker exec c
# pg_dump -U postgres db` works), network ones by password; create POSTGRES_DB; run
# /docker-entrypoint-initdb.d/*.sql and *.sh. Then run postgres as user postgres.
set -eu
export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
case ${1:-postgres} in -*) set -- postgres "$@" ;; esac
[ "${1:-postgres}" = postgres ] || exec "$@"
[ $# -gt 0 ] && shift

as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 0700 "$PGDATA"
chmod 2775 /var/run/postgresql

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
    echo 'error: the database is uninitialized and POSTGRES_PASSWORD is not set (or set POSTGRES_HOST_AUTH_METHOD=trust)' >&2
    exit 1
  fi
  # The password reaches initdb through a 0600 file, never its argv.
  pwfile=$(mktemp)
  printf '%s\n' "${POSTGRES_PASSWORD:-}" > "$pwfile"
  chown postgres "$pwfile"
  as_pg initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" --auth-local=trust --auth-host="$auth" \
    --encoding=UTF8 --locale=C.UTF-8 > /dev/null
  rm -f "$pwfile"
  printf "listen_addresses = '*'\njit = off\n" >> "$PGDATA/postgresql.conf"
  printf 'host all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"
  # A temporary server on a private socket: nobody connects before initialisation is done.
  as_pg pg_ctl -D "$PGDATA" -w -t 60 -o "-c listen_addresses='' -c unix_socket_directories=/tmp" start > /dev/null
  psql_init() { as_pg psql -v ON_ERROR_STOP=1 -h /tmp -U "$user" -q "$@"; }
  if [ "$db" != postgres ]; then
    echo "CREATE DATABASE \"$db\";" | psql_init -d postgres
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case $f in
      *.sql) psql_init -d "$db" -f "$f" ;;
      *.sh) . "$f" ;;
    esac
  done
  as_pg pg_ctl -D "$PGDATA" -m fast -w stop > /dev/null
  echo 'postgres init process complete; ready for start up.'
fi

exec setpriv --reuid=postgres --regid=postgres --init-groups postgres "$@"
