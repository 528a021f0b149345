#!/bin/sh
# Runs inside a lab client (via docker exec) to give it a database container with known rows.
#   lab-db.sh setup ENGINE CONTAINER VOLUME IMAGE IMAGE_ID DATABASE TABLE ROWS   (stdin: the container's env, KEY=VALUE lines)
# ENGINE is postgres or mariadb. A container that runs IMAGE_ID already is left as it is;
# otherwise container and volume are made afresh: the first time the entrypoint initialises
# the database and TABLE gets rows id 1..ROWS named item-<id>, then the stopped volume's data
# and the env are kept under /var/lib/rf-lab/db-seed (root, 0600), which `lab reset` does not
# touch; later the volume is refilled from there (a reset then costs a start, not an init).
# The env (passwords) goes through a 0600 file into `docker run --env-file`, never argv.
set -eu
share=/opt/rf-lab-share
[ "$1" = setup ] || { echo "usage: lab-db.sh setup ENGINE CONTAINER VOLUME IMAGE IMAGE_ID DATABASE TABLE ROWS" >&2; exit 2; }
engine=$2 c=$3 vol=$4 image=$5 image_id=$6 db=$7 table=$8 rows=$9
# The official postgres image stops on SIGINT (fast shutdown); `docker import` cannot set that.
# mariadb's redo log is 8 MB instead of 96 MB: a smaller volume to copy, back up and restore.
case $engine in
  postgres) datadir=/var/lib/postgresql/data stop=SIGINT args= ;;
  mariadb) datadir=/var/lib/mysql stop=SIGTERM args=--innodb-log-file-size=8M ;;
  *) echo "unknown engine $engine" >&2; exit 2 ;;
esac

# The client of the container, run inside it (credentials from the container's own env).
client() {
  case $engine in
    postgres) docker exec -i "$c" psql -X -q -v ON_ERROR_STOP=1 -U postgres -d "$db" "$@" ;;
    mariadb) docker exec -i "$c" sh -c 'MYSQL_PWD="$MARIADB_ROOT_PASSWORD" exec mariadb -uroot "$@"' sh "$db" "$@" ;;
  esac
}

env_file=/run/rf-lab/db-$c.env
(umask 077 && cat > "$env_file")
seed=/var/lib/rf-lab/db-seed/$c
trap 'rm -f "$env_file" "$seed.tmp"' EXIT

[ "$(docker image inspect -f '{{.Id}}' "$image" 2> /dev/null)" = "$image_id" ] || docker load -q -i "$share/images/db.tar" > /dev/null
if [ "$(docker inspect -f '{{.Image}} {{.State.Running}}' "$c" 2> /dev/null)" = "$image_id true" ]; then
  exit 0
fi
docker rm -f -v "$c" > /dev/null 2>&1 || :
docker volume rm -f "$vol" > /dev/null 2>&1 || :
docker volume create "$vol" > /dev/null
mp=$(docker volume inspect -f '{{.Mountpoint}}' "$vol")
reuse=false
if [ -s "$seed.tar" ] && [ "$(cat "$seed.image" 2> /dev/null)" = "$image_id" ]; then
  reuse=true
  tar --numeric-owner -C "$mp" -xpf "$seed.tar"
  cp "$seed.env" "$env_file"
fi
docker run -d --name "$c" --restart unless-stopped --stop-signal "$stop" --env-file "$env_file" -v "$vol:$datadir" "$image" $args > /dev/null
rm -f "$env_file"

# Ready = the final server answers on its socket (the entrypoints initialise on a private one).
wait_ready() {
  i=0
  until echo 'SELECT 1;' | client > /dev/null 2>&1; do
    if [ "$(docker inspect -f '{{.State.Running}}' "$c")" != true ] || [ $i -ge 180 ]; then
      echo "$c did not become ready (running: $(docker inspect -f '{{.State.Running}}' "$c")); its log:" >&2
      docker logs --tail 30 "$c" >&2 2>&1 || :
      exit 1
    fi
    sleep 0.5
    i=$((i + 1))
  done
}
wait_ready
$reuse && exit 0

case $engine in
  postgres)
    client << SQL
CREATE TABLE $table (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO $table SELECT g, 'item-' || g FROM generate_series(1, $rows) AS g;
SQL
    ;;
  mariadb)
    client << SQL
CREATE TABLE $table (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL);
INSERT INTO $table SELECT seq, CONCAT('item-', seq) FROM seq_1_to_$rows;
SQL
    ;;
esac

# The seeded data, taken while the server is stopped (a consistent copy), for the next reset.
docker stop "$c" > /dev/null
(umask 077 && mkdir -p "${seed%/*}" && tar --numeric-owner -C "$mp" -cpf "$seed.tmp" . && mv "$seed.tmp" "$seed.tar")
docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$c" | grep -E '^(POSTGRES|MARIADB)_' | (umask 077 && cat > "$seed.env")
echo "$image_id" > "$seed.image"
docker start "$c" > /dev/null
wait_ready
