#!/bin/sh
# Builds the base root filesystem of the lab's database image the way the host image is
# built (build-host-rootfs.sh): Debian minbase from the machine's mirror, then Debian's own
# postgresql and mariadb-server packages. finish-db-rootfs.sh then slims it and adds the
# entrypoints (a separate step, so changing those does not rerun debootstrap).
# Usage: build-db-rootfs.sh OUT.tar SUITE MIRROR PKG,PKG,... DEB_CACHE_DIR
set -eu
out=$1 suite=$2 mirror=$3 pkgs=$4 debcache=$5
work=$(mktemp -d "$(dirname "$out")/build-db.XXXXXX")
rootfs=$work/rootfs

cleanup() {
  # debootstrap mounts /proc in the target; never rm -rf across a mount point.
  grep -F " $rootfs" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT INT TERM

mkdir -p "$debcache"
debootstrap --variant=minbase --cache-dir="$debcache" "$suite" "$rootfs" "$mirror"
mount -t proc proc "$rootfs/proc"
mount --bind "$debcache" "$rootfs/var/cache/apt/archives"
printf '#!/bin/sh\nexit 101\n' > "$rootfs/usr/sbin/policy-rc.d" # no service starts during the build
chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
# The entrypoints create the data dirs on first start (in the container's volume), as the
# official images do: no default cluster at install time.
mkdir -p "$rootfs/etc/postgresql-common"
echo 'create_main_cluster = false' > "$rootfs/etc/postgresql-common/createcluster.conf"
chroot "$rootfs" apt-get update
# shellcheck disable=SC2046 # the package list is comma-separated words
DEBIAN_FRONTEND=noninteractive chroot "$rootfs" apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold $(echo "$pkgs" | tr ',' ' ')
rm -f "$rootfs/usr/sbin/policy-rc.d"
umount "$rootfs/var/cache/apt/archives" "$rootfs/proc"

: > "$rootfs/etc/machine-id"
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log

tar --numeric-owner -C "$rootfs" -cf "$out.tmp" .
mv "$out.tmp" "$out"
