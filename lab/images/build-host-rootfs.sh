#!/bin/sh
# Builds the lab host's root filesystem tarball: Debian minbase + the packages a restic-fleet
# host needs, customised for containers (no baked host keys, key-only root login, pam_loginuid
# optional because containers cannot set a login uid). Usage:
#   build-host-rootfs.sh OUT.tar SUITE MIRROR PKG,PKG,... DEB_CACHE_DIR
set -eu
out=$1 suite=$2 mirror=$3 pkgs=$4 debcache=$5
work=$(mktemp -d "$(dirname "$out")/build.XXXXXX")
rootfs=$work/rootfs
# shellcheck source-path=SCRIPTDIR source=rootfs-lib.sh
. "$(dirname "$0")/rootfs-lib.sh"
trap rootfs_cleanup EXIT INT TERM

rootfs_base "$suite" "$mirror" "$debcache"
rootfs_install "$pkgs"

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
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
rootfs_tar "$out"
