#!/bin/sh
# Entrypoint of the lab's mariadb image: the parts of the official image's entrypoint that
# restic-fleet relies on. First start on an empty /var/lib/mysql: install the system tables,
# root gets MARIADB_ROOT_PASSWORD (or MYSQL_ROOT_PASSWORD) for 'root'@'localhost' and
# 'root'@'%' (password authentication, no unix_socket: `docker exec c mariadb-dump` needs
# the password, as with the official image), create MARIADB_DATABASE and MARIADB_USER /
# MARIADB_PASSWORD (or the MYSQL_ names), run /docker-entrypoint-initdb.d/*.sql and *.sh.
set -eu
case ${1:-mariadbd} in -*) set -- mariadbd "$@" ;; esac
case ${1:-mariadbd} in mariadbd | mysqld) ;; *) exec "$@" ;; esac
[ $# -gt 0 ] && shift

datadir=/var/lib/mysql
mkdir -p "$datadir" /run/mysqld
chown mysql:mysql "$datadir" /run/mysqld

# SQL string literal: backslashes and single quotes escaped.
lit() { printf "'%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g")"; }

if [ ! -d "$datadir/mysql" ]; then
  root_pw=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
  allow_empty=${MARIADB_ALLOW_EMPTY_ROOT_PASSWORD:-${MYSQL_ALLOW_EMPTY_PASSWORD:-}}
  db=${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}
  user=${MARIADB_USER:-${MYSQL_USER:-}}
  user_pw=${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}
  if [ -z "$root_pw" ] && [ -z "$allow_empty" ]; then
    echo 'error: the database is uninitialized and MARIADB_ROOT_PASSWORD is not set (or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD)' >&2
    exit 1
  fi
  # The server's options (the container's command) apply to the initialisation too, as in the official image.
  mariadb-install-db --user=mysql --datadir="$datadir" --auth-root-authentication-method=normal \
    --skip-test-db --skip-name-resolve "$@" > /dev/null
  # A temporary server on a private socket, no network: nobody connects before initialisation is done.
  sock=/run/mysqld/init.sock
  mariadbd --user=mysql --datadir="$datadir" "$@" --skip-networking --socket="$sock" > /dev/null 2>&1 &
  pid=$!
  i=0
  until mariadb-admin --socket="$sock" ping > /dev/null 2>&1; do
    i=$((i + 1))
    [ $i -le 120 ] || { echo 'error: the temporary server did not start within 60s' >&2; exit 1; }
    sleep 0.5
  done
  {
    echo "DROP USER IF EXISTS root@'127.0.0.1', root@'::1', ''@'localhost';"
    echo "EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\\'', @@hostname, '\\'');"
    echo "EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS \\'\\'@\\'', @@hostname, '\\'');"
    echo "ALTER USER root@'localhost' IDENTIFIED BY $(lit "$root_pw");"
    echo "CREATE USER root@'%' IDENTIFIED BY $(lit "$root_pw");"
    echo "GRANT ALL ON *.* TO root@'%' WITH GRANT OPTION;"
    [ -z "$db" ] || echo "CREATE DATABASE IF NOT EXISTS \`$db\`;"
    if [ -n "$user" ] && [ -n "$user_pw" ]; then
      echo "CREATE USER $(lit "$user")@'%' IDENTIFIED BY $(lit "$user_pw");"
      [ -z "$db" ] || echo "GRANT ALL ON \`$db\`.* TO $(lit "$user")@'%';"
    fi
  } | mariadb --socket="$sock" -uroot
  for f in /docker-entrypoint-initdb.d/*; do
    case $f in
      *.sql) MYSQL_PWD=$root_pw mariadb --socket="$sock" -uroot ${db:+"$db"} < "$f" ;;
      *.sh) . "$f" ;;
    esac
  done
  kill "$pid"
  wait "$pid" || :
  echo 'mariadb init process complete; ready for start up.'
fi

exec mariadbd --user=mysql "$@"
