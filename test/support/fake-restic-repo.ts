// A fake restic with a repository in a directory, for the drill functions (runner-drill.sh):
// backup copies its paths (or stdin) into repo/<id>/ under their absolute paths, restore copies
// a snapshot back under --target, stats prints its size, snapshots lists ids oldest first,
// check fails while repo/corrupt exists. Installed over fake-host.ts's restic.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FAKE = `#!/bin/sh
T=__T__
echo "$*" >> $T/restic.calls
[ "$1" = version ] && { echo "restic $(cat $T/restic-version) compiled with go1.24 on linux/amd64"; exit 0; }
while [ $# -gt 0 ]; do case "$1" in --no-lock) shift ;; --retry-lock) shift 2 ;; *) break ;; esac; done
mkdir -p $T/repo
case "$1" in
  list) exit 0 ;;
  unlock|forget|prune) exit 0 ;;
  snapshots) printf '['; sep=''; for id in $(cat $T/snapshots 2> /dev/null); do printf '%s{"id":"%s","time":"2026-12-02T00:00:00Z"}' "$sep" "$id"; sep=,; done; echo ']' ;;
  stats) id=$3; [ "$id" = --json ] && id=$2; for a; do id=$a; done
    echo '{"total_size":'$(find $T/repo/$id -type f -printf '%s\\n' | awk '{ s += $1 } END { print s + 0 }')',"total_file_count":1}' ;;
  check) [ -f $T/repo/corrupt ] && { echo "Pack ID does not match, want 1234, got 5678" ; echo "Fatal: repository contains errors" >&2; exit 1; }; echo "no errors were found" ;;
  restore) id=$2; shift 2; while [ $# -gt 0 ]; do case "$1" in --target) tgt=$2; shift 2 ;; *) shift ;; esac; done
    [ -f $T/restore-fail ] && { echo "Fatal: ciphertext verification failed" >&2; exit 1; }
    [ -f $T/restore-locked ] && { echo "Fatal: unable to create lock in backend: repository is already locked exclusively by PID 7" >&2; exit 1; }
    cp -a $T/repo/$id/. "$tgt"/ ;;
  backup)
    id=$(printf '%064x' $(date +%s%N)); mkdir -p $T/repo/$id
    stdin=''; fname=''; paths=''
    while [ $# -gt 1 ]; do shift; case "$1" in --host|--tag|--exclude-file) shift ;; --stdin) stdin=1 ;; --stdin-filename) shift; fname=$1 ;; --stdin-from-command) break ;; --json) ;; *) paths="$paths $1" ;; esac; done
    if [ -n "$stdin" ]; then cat > $T/repo/$id/$fname; else for p in $paths; do mkdir -p $T/repo/$id$(dirname $p); cp -a $p $T/repo/$id$p; done; fi
    echo "$id" >> $T/snapshots
    echo '{"message_type":"summary","files_new":3,"files_changed":0,"data_added":4096,"snapshot_id":"'$id'"}' ;;
esac
exit 0
`;

export function installRepoRestic(dir: string): void {
  writeFileSync(join(dir, 'bin', 'restic'), FAKE.replaceAll('__T__', dir));
  chmodSync(join(dir, 'bin', 'restic'), 0o755);
}
