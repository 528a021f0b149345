#!/bin/sh
# Runs inside a lab client (via docker exec) to give it a database container with known rows.
#   lab-db.sh setup ENGINE CONTAINER VOLUME IMAGE IMAGE_ID DATABASE TABLE ROWS   (stdin: the container's env, KEY=VALUE lines)
# ENGINE is postgres or mariadb. A container that runs IMAGE_ID already is left as it is;
# otherwise container and volume are made afresh, the entrypoint initialises the database,
# and TABLE gets rows id 1..ROWS named item-<id>. The env (passwords) goes through a 0600 file
# into `docker run --env-file`, never argv.
set -eu
share=/opt/rf-lab-share
[ "$1" = setup ] || { echo "usage: lab-db.sh setup ENGINE CONTAINER VOLUME IMAGE IMAGE_ID DATABASE TABLE ROWS" >&2; exit 2; }
engine=$2 c=$3 vol=$4 image=$5 image_id=$6 db=$7 table=$8 rows=$9
# The official postgres image stops on SIGINT (fast shutdown); `docker import` cannot set that.
case $engine in
  postgres) datadir=/var/lib/postgresql/data stop=SIGINT ;;
  mariadb) datadir=/var/lib/mysql stop=SIGTERM ;;
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
trap 'rm -f "$env_file"' EXIT

[ "$(docker image inspect -f '{{.Id}}' "$image" 2> /dev/null)" = "$image_id" ] || docker load -q -i "$share/images/db.tar" > /dev/null
if [ "$(docker inspect -f '{{.Image}} {{.State.Running}}' "$c" 2> /dev/null)" = "$image_id true" ]; then
  exit 0
fi
docker rm -f -v "$c" > /dev/null 2>&1 || :
docker volume rm -f "$vol" > /dev/null 2>&1 || :
docker volume create "$vol" > /dev/null
docker run -d --name "$c" --restart unless-stopped --stop-signal "$stop" --env-file "$env_file" -v "$vol:$datadir" "$image" > /dev/null
rm -f "$env_file"

# Ready = the final server answers on its socket (the entrypoints initialise on a private one).
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
