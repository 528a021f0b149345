#!/bin/sh
# restic-fleet runner — managed by restic-fleet, do not edit (changes are overwritten).
#   run backup --host H --set SLUG --volume VOLUME [--tag TAG]...
#   run forget --host H --daily N --weekly N --monthly N [--prune]
# Credentials come from root-only files; output goes to /var/log/restic-fleet/<name>.log;
# the last run of each job is recorded in /var/lib/restic-fleet/status/<name>.json.
set -u
umask 077
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export RESTIC_REPOSITORY_FILE=/etc/restic-fleet/repository
export RESTIC_PASSWORD_FILE=/etc/restic-fleet/password
export RESTIC_CACHE_DIR=/var/cache/restic-fleet
STATUS_DIR=/var/lib/restic-fleet/status
LOG_DIR=/var/log/restic-fleet
LOCK_RETRIES=${RESTIC_FLEET_LOCK_RETRIES:-6}
LOCK_WAIT=${RESTIC_FLEET_LOCK_WAIT:-30}

die() { echo "restic-fleet run: $*" >&2; exit 2; }
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
# JSON string escaping for the status file (backslash, quote, control characters).
json_str() { printf '%s' "$1" | tr -d '\000-\010\013-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr '\n\t' '  '; }

write_status() { # name status start end exit snapshot message
  mkdir -p "$STATUS_DIR"
  tmp="$STATUS_DIR/.$1.json.tmp"
  printf '{"name":"%s","status":"%s","start":"%s","end":"%s","exit":%s,"snapshot":"%s","message":"%s"}\n' \
    "$1" "$2" "$3" "$4" "$5" "$6" "$(json_str "$7")" > "$tmp" && chmod 0644 "$tmp" && mv -f "$tmp" "$STATUS_DIR/$1.json"
}

# restic >= 0.16 waits for a held lock itself (--retry-lock, as long as the loop below would);
# restic >= 0.17 exits 11 when the lock stays held. Read from the installed restic at run
# time: the package may change under the installed runner.
RESTIC_VERSION=$(restic version 2> /dev/null | sed -n '1s/^restic \([0-9][0-9.]*\).*/\1/p')
version_at_least() { [ -n "$1" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$2" ]; }
RETRY_LOCK=
version_at_least "$RESTIC_VERSION" 0.16.0 && RETRY_LOCK="--retry-lock $((LOCK_RETRIES * LOCK_WAIT))s"
LOCKED_EXIT=
version_at_least "$RESTIC_VERSION" 0.17.0 && LOCKED_EXIT=11

# Runs restic, retrying while another process holds an exclusive lock: restic 0.14 has no
# --retry-lock, so this loop is the wait there; with --retry-lock it only clears stale locks
# (dead processes, removed by plain unlock) once and tries again.
restic_retry() {
  n=0 max=$LOCK_RETRIES lock_opt=$RETRY_LOCK
  case " $* " in *" --no-lock "*) lock_opt= ;; esac # takes no lock: nothing to wait for
  [ -z "$lock_opt" ] || max=1
  while :; do
    # shellcheck disable=SC2086 # lock_opt is two words or none
    restic $lock_opt "$@" > "$OUT" 2> "$ERR"; rc=$?
    cat "$OUT" >> "$LOG"; cat "$ERR" >> "$LOG"
    if [ "$rc" -ne 0 ] && { [ "$rc" = "$LOCKED_EXIT" ] || grep -q 'repository is already locked' "$ERR"; } && [ "$n" -lt "$max" ]; then
      n=$((n + 1)); echo "$(now) repository locked; retry $n/$max in ${LOCK_WAIT}s" >> "$LOG"
      restic unlock >> "$LOG" 2>&1
      sleep "$LOCK_WAIT"; continue
    fi
    return "$rc"
  done
}

# A backup that ran proves the installed credentials open the repository (facts/repo-check.ts).
mark_verified() {
  cat "$RESTIC_REPOSITORY_FILE" "$RESTIC_PASSWORD_FILE" | sha256sum | cut -d' ' -f1 > /var/lib/restic-fleet/repo-verified.tmp &&
    chmod 600 /var/lib/restic-fleet/repo-verified.tmp && mv -f /var/lib/restic-fleet/repo-verified.tmp /var/lib/restic-fleet/repo-verified
}

last_error() { grep -v '^\s*$' "$ERR" | tail -n 3 | tr '\n' ' ' | cut -c1-300; }

cmd=${1:-}; [ -n "$cmd" ] && shift
HOST='' SET='' VOLUME='' TAGS='' DAILY='' WEEKLY='' MONTHLY='' PRUNE=''
while [ $# -gt 0 ]; do
  case "$1" in
    --host) HOST=$2; shift 2 ;;
    --set) SET=$2; shift 2 ;;
    --volume) VOLUME=$2; shift 2 ;;
    --tag) TAGS="$TAGS --tag $2"; shift 2 ;;
    --daily) DAILY=$2; shift 2 ;;
    --weekly) WEEKLY=$2; shift 2 ;;
    --monthly) MONTHLY=$2; shift 2 ;;
    --prune) PRUNE=--prune; shift ;;
    *) die "unknown argument: $1" ;;
  esac
