# shellcheck shell=sh disable=SC2154 # rootfs and work are the caller's
# What both lab images' builds share (images/build-host-rootfs.sh, db-image/build-db-rootfs.sh):
# a Debian minbase from the machine's mirror with a package cache, packages installed by apt
# inside it, and a tarball. Sourced; the caller sets `rootfs` and `work` first.

# debootstrap mounts /proc in the target; never rm -rf across a mount point.
rootfs_cleanup() {
  grep -F " $rootfs" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$work"
}

# Two steps: debootstrap's own resolver installs in an order that breaks on trixie (systemd's
# pre-dependency, pulled in through cron and openssh-server's sysusers dependency), so the
# base comes from debootstrap and the packages from apt inside it, both from the same cache.
rootfs_base() { # suite mirror deb-cache-dir
  mkdir -p "$3"
  debootstrap --variant=minbase --cache-dir="$3" "$1" "$rootfs" "$2"
  mount -t proc proc "$rootfs/proc"
  mount --bind "$3" "$rootfs/var/cache/apt/archives"
  printf '#!/bin/sh\nexit 101\n' > "$rootfs/usr/sbin/policy-rc.d" # no service starts during the build
  chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
}

rootfs_install() { # pkg,pkg,... [apt-get option...]
  pkgs=$1; shift
  chroot "$rootfs" apt-get update
  # shellcheck disable=SC2046 # the package list is comma-separated words
  DEBIAN_FRONTEND=noninteractive chroot "$rootfs" apt-get install -y --no-install-recommends "$@" $(echo "$pkgs" | tr ',' ' ')
  rm -f "$rootfs/usr/sbin/policy-rc.d"
  umount "$rootfs/var/cache/apt/archives" "$rootfs/proc"
}

rootfs_tar() { # out.tar
  : > "$rootfs/etc/machine-id"
  tar --numeric-owner -C "$rootfs" -cf "$1.tmp" .
  mv "$1.tmp" "$1"
}
