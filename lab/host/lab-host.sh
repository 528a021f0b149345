#!/bin/sh
# Runs inside a lab host (via docker exec) to bring its engine to the lab's fresh state.
#   lab-host.sh wait SECONDS         wait for init.sh's readiness marker
#   lab-host.sh setup server|client  load images; clients: volumes with known data + app containers
#   lab-host.sh reset server|client  remove what restic-fleet and the tests left, then setup
#   lab-host.sh teardown             remove every inner container (before the host goes)
# A light client (RF_LAB_LIGHT=1, no engine) gets seed files in /srv/data instead.
set -eu
share=/opt/rf-lab-share
cmd=$1
role=${2:-}

wait_ready() {
  i=0
  while [ $i -lt "$1" ]; do
    [ -e /run/rf-lab/ready ] && return 0
    if [ -e /run/rf-lab/failed ]; then
      cat /run/rf-lab/failed >&2
      tail -n 20 /var/log/dockerd.log >&2 || :
      return 1
    fi
    sleep 1
    i=$((i + 1))
  done
  echo "host not ready after $1s (init.sh marker missing); last dockerd lines:" >&2
  tail -n 20 /var/log/dockerd.log >&2 || :
  return 1
}

# Loads a saved image set unless every tag it holds is present.
load_images() { # tarball ref...
  tarball=$1
  shift
  for ref in "$@"; do
    docker image inspect "$ref" > /dev/null 2>&1 || { docker load -q -i "$tarball" > /dev/null; return 0; }
  done
}

restore_volume() { # name: the volume exists and holds exactly the seed data
  docker volume inspect "$1" > /dev/null 2>&1 || docker volume create "$1" > /dev/null
  mp=$(docker volume inspect -f '{{.Mountpoint}}' "$1")
  find "$mp" -mindepth 1 -delete
  cp -a "$share/seed/$1/." "$mp/"
}

ensure_app() { # container volume: running, with the volume at /data
  mounted=$(docker inspect -f '{{range .Mounts}}{{.Name}} {{end}}' "$1" 2> /dev/null || echo none)
  if [ "$mounted" != "$2 " ]; then
    docker rm -f "$1" > /dev/null 2>&1 || :
    docker run -d --name "$1" --restart unless-stopped -v "$2:/data" restic-fleet/app:lab > /dev/null
  elif [ "$(docker inspect -f '{{.State.Running}}' "$1")" != true ]; then
    docker start "$1" > /dev/null
  fi
}

# Light clients: the app volume's seed data as plain files, for `path` sets. Copying it
# takes seconds per host (x50 on a reset), so it is skipped while names, sizes, times and
# modes are still those of the last copy.
seed_sum() { find /srv/data -printf '%p %s %T@ %m %l\n' 2> /dev/null | sort | sha256sum; }
restore_files() {
  if [ -f /run/rf-lab/seed.sum ] && [ "$(seed_sum)" = "$(cat /run/rf-lab/seed.sum)" ]; then return 0; fi
  rm -rf /srv/data
  mkdir -p /srv/data
  cp -a "$share/seed/app_data" /srv/data/app
  seed_sum > /run/rf-lab/seed.sum
}

setup() {
  if [ "${RF_LAB_LIGHT:-}" = 1 ]; then restore_files; return 0; fi
  case $role in
    server)
      load_images "$share/images/rest-server.tar" restic-fleet/rest-server:lab restic-fleet/rest-server:lab2 \
        restic-fleet/rest-server:lab-slow restic-fleet/rest-server:lab-dead ;;
    client)
      load_images "$share/images/app.tar" restic-fleet/app:lab
      for v in app_data media_data; do restore_volume "$v"; done
      ensure_app app app_data
      ensure_app media media_data
      ;;
    *) echo "usage: lab-host.sh setup server|client" >&2; exit 2 ;;
  esac
}

# Stops runs that tests or cron started (by pid, only restic-fleet's runner and restic itself).
stop_jobs() {
  for p in $(pgrep -f /usr/local/lib/restic-fleet/ || :) $(pgrep -x restic || :); do
    kill "$p" 2> /dev/null || :
  done
}

reset() {
  stop_jobs
  rm -rf /etc/restic-fleet /etc/cron.d/restic-fleet /usr/local/lib/restic-fleet /var/lib/restic-fleet \
    /var/log/restic-fleet /var/lock/restic-fleet* /root/.cache/restic
  if [ "${RF_LAB_LIGHT:-}" = 1 ]; then setup; return 0; fi
  case $role in
    server)
      docker ps -aq | xargs -r docker rm -f -v > /dev/null
      docker volume ls -q | xargs -r docker volume rm -f > /dev/null
      rm -rf /srv/restic
      ;;
    client)
      docker ps -a --format '{{.Names}}' | grep -vxE 'app|media' | xargs -r docker rm -f -v > /dev/null || :
      docker volume ls -q | grep -vxE 'app_data|media_data' | xargs -r docker volume rm -f > /dev/null || :
      ;;
  esac
  docker network ls -q --filter type=custom | xargs -r docker network rm > /dev/null
  setup
}

case $cmd in
  wait) wait_ready "${2:-180}" ;;
  setup) setup ;;
  reset) reset ;;
  teardown) [ "${RF_LAB_LIGHT:-}" = 1 ] || docker ps -aq | xargs -r docker rm -f -v > /dev/null ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
