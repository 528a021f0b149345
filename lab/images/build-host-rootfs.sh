#!/bin/sh
# Builds the lab host's root filesystem tarball: Debian minbase + the packages a restic-fleet
# host needs, customised for containers (no baked host keys, key-only root login, pam_loginuid
# optional because containers cannot set a login uid). Usage:
#   build-host-rootfs.sh OUT.tar SUITE MIRROR PKG,PKG,... DEB_CACHE_DIR
set -eu
out=$1 suite=$2 mirror=$3 pkgs=$4 debcache=$5
work=$(mktemp -d "$(dirname "$out")/build.XXXXXX")
rootfs=$work/rootfs

cleanup() {
  # debootstrap mounts /proc and /sys in the target; never rm -rf across a mount point.
  grep -F " $rootfs" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT INT TERM

mkdir -p "$debcache"
# Two steps: debootstrap's own resolver installs in an order that breaks on trixie (systemd's
# pre-dependency, pulled in through cron and openssh-server's sysusers dependency), so the
# base comes from debootstrap and the packages from apt inside it, both from the same cache.
debootstrap --variant=minbase --cache-dir="$debcache" "$suite" "$rootfs" "$mirror"
mount -t proc proc "$rootfs/proc"
mount --bind "$debcache" "$rootfs/var/cache/apt/archives"
printf '#!/bin/sh\nexit 101\n' > "$rootfs/usr/sbin/policy-rc.d" # no service starts during the build
chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
chroot "$rootfs" apt-get update
# shellcheck disable=SC2046 # the package list is comma-separated words
DEBIAN_FRONTEND=noninteractive chroot "$rootfs" apt-get install -y --no-install-recommends $(echo "$pkgs" | tr ',' ' ')
rm -f "$rootfs/usr/sbin/policy-rc.d"
umount "$rootfs/var/cache/apt/archives" "$rootfs/proc"

# Host keys are generated at container start (each host its own); sshd offers only ed25519,
# so clients pin one key type.
rm -f "$rootfs"/etc/ssh/ssh_host_*
mkdir -p "$rootfs/etc/ssh/sshd_config.d"
cat > "$rootfs/etc/ssh/sshd_config.d/rf-lab.conf" <<'CONF'
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
CONF
for f in "$rootfs/etc/pam.d/sshd" "$rootfs/etc/pam.d/cron"; do
  sed -i 's/^session\([[:space:]]\{1,\}\)required\([[:space:]]\{1,\}\)pam_loginuid.so/session\1optional\2pam_loginuid.so/' "$f"
done
: > "$rootfs/etc/machine-id"
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*

tar --numeric-owner -C "$rootfs" -cf "$out.tmp" .
mv "$out.tmp" "$out"
