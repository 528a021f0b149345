#!/bin/sh
# Turns the unpacked base rootfs (build-db-rootfs.sh) into the database image's rootfs: what
# the lab never runs goes (about half the size), the entrypoints come in. Usage:
#   finish-db-rootfs.sh ROOTFS_DIR
set -eu
rootfs=$1
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$rootfs/usr/sbin/mariadbd" ] && [ -d "$rootfs/usr/lib/postgresql" ] || { echo "$rootfs is not the database base rootfs" >&2; exit 1; }

# postgres' own binaries first on PATH (/usr/local/bin), not Debian's perl wrappers: `docker
# exec c pg_dump` runs the server's pg_dump, as in the official image.
for f in "$rootfs"/usr/lib/postgresql/*/bin/*; do ln -sf "${f#"$rootfs"}" "$rootfs/usr/local/bin/"; done
# JIT is off (the entrypoint says so): LLVM and its z3 go.
rm -rf "$rootfs"/usr/lib/postgresql/*/lib/llvmjit* "$rootfs"/usr/lib/postgresql/*/lib/bitcode \
  "$rootfs"/usr/lib/x86_64-linux-gnu/libLLVM* "$rootfs"/usr/lib/x86_64-linux-gnu/libz3.so*
# mariadb's tools other than the server, its client, dump, admin and what install-db calls (5 MB each); galera.
(cd "$rootfs/usr/bin" && rm -f aria_* myisam* mariadb-binlog mariadb-slap mariadb-upgrade mariadb-show mariadb-import \
  mariadb-plugin mariadb-conv innochecksum perror replace resolve_stack_dump mariadb-waitpid mariadbd-safe-helper \
  mariadb-tzinfo-to-sql innotop mytop mariadb-access mariadb-report mariadb-hotcopy wsrep_sst_*)
rm -rf "$rootfs/usr/lib/galera"
# Perl's library beyond perl-base (only unused tools of both packages need it), translations, locale sources.
rm -rf "$rootfs"/usr/share/perl/5.* "$rootfs"/usr/lib/x86_64-linux-gnu/perl/5.* "$rootfs"/usr/lib/x86_64-linux-gnu/libperl.so* \
  "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/i18n
rm -rf "$rootfs"/var/lib/mysql/* "$rootfs"/var/lib/postgresql/*
install -m 0755 "$here/postgres-entrypoint.sh" "$rootfs/usr/local/bin/postgres-entrypoint.sh"
install -m 0755 "$here/mariadb-entrypoint.sh" "$rootfs/usr/local/bin/mariadb-entrypoint.sh"