done
[ -n "$HOST" ] || die "--host is required"
# Names reach file paths: allow only what restic-fleet generates.
for v in "$SET" "$VOLUME" "$HOST"; do
  case "$v" in *[!A-Za-z0-9_.@:=+-]*) die "unsafe name: $v" ;; esac
done

mkdir -p "$LOG_DIR" "$STATUS_DIR" /var/lock
WORK=$(mktemp -d) || die "mktemp failed"
trap 'rm -rf "$WORK"' EXIT
OUT=$WORK/out ERR=$WORK/err

case "$cmd" in
backup)
  if [ -z "$SET" ] || [ -z "$VOLUME" ]; then die "backup needs --set and --volume"; fi
  NAME=$SET LOG="$LOG_DIR/$SET.log"
  exec 9> "/var/lock/restic-fleet-$SET.lock"
  if ! flock -n 9; then
    echo "$(now) previous run of $SET still running; skipped" >> "$LOG"
    exit 0
  fi
  START=$(now)
  write_status "$NAME" running "$START" "" null "" ""
  echo "$START backup $SET (volume $VOLUME) starting" >> "$LOG"
  MP=$(docker volume inspect --format '{{.Mountpoint}}' "$VOLUME" 2> "$ERR")
  if [ -z "$MP" ] || [ ! -d "$MP" ]; then
    write_status "$NAME" failed "$START" "$(now)" 2 "" "volume $VOLUME not found: $(last_error)"
    exit 2
  fi
  # shellcheck disable=SC2086 # TAGS holds validated words
  restic_retry backup --json --host "$HOST" --tag "restic-fleet:set=$SET" $TAGS "$MP"; rc=$?
  SNAP=$(sed -n 's/.*"message_type":"summary".*"snapshot_id":"\([0-9a-f]*\)".*/\1/p' "$OUT" | tail -n 1)
  [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] && mark_verified
  if [ "$rc" -eq 0 ]; then
    write_status "$NAME" ok "$START" "$(now)" 0 "$SNAP" ""
  elif [ "$rc" -eq 3 ]; then
    write_status "$NAME" failed "$START" "$(now)" 3 "$SNAP" "incomplete snapshot: some files could not be read"
  else
    write_status "$NAME" failed "$START" "$(now)" "$rc" "" "$(last_error)"
  fi
  echo "$(now) backup $SET finished with exit code $rc" >> "$LOG"
  exit "$rc"
  ;;
forget)
  if [ -z "$DAILY" ] || [ -z "$WEEKLY" ] || [ -z "$MONTHLY" ]; then die "forget needs --daily --weekly --monthly"; fi
  NAME=rotation LOG="$LOG_DIR/rotation.log"
  exec 9> /var/lock/restic-fleet-rotation.lock
  flock -n 9 || { echo "$(now) previous rotation still running; skipped" >> "$LOG"; exit 0; }
  START=$(now)
  write_status "$NAME" running "$START" "" null "" ""
  # Safety snapshots taken before a restore are kept until the date in their tag.
  TODAY=$(date -u +%Y-%m-%d)
  EXPIRED=
  if restic_retry snapshots --json --no-lock --host "$HOST" --tag "restic-fleet:pre-restore"; then
    EXPIRED=$(tr '{' '\n' < "$OUT" | sed -n 's/.*"restic-fleet:keep-until=\([0-9-]*\)".*"id":"\([0-9a-f]*\)".*/\1 \2/p' \
      | awk -v today="$TODAY" '$1 < today { print $2 }')
  fi
  # One policy per set: a set's snapshots share host and path (the volume's mountpoint).
  restic_retry forget --host "$HOST" --group-by host,paths --keep-tag "restic-fleet:pre-restore" \
    --keep-daily "$DAILY" --keep-weekly "$WEEKLY" --keep-monthly "$MONTHLY" $PRUNE; rc=$?
  if [ "$rc" -eq 0 ] && [ -n "$EXPIRED" ]; then
    # shellcheck disable=SC2086 # ids are hex
    restic_retry forget $PRUNE $EXPIRED; rc=$?
  fi
  if [ "$rc" -eq 0 ]; then
    write_status "$NAME" ok "$START" "$(now)" 0 "" ""
  else
    write_status "$NAME" failed "$START" "$(now)" "$rc" "" "$(last_error)"
  fi
  exit "$rc"
  ;;
*)
  die "usage: run backup|forget ..."
  ;;
esac
