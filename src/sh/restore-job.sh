#!/bin/sh
# shellcheck shell=sh
# The restore job (restore/job-script.ts writes it to <RESTORE_DIR>/<run>.sh after the
# prelude and restore.sh, then `restore_job "$@"`); see job-script.ts for the protocol.

now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
log() { echo "$(now) $*"; }
die() { echo "restic-fleet restore: $*" >&2; exit 2; }
# Names reach file paths and docker/restic arguments: allow only what restic-fleet generates.
safe() { case "$1" in ''|*[!A-Za-z0-9_.@:=+-]*) return 1 ;; esac; return 0; }
abspath() { case "$1" in /*) case "$1" in *"$NL"*) return 1 ;; esac; return 0 ;; esac; return 1; }

oneline() { printf '%s' "$1" | tr '\n\r\t' '   ' | tr -d '\000-\010\013-\037' | cut -c1-1500; }
status() {
  {
    echo "run $RUN"; echo "pid $$"; echo "mode $MODE"; echo "phase $ST_PHASE"; echo "outcome $ST_OUTCOME"
    echo "snapshot $SNAP"; echo "safety $ST_SAFETY"; echo "files $ST_FILES"; echo "dirs $ST_DIRS"
    echo "symlinks $ST_LINKS"; echo "bytes $ST_BYTES"; echo "verification $(oneline "$ST_VERIFICATION")"
    echo "stopped$ST_STOPPED"; echo "started$ST_STARTED"
    echo "recovered $(oneline "$ST_RECOVERED")"; echo "volume $(oneline "$ST_VOLUME")"
    echo "start $ST_START"; echo "end $ST_END"; echo "message $(oneline "$ST_MESSAGE")"
  } > "$DIR/.$RUN.status.tmp" && mv -f "$DIR/.$RUN.status.tmp" "$DIR/$RUN.status"
}
phase() { ST_PHASE=$1; log "phase $1"; status; }
failpoint() { if [ "$FAILPOINT" = "$1" ]; then log "failpoint $1: SIGKILL"; kill -9 $$; fi; }
last_error() { grep -v '^[[:space:]]*$' "$ERR" | tail -n 3 | tr '\n' ' ' | cut -c1-400; }

# restic 0.14 has no --retry-lock: retry while another client holds an exclusive lock
# (a prune); plain unlock removes only stale locks.
restic_retry() {
  n=0
  while :; do
    restic "$@" > "$OUT" 2> "$ERR"; rc=$?
    cat "$ERR"
    if [ "$rc" -ne 0 ] && grep -q 'repository is already locked' "$ERR" && [ "$n" -lt 10 ]; then
      n=$((n + 1)); log "repository locked; retry $n/10 in 30s"
      restic unlock > /dev/null 2>&1; sleep 30; continue
    fi
    return "$rc"
  done
}

containers_of() { # volume → names of containers using it, "name state" lines
  docker ps -a --filter "volume=$1" --format '{{.Names}} {{.State}}'
}

start_containers() { # names...: starts each, records it in ST_STARTED when it runs
  for c in "$@"; do
    if docker start "$c" > /dev/null 2>> "$ERR" && [ "$(docker inspect -f '{{.State.Running}}' "$c" 2> /dev/null)" = true ]; then
      ST_STARTED="$ST_STARTED $c"; log "started container $c"
    else
      log "could not start container $c: $(last_error)"
      ST_MESSAGE="$ST_MESSAGE; container $c did not start again: start it by hand"
    fi
  done
}

# Finishes or rolls back a swap a journal describes; RECOVERED tells what was done.
# The new tree was restored and verified before the journal was written, so when the
# live directory is missing (between the renames) the swap is completed.
recover_journal() {
  j=$1
  jr=$(sed -n 's/^run //p' "$j"); jmp=$(sed -n 's/^mp //p' "$j")
  jold=$(sed -n 's/^old //p' "$j"); jnew=$(sed -n 's/^new //p' "$j")
  if [ -z "$jmp" ] || [ -z "$jold" ] || [ -z "$jnew" ]; then
    RECOVERED="journal $j is incomplete: check $jmp by hand"; return 1
  fi
  if [ -d "$jmp" ] && [ -d "$jold" ] && [ -d "$jnew" ]; then
    # Something recreated the live directory between the renames; empty means nothing wrote to it.
    if [ -z "$(ls -A "$jmp")" ]; then rmdir "$jmp"; else
      RECOVERED="interrupted swap of run $jr: $jmp, $jold and $jnew all exist; left for a human"; return 1
    fi
  fi
  if [ -d "$jmp" ]; then
    if [ -d "$jnew" ]; then
      rm -rf "$jnew"; RECOVERED="swap of run $jr had not started: volume unchanged"
    else
      rm -rf "$jold"; RECOVERED="swap of run $jr had completed: volume restored"
    fi
  elif [ -d "$jnew" ] && mv -T "$jnew" "$jmp"; then
    rm -rf "$jold"; RECOVERED="completed the interrupted swap of run $jr: volume restored"
  elif [ -d "$jold" ] && mv -T "$jold" "$jmp"; then
    rm -rf "$jnew"; RECOVERED="rolled back the interrupted swap of run $jr: volume unchanged"
  else
    RECOVERED="interrupted swap of run $jr: neither $jnew nor $jold can be moved to $jmp; left for a human"; return 1
  fi
  sync; rm -f "$j"; sync
  log "recover: $RECOVERED"
  return 0
}

# Under the host lock no other restore runs, so every journal or container list here was
# left by a job that died: settle them all.
recover_all() {
  for j in "$DIR"/swap-*.journal; do
    [ -f "$j" ] || continue
    RECOVERED=
    recover_journal "$j" || log "recover: $RECOVERED"
    ST_RECOVERED="$ST_RECOVERED$RECOVERED; "
  done
  for f in "$DIR"/containers-*; do
    [ -f "$f" ] || continue
    read -r fr names < "$f" || names=
    for c in $names; do
      safe "$c" || continue
      if [ "$(docker inspect -f '{{.State.Running}}' "$c" 2> /dev/null)" != true ]; then
        start_containers "$c"; ST_RECOVERED="$ST_RECOVERED""restarted container $c left stopped by run $fr; "
      fi
    done
    rm -f "$f"
  done
  status
}

# Called on any failure: settles a swap in flight, removes staging, restarts what was
# stopped, and says what the volume holds and where the previous contents are.
fail() {
  trap - TERM INT HUP
  ST_MESSAGE="$1$ST_MESSAGE"
  log "FAILED: $1"
  if [ -n "$IN_SWAP" ]; then
    RECOVERED=
    recover_journal "$JOURNAL" || :
    ST_VOLUME=$RECOVERED
  elif [ "$MODE" = in-place ] && [ -n "$MP" ]; then
    ST_VOLUME=unchanged
  fi
  [ -n "$STAGE" ] && rm -rf "$STAGE"
  [ -n "$NEW" ] && [ ! -f "$JOURNAL" ] && rm -rf "$NEW"
  if [ -n "$STOPPING" ]; then
    # shellcheck disable=SC2086 # split on purpose: container names, checked by safe()
    start_containers $RUNNING
    rm -f "$CONTAINERS_FILE"
  fi
  if [ -n "$ST_SAFETY" ]; then
    ST_MESSAGE="$ST_MESSAGE; the volume's previous contents are in safety snapshot $ST_SAFETY (tags @SET_TAG_PREFIX@$SLUG, @PRE_RESTORE_TAG@)"
  fi
  ST_OUTCOME=failed ST_END=$(now)
  phase failed
  exit 1
}

# Staging and swap directories a dead job left beside a volume's _data (disk space, not
# state): removed once no journal refers to them any more.
clean_leftovers() { # volume
  lp=$(docker volume inspect --format '{{.Mountpoint}}' "$1" 2> /dev/null)
  [ -n "$lp" ] || return 0
  lp=$(dirname "$lp")
  for j in "$DIR"/swap-*.journal; do [ -f "$j" ] && grep -qF "$lp/" "$j" && return 0; done
  for d in "$lp"/.rf-restore-* "$lp"/.rf-new-* "$lp"/.rf-old-*; do
    [ -e "$d" ] || continue
    rm -rf "$d"; log "removed $d, left by an earlier run"
  done
}

take_host_lock() {
  exec 8> @HOST_LOCK@
  flock -w "$LOCK_WAIT" 8 || fail "another restic-fleet run held @HOST_LOCK@ for $LOCK_WAIT s; nothing was changed"
  make_work
}
# Work files (restic ls of a big volume is big) on disk beside the status files, not in a
# tmpfs. Made under the host lock, so any other work directory is a dead job's.
make_work() {
  WORK=$(mktemp -d "$DIR/.work.XXXXXX") || fail "mktemp in $DIR failed"
  OUT=$WORK/out ERR=$WORK/err
  for w in "$DIR"/.work.*; do [ "$w" = "$WORK" ] || rm -rf "$w"; done
}
take_set_lock() { # the runner's per-set lock: no backup of the set runs meanwhile
  exec 9> "/var/lock/restic-fleet-$SLUG.lock"
  flock -w "$LOCK_WAIT" 9 || fail "a backup of set $SLUG held its lock for $LOCK_WAIT s; nothing was changed"
}

# Restores the snapshot with content verification into $STAGE, then compares the staged
# tree with the snapshot's listing (file, directory and symlink counts, total bytes).
restore_and_verify() {
  phase restore
  rm -rf "$STAGE"; mkdir -p "$STAGE" || fail "cannot create staging directory $STAGE"
  restic_retry restore "$SNAP" --target "$STAGE" --verify || fail "restic restore failed: $(last_error)"
  cat "$OUT"
  verified=$(sed -n 's/^finished verifying \([0-9]*\) files.*/\1/p' "$OUT" | tail -n 1)
  [ -n "$verified" ] || fail "restic restore --verify did not report a verification"
  phase verify
  TREE=$STAGE$SNAPPATH
  [ -d "$TREE" ] || fail "the restored snapshot has no directory $SNAPPATH"
  restic_retry --no-lock ls --json "$SNAP" || fail "restic ls failed: $(last_error)"
  depth=$(printf '%s\n' "$SNAPPATH" | tr '/' '\n' | grep -c .)
  # Field order of restic's node JSON: quotes inside names are escaped, so "type":"file"
  # and "size": only match the real fields.
  want=$(awk -v depth="$depth" '
    /"struct_type":"node"/ {
      if ($0 ~ /"type":"file"/) { f++; if (match($0, /"size":[0-9]+/)) b += substr($0, RSTART + 7, RLENGTH - 7) }
      else if ($0 ~ /"type":"dir"/) d++
      else if ($0 ~ /"type":"symlink"/) l++
      else o++
    }
    END { printf "%d %d %d %.0f %d\n", f, d - depth, l, b, o }' "$OUT")
  have="$(find "$TREE" -type f -printf x | wc -c) $(find "$TREE" -mindepth 1 -type d -printf x | wc -c) $(find "$TREE" -type l -printf x | wc -c) $(find "$TREE" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s }') $(find "$TREE" ! -type f ! -type d ! -type l -printf x | wc -c)"
  # shellcheck disable=SC2086 # split on purpose: five numbers each
  set -- $want; wf=$1 wd=$2 wl=$3 wb=$4 wo=$5
  # shellcheck disable=SC2086 # split on purpose: five numbers each
  set -- $have; hf=$1 hd=$2 hl=$3 hb=$4 ho=$5
  log "snapshot listing: $wf files, $wd dirs, $wl symlinks, $wb bytes, $wo other; staged: $hf files, $hd dirs, $hl symlinks, $hb bytes, $ho other"
  if [ "$wf $wd $wl $wb $wo" != "$hf $hd $hl $hb $ho" ]; then
    fail "verification failed: the snapshot lists $wf files/$wd dirs/$wl symlinks/$wb bytes, the staged tree has $hf/$hd/$hl/$hb"
  fi
  ST_FILES=$hf ST_DIRS=$hd ST_LINKS=$hl ST_BYTES=$hb
  ST_VERIFICATION="restic restore --verify re-read the content of $verified files; the staged tree matches the snapshot listing: $hf files, $hd directories, $hl symlinks, $hb bytes"
  status
}

in_place() {
  phase lock
  take_host_lock
  take_set_lock
  phase recover
  recover_all
  ST_STARTED='' # what recovery restarted is in ST_RECOVERED; from here on: this run's containers
  if [ -f "$DIR/swap-$SLUG.journal" ]; then
    fail "an earlier interrupted swap of this set could not be settled ($ST_RECOVERED): fix it by hand, see $DIR/swap-$SLUG.journal"
  fi
  clean_leftovers "$VOLUME"
  MP=$(docker volume inspect --format '{{.Mountpoint}}' "$VOLUME" 2> "$ERR")
  CREATED=''
  if [ -z "$MP" ]; then
    docker volume create "$VOLUME" > /dev/null 2>> "$ERR" || fail "volume $VOLUME does not exist and could not be created: $(last_error)"
    MP=$(docker volume inspect --format '{{.Mountpoint}}' "$VOLUME" 2> "$ERR")
    CREATED=1; log "volume $VOLUME did not exist: created it"
    ST_MESSAGE="$ST_MESSAGE; volume $VOLUME did not exist: created it (nothing to keep in a safety snapshot)"
  fi
  if [ -z "$MP" ] || [ ! -d "$MP" ]; then fail "volume $VOLUME has no directory on this host ($MP)"; fi
  # A volume with a driver or driver options (e.g. a bind to another directory) keeps its
  # data elsewhere: swapping _data would not restore it.
  drv=$(docker volume inspect --format '{{.Driver}} {{len .Options}}' "$VOLUME" 2> /dev/null)
  if [ "$drv" != "local 0" ]; then fail "volume $VOLUME is not a plain local volume (driver and options: $drv): restore to a path instead"; fi
  if mountpoint -q "$MP"; then fail "$MP is a mount point: it cannot be swapped; restore to a path instead"; fi
  P=$(dirname "$MP")
  STAGE=$P/.rf-restore-$RUN NEW=$P/.rf-new-$RUN OLD=$P/.rf-old-$RUN
  JOURNAL=$DIR/swap-$SLUG.journal CONTAINERS_FILE=$DIR/containers-$SLUG

  phase stop
  containers_of "$VOLUME" > "$OUT" 2> "$ERR" || fail "docker ps failed: $(last_error)"
  RUNNING=$(awk '$2 == "running" || $2 == "restarting" || $2 == "paused" { print $1 }' "$OUT" | tr '\n' ' ')
  for c in $RUNNING; do safe "$c" || fail "unexpected container name $c"; done
  # Written before stopping: if this job dies, recover starts them again.
  echo "$RUN $RUNNING" > "$CONTAINERS_FILE"; sync
  STOPPING=1
  for c in $RUNNING; do
    docker stop -t 30 "$c" > /dev/null 2> "$ERR" || fail "could not stop container $c: $(last_error)"
    ST_STOPPED="$ST_STOPPED $c"; log "stopped container $c"
  done
  status
  failpoint after-stop

  if [ -z "$CREATED" ]; then
    phase safety-snapshot
    restic_retry backup --json --host "$HOST" --tag "@SET_TAG_PREFIX@$SLUG" --tag "@PRE_RESTORE_TAG@" \
      --tag "restic-fleet:keep-until=$KEEP" "$MP" || fail "the safety snapshot failed, so nothing was restored: $(last_error)"
    ST_SAFETY=$(sed -n 's/.*"message_type":"summary".*"snapshot_id":"\([0-9a-f]*\)".*/\1/p' "$OUT" | tail -n 1)
    [ -n "$ST_SAFETY" ] || fail "the safety snapshot reported no id, so nothing was restored"
    log "safety snapshot $ST_SAFETY"
    status
  fi

  restore_and_verify

  phase swap
  mv -T "$TREE" "$NEW" || fail "cannot move the staged tree to $NEW"
  rm -rf "$STAGE"; STAGE=
  left=$(containers_of "$VOLUME" | awk '$2 == "running" { print $1 }' | tr '\n' ' ')
  [ -z "$left" ] || fail "container(s) $left started using the volume during the restore"
  sync
  if ! { printf 'run %s\nmp %s\nold %s\nnew %s\n' "$RUN" "$MP" "$OLD" "$NEW" > "$JOURNAL.tmp" && sync && mv -f "$JOURNAL.tmp" "$JOURNAL"; }; then
    fail "cannot write the swap journal $JOURNAL"
  fi
  sync
  IN_SWAP=1
  failpoint before-swap
  mv -T "$MP" "$OLD" || fail "cannot rename $MP"
  failpoint between-renames
  mv -T "$NEW" "$MP" || fail "cannot rename $NEW to $MP"
  sync
  failpoint after-swap
  rm -rf "$OLD"; sync; rm -f "$JOURNAL"; sync
  IN_SWAP=
  ST_VOLUME=restored

  phase start
  STOPPING=
  # shellcheck disable=SC2086 # split on purpose: container names, checked by safe()
  start_containers $RUNNING
  rm -f "$CONTAINERS_FILE"
  ST_OUTCOME=restored ST_END=$(now)
  phase finished
}

to_path() {
  phase lock
  take_host_lock
  phase recover
  recover_all
  REAL=$(realpath -m "$TARGET") || fail "cannot resolve $TARGET"
  MP=$(docker volume inspect --format '{{.Mountpoint}}' "$VOLUME" 2> /dev/null)
  if [ -n "$MP" ]; then
    MPR=$(realpath -m "$MP")
    case "$REAL/" in "$MPR"/*) fail "target $TARGET is inside the live volume $VOLUME ($MPR): restore in place or elsewhere" ;; esac
    MP=
  fi
  if [ -e "$REAL" ]; then
    [ -d "$REAL" ] || fail "target $TARGET exists and is not a directory"
    [ -z "$(ls -A "$REAL")" ] || fail "target $TARGET is not empty: restore into a new or empty directory, so nothing stale mixes in"
  fi
  mkdir -p "$REAL" || fail "cannot create $TARGET"
  STAGE=$REAL/.rf-restore-$RUN
  restore_and_verify
  phase move
  # The snapshot's root directory attributes, before moving its entries changes its times.
  touch -r "$TREE" "$WORK/ref"
  find "$TREE" -mindepth 1 -maxdepth 1 -exec mv -t "$REAL" -- {} + || fail "moving the restored files into $TARGET failed: it may be incomplete"
  chown --reference="$TREE" "$REAL"; chmod --reference="$TREE" "$REAL"
  rm -rf "$STAGE"; STAGE=
  touch -r "$WORK/ref" "$REAL"
  ST_OUTCOME=restored ST_END=$(now)
  phase finished
}

restore_job() {
  restore_env
  DIR=@RESTORE_DIR@
  LOCK_WAIT=600
  NL='
'
  [ $# -ge 2 ] || die "usage: job in-place|to-path|recover RUN ..."
  MODE=$1 RUN=$2
  shift 2
  HOST='' SLUG='' VOLUME='' SNAP='' SNAPPATH='' TARGET='' KEEP='' FAILPOINT=''
  case "$MODE" in
    in-place)
      [ $# -ge 6 ] || die "in-place needs HOST SLUG VOLUME SNAPSHOT SNAPPATH KEEP_UNTIL"
      HOST=$1 SLUG=$2 VOLUME=$3 SNAP=$4 SNAPPATH=$5 KEEP=$6
      [ $# -ge 7 ] && FAILPOINT=$7 ;;
    to-path)
      [ $# -ge 6 ] || die "to-path needs HOST SLUG VOLUME SNAPSHOT SNAPPATH TARGET"
      HOST=$1 SLUG=$2 VOLUME=$3 SNAP=$4 SNAPPATH=$5 TARGET=$6 ;;
    recover) [ $# -ge 1 ] && VOLUME=$1 ;;
    *) die "unknown mode $MODE" ;;
  esac
  safe "$RUN" || die "unsafe run id"
  if [ "$MODE" != recover ]; then
    for v in "$HOST" "$SLUG" "$VOLUME"; do safe "$v" || die "unsafe name: $v"; done
    case "$SNAP" in ''|*[!0-9a-f]*) die "snapshot id must be hex" ;; esac
    abspath "$SNAPPATH" || die "snapshot path must be absolute"
    [ "$MODE" = to-path ] && { abspath "$TARGET" || die "target must be an absolute path"; }
    [ "$MODE" = in-place ] && { case "$KEEP" in ''|*[!0-9-]*) die "bad keep-until date" ;; esac; }
  elif [ -n "$VOLUME" ]; then
    safe "$VOLUME" || die "unsafe name: $VOLUME"
  fi

  mkdir -p "$DIR" /var/lock || die "cannot create $DIR"
  WORK='' OUT=/dev/null ERR=/dev/null # see make_work
  trap 'rm -rf "$WORK"' EXIT
  trap 'fail "stopped by a signal"' TERM INT HUP

  ST_PHASE=starting ST_OUTCOME=running ST_SAFETY='' ST_FILES='' ST_DIRS='' ST_LINKS='' ST_BYTES='' ST_VERIFICATION=''
  ST_STOPPED='' ST_STARTED='' ST_RECOVERED='' ST_VOLUME='' ST_MESSAGE='' ST_START=$(now) ST_END=''
  RUNNING='' STOPPING='' IN_SWAP='' MP='' P='' STAGE='' NEW='' OLD='' JOURNAL='' CONTAINERS_FILE=''
  case "$MODE" in
    in-place) in_place ;;
    to-path) to_path ;;
    recover)
      phase lock
      take_host_lock
      phase recover
      recover_all
      [ -n "$VOLUME" ] && clean_leftovers "$VOLUME"
      ST_OUTCOME=restored ST_END=$(now)
      phase finished ;;
  esac
  exit 0
}
