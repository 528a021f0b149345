#!/bin/sh
# Entrypoint of every lab host container (run under docker-init). Brings up what a real host
# has: its own cgroup-capable Docker engine, cron and sshd (key-only root login). Readiness is
# signalled by /run/rf-lab/ready once the inner engine answers; failures by /run/rf-lab/failed.
# Env: RF_LAB_HOST (inventory name), RF_LAB_AUTHORIZED_KEY (public key for root),
# RF_LAB_LIGHT=1 (a light client: sshd and cron only, no engine; ready at once).
set -eu
mkdir -p /run/rf-lab
rm -f /run/rf-lab/ready /run/rf-lab/failed
short=${RF_LAB_HOST%%.*}

start_sshd() {
  mkdir -p /run/sshd
  chmod 0755 /run/sshd
  [ -s /etc/ssh/ssh_host_ed25519_key ] || ssh-keygen -q -t ed25519 -N '' -C "root@$RF_LAB_HOST" -f /etc/ssh/ssh_host_ed25519_key
  install -d -m 0700 /root/.ssh
  printf '%s\n' "$RF_LAB_AUTHORIZED_KEY" > /root/.ssh/authorized_keys
  chmod 0600 /root/.ssh/authorized_keys
  cron
  # VERBOSE: one "Accepted publickey" line per connection and one "Starting session" line per
  # exec in `docker logs`, which the bench counts (connections and round trips, host side).
  exec /usr/sbin/sshd -D -e -o LogLevel=VERBOSE
}

if [ "${RF_LAB_LIGHT:-}" = 1 ]; then
  touch /run/rf-lab/ready
  start_sshd
fi

# The inner engine needs writable cgroups. `--privileged` is not available here, so (with
# SYS_ADMIN and systempaths=unconfined) replace the read-only cgroup mounts with real ones.
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
  # cgroup v2 (untested in this sandbox, which is v1): the dind recipe, move ourselves out of
  # the root so controllers can be delegated to the engine's children.
  mount -o remount,rw /sys/fs/cgroup
  mkdir -p /sys/fs/cgroup/init
  xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
  sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers > /sys/fs/cgroup/cgroup.subtree_control
  cgroup_parent=
else
  umount -R /sys/fs/cgroup 2>/dev/null || :
  mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
  for c in $(awk '!/^#/ && $4 == 1 { print $1 }' /proc/cgroups); do
    mkdir -p "/sys/fs/cgroup/$c"
    mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c" 2>/dev/null || rmdir "/sys/fs/cgroup/$c"
  done
  mkdir -p /sys/fs/cgroup/systemd
  mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd 2>/dev/null || :
  # These are the machine's own hierarchies: keep our inner containers under one parent the lab
  # owns, so `down` can find (and rmdir) anything a crash leaves behind.
  cgroup_parent="/${RF_LAB_PREFIX:-rf-lab}/$short"
fi

mkdir -p /etc/docker
if [ -n "$cgroup_parent" ]; then
  printf '{ "cgroup-parent": "%s" }\n' "$cgroup_parent" > /etc/docker/daemon.json
else
  printf '{}\n' > /etc/docker/daemon.json
fi
setsid dockerd > /var/log/dockerd.log 2>&1 < /dev/null &
(
  i=0
  while [ $i -lt 180 ]; do
    if docker version --format '{{.Server.Version}}' > /dev/null 2>&1; then
      touch /run/rf-lab/ready
      exit 0
    fi
    sleep 1
    i=$((i + 1))
  done
  echo "the inner dockerd did not answer within 180s" > /run/rf-lab/failed
) &

start_sshd
