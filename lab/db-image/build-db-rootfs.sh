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
# shellcheck source-path=SCRIPTDIR source=../images/rootfs-lib.sh
. "$(dirname "$0")/../images/rootfs-lib.sh"
trap rootfs_cleanup EXIT INT TERM

rootfs_base "$suite" "$mirror" "$debcache"
# The entrypoints create the data dirs on first start (in the container's volume), as the
# official images do: no default cluster at install time.
mkdir -p "$rootfs/etc/postgresql-common"
echo 'create_main_cluster = false' > "$rootfs/etc/postgresql-common/createcluster.conf"
rootfs_install "$pkgs" -o Dpkg::Options::=--force-confold

rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log
rootfs_tar "$out"
