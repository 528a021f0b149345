#!/bin/sh
# shellcheck disable=SC2317 # functions run from traps; shellcheck misreads exit-calling helpers
# restic-fleet runner — managed by restic-fleet, do not edit (changes are overwritten).
#   run backup --host H --set SLUG [--type T] [type options] [--pre] [--post] [--hook-timeout S] [--ping] [--tag TAG]...
#     --type docker-volume --volume VOLUME [--stop | --stop-container NAME...]
#     --type path --path PATH... [--exclude PATTERN...]
#     --type postgres|mysql|mariadb --container NAME [--database DB] [--dump-timeout S]
#   run forget --host H --daily N --weekly N --monthly N [--prune]
#   run prune --host H            (one designated client per shared repository)
#   run drill ... / run check ...  (restore drills and repository checks: runner-drill.sh)
# Credentials come from root-only files; output goes to /var/log/restic-fleet/<name>.log;
# the last run of each job is recorded in /var/lib/restic-fleet/status/<name>.json.
# Hooks (/etc/restic-fleet/<set>.pre|.post) and ping URLs (/etc/restic-fleet/<set>.ping) are
# root-only files; the flags say whether to use them, so a removed set's leftovers never run.
set -u
umask 077
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export RESTIC_REPOSITORY_FILE=/etc/restic-fleet/repository
export RESTIC_PASSWORD_FILE=/etc/restic-fleet/password
export RESTIC_CACHE_DIR=/var/cache/restic-fleet
ETC_DIR=/etc/restic-fleet
STATUS_DIR=/var/lib/restic-fleet/status
LOG_DIR=/var/log/restic-fleet
CRON_FILE=/etc/cron.d/restic-fleet
# Containers a backup stopped, one file per set: the next run starts them if this one was killed.
STOPPED_DIR=/var/lib/restic-fleet/stopped
LOCK_RETRIES=${RESTIC_FLEET_LOCK_RETRIES:-6}
LOCK_WAIT=${RESTIC_FLEET_LOCK_WAIT:-30}
# A repository lock older than this (seconds), held by a dead process of this host, is stale.
STALE_LOCK_AGE=${RESTIC_FLEET_STALE_LOCK_AGE:-7200}
# Size cap of each log: past it the log is copied to <name>.log.1 and emptied (two files at most).
LOG_MAX_BYTES=${RESTIC_FLEET_LOG_MAX_BYTES:-5242880}
# Settings of this host (restic_textfile_path → TEXTFILE), written by restic-fleet with quoted values.
TEXTFILE=''
# shellcheck disable=SC1091 # installed next to the credentials
[ -f "$ETC_DIR/runner.conf" ] && . "$ETC_DIR/runner.conf"

die() { echo "restic-fleet run: $*" >&2; exit 2; }
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
# JSON string escaping for the status file (backslash, quote, control characters).
json_str() { printf '%s' "$1" | tr -d '\000-\010\013-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr '\n\t' '  '; }
# A number for JSON, or null.
json_num() { case "$1" in '' | *[!0-9]*) printf null ;; *) printf '%s' "$1" ;; esac; }

# The status record of a job. Beyond its arguments it reads TYPE, DURATION, FILES_NEW,
# FILES_CHANGED, BYTES_ADDED, STOPPED, UNLOCKED; "drill" and "check" (written by those jobs,
# flat objects) are carried over from the previous record.
write_status() { # name status start end exit snapshot message
  mkdir -p "$STATUS_DIR"
  tmp="$STATUS_DIR/.$1.json.tmp"
  prev=$(cat "$STATUS_DIR/$1.json" 2> /dev/null)
  drill=$(printf '%s' "$prev" | sed -n 's/.*"drill":\({[^}]*}\).*/\1/p')
  check=$(printf '%s' "$prev" | sed -n 's/.*"check":\({[^}]*}\).*/\1/p')
  # The newest snapshot this job made, kept through runs that made none: the apply's report
  # reads it from this record instead of asking restic (one round trip per host).
  if [ "$2" = ok ] && [ -n "$6" ]; then
    last=$6 last_time=$3
  else
    last=$(printf '%s' "$prev" | sed -n 's/.*"last_snapshot":"\([0-9a-f]*\)".*/\1/p')
    last_time=$(printf '%s' "$prev" | sed -n 's/.*"last_snapshot_time":"\([0-9TZ:.+-]*\)".*/\1/p')
  fi
  printf '{"name":"%s","status":"%s","start":"%s","end":"%s","exit":%s,"snapshot":"%s","message":"%s","type":"%s","duration":%s,"files_new":%s,"files_changed":%s,"bytes_added":%s,"stopped":"%s","unlocked":"%s","last_snapshot":"%s","last_snapshot_time":"%s","drill":%s,"check":%s}\n' \
    "$1" "$2" "$3" "$4" "$5" "$6" "$(json_str "$7")" "$TYPE" "$(json_num "$DURATION")" "$(json_num "$FILES_NEW")" \
    "$(json_num "$FILES_CHANGED")" "$(json_num "$BYTES_ADDED")" "$(json_str "$STOPPED")" "$(json_str "$UNLOCKED")" \
    "$last" "$last_time" "${drill:-null}" "${check:-null}" > "$tmp" && chmod 0644 "$tmp" && mv -f "$tmp" "$STATUS_DIR/$1.json"
}

# Copy-truncate past the size cap: cron's ">>" descriptor keeps appending to the same file.
cap_log() {
  size=$(stat -c %s "$LOG" 2> /dev/null || echo 0)
  [ "$size" -gt "$LOG_MAX_BYTES" ] || return 0
  cp -f "$LOG" "$LOG.1" && : > "$LOG"
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

# The last lines of a tool's stderr for the status message, without terminal escapes (restic 0.14's "\e[2K").
ESC=$(printf '\033')
last_error() { grep -v '^\s*$' "$1" | sed "s/${ESC}\[[0-9;]*[A-Za-z]//g" | tail -n 3 | tr '\n' ' ' | cut -c1-300 | sed 's/ *$//'; }

# Stale locks: a lock older than STALE_LOCK_AGE whose holder ran on this host and is gone
# (a killed run) blocks every later job. Plain `restic unlock` removes only stale locks
# (never --remove-all); what was found goes into the status record (UNLOCKED).
clear_stale_locks() {
  restic --no-lock list locks > "$WORK/locks" 2>> "$LOG" || return 0
  me=$(uname -n) t_now=$(date +%s) found=''
  while read -r id; do
    case "$id" in '' | *[!0-9a-f]*) continue ;; esac
    restic --no-lock cat lock "$id" 2> /dev/null | tr -d ' \n\t' > "$WORK/lock" || continue
    l_host=$(sed -n 's/.*"hostname":"\([^"]*\)".*/\1/p' "$WORK/lock")
    l_pid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$WORK/lock")
    l_time=$(sed -n 's/.*"time":"\([^"]*\)".*/\1/p' "$WORK/lock")
    l_s=$(date -d "$l_time" +%s 2> /dev/null) || continue
    if [ "$l_host" != "$me" ] || [ -z "$l_pid" ] || [ $((t_now - l_s)) -le "$STALE_LOCK_AGE" ]; then continue; fi
    kill -0 "$l_pid" 2> /dev/null && continue
    found="$found${found:+, }$(printf '%.8s' "$id") (pid $l_pid, since $l_time)"
  done < "$WORK/locks"
  [ -n "$found" ] || return 0
  echo "$(now) stale repository lock(s) of dead processes on this host: $found; restic unlock" >> "$LOG"
  if restic unlock >> "$LOG" 2>&1; then UNLOCKED="removed stale lock $found"; else UNLOCKED="stale lock $found: restic unlock failed"; fi
}

# Healthchecks-style pings: the URL (a secret) is read from the root-only file and handed to
# curl/wget on stdin, never in argv; their output is dropped (an error names the URL).
ping_url() { # suffix: /start, "" (success) or /<exit code>
  [ "$PING" = 1 ] || return 0
  [ -r "$ETC_DIR/$SET.ping" ] || { echo "$(now) ping file missing" >> "$LOG"; return 0; }
  url="$(cat "$ETC_DIR/$SET.ping")$1"
  if command -v curl > /dev/null 2>&1; then
    printf 'url = "%s"\n' "$url" | timeout 60 curl -fsS -m 10 --retry 2 -o /dev/null -K - > /dev/null 2>&1
  elif command -v wget > /dev/null 2>&1 && [ "$(readlink -f "$(command -v wget)")" = "$(readlink -f "$(command -v wget)" | sed 's/busybox$//')" ]; then
    printf '%s\n' "$url" | timeout 60 wget -q -T 10 -t 2 -O /dev/null -i - > /dev/null 2>&1
  elif [ "${url#http://}" != "$url" ] && command -v bash > /dev/null 2>&1; then
    # Neither curl nor GNU wget (busybox wget has no -i): plain HTTP through bash's /dev/tcp.
    # shellcheck disable=SC2016 # bash expands it
    printf '%s\n' "$url" | timeout 30 bash -c 'IFS= read -r u; u=${u#http://}; hp=${u%%/*}; p=/${u#*/}; [ "$hp" = "$u" ] && p=/
      h=${hp%:*}; port=${hp##*:}; [ "$port" = "$hp" ] && port=80
      exec 3<> "/dev/tcp/$h/$port" || exit 7
      printf "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n" "$p" "$hp" >&3
      IFS= read -r status <&3; case "$status" in "HTTP/"*" 2"*) exit 0 ;; *) exit 22 ;; esac' > /dev/null 2>&1
  else
    echo "$(now) ping ${1:-success} skipped: neither curl nor GNU wget is installed (https needs one)" >> "$LOG"; return 0
  fi
  p_rc=$?
  [ "$p_rc" -eq 0 ] || echo "$(now) ping ${1:-success} failed (exit $p_rc)" >> "$LOG"
}

# Hooks run as root with a timeout; RF_SET, RF_PHASE (and RF_EXIT for post) tell them the run.
run_hook() { # pre|post
  f="$ETC_DIR/$SET.$1"
  [ -f "$f" ] || { HOOK_MSG="$1 hook file $f is missing"; return 2; }
  echo "$(now) $1 hook starting (timeout ${HOOK_TIMEOUT}s)" >> "$LOG"
  RF_SET=$SET RF_PHASE=$1 RF_EXIT=${rc:-} timeout --kill-after=10 "$HOOK_TIMEOUT" sh "$f" >> "$LOG" 2>&1 < /dev/null; h_rc=$?
  case "$h_rc" in
    0) return 0 ;;
    124 | 137) HOOK_MSG="$1 hook timed out after ${HOOK_TIMEOUT}s" ;;
    *) HOOK_MSG="$1 hook failed with exit code $h_rc" ;;
  esac
  echo "$(now) $HOOK_MSG" >> "$LOG"
  return "$h_rc"
}

# Containers stopped for a backup: recorded before stopping, started again by the EXIT trap,
# or by the next run of the set when this one was killed.
restart_stopped() {
  f="$STOPPED_DIR/$SET"
  [ -f "$f" ] || return 0
  left=''
  while read -r c; do
    [ -n "$c" ] || continue
    docker start "$c" >> "$LOG" 2>&1 || left="$left$c
"
  done < "$f"
  if [ -z "$left" ]; then rm -f "$f"; else printf '%s' "$left" > "$f"; echo "$(now) could not start again: $left" >> "$LOG"; fi
}

stop_containers() {
  if [ "$STOP" = 1 ]; then
    docker ps --filter "volume=$VOLUME" --format '{{.Names}}' > "$WORK/stop" 2>> "$LOG" || return 1
  else
    : > "$WORK/stop"
    for c in $STOP_LIST; do
      [ "$(docker inspect --format '{{.State.Running}}' "$c" 2> /dev/null)" = true ] && echo "$c" >> "$WORK/stop"
    done
  fi
  [ -s "$WORK/stop" ] || return 0
  mkdir -p "$STOPPED_DIR" && cat "$WORK/stop" >> "$STOPPED_DIR/$SET" || return 1
  STOPPED=$(tr '\n' ' ' < "$WORK/stop" | sed 's/ $//')
  echo "$(now) stopping: $STOPPED" >> "$LOG"
  # shellcheck disable=SC2046 # container names are single words
  docker stop $(cat "$WORK/stop") >> "$LOG" 2>&1
}

cleanup() {
  [ -n "$SET" ] && restart_stopped
  rm -rf "$WORK"
}

# The dump command that runs inside the database container (sh -c there): credentials come
# from that container's own environment, never from our argv. $1 is the database ('' = all),
# $2 the dump's time limit: enforced inside the container, because killing the docker exec
# client would leave the dump running there (with no timeout in the image, the host's
# backstop, a minute later, still ends the run).
dump_script() {
  # shellcheck disable=SC2016 # expanded inside the container
  printf '%s' 'w=; if timeout 5 true > /dev/null 2>&1; then w="timeout $2"; fi
'
  case "$TYPE" in
    postgres)
      # shellcheck disable=SC2016 # expanded inside the container
      printf '%s' 'if [ -n "${POSTGRES_PASSWORD:-}" ]; then PGPASSWORD=$POSTGRES_PASSWORD; export PGPASSWORD; fi
u=${POSTGRES_USER:-postgres}
if [ -n "$1" ]; then exec $w pg_dump -U "$u" --no-password "$1"; else exec $w pg_dumpall -U "$u" --no-password; fi' ;;
    mysql | mariadb)
      # shellcheck disable=SC2016 # expanded inside the container
      printf '%s' 'p=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
if [ -n "$p" ]; then MYSQL_PWD=$p; export MYSQL_PWD; fi
d=mysqldump; command -v mariadb-dump > /dev/null 2>&1 && d=mariadb-dump
if [ -n "$1" ]; then exec $w "$d" -uroot --single-transaction --routines --events --databases "$1"; else exec $w "$d" -uroot --single-transaction --routines --events --all-databases; fi' ;;
  esac
}
# The dump as one command: the host's timeout is a backstop a minute after the container's.
dump_command() {
  timeout --kill-after=10 "$((DUMP_TIMEOUT + 60))" docker exec -u "$(dump_user)" "$CONTAINER" sh -c "$(dump_script)" dump "$DATABASE" "$DUMP_TIMEOUT"
}
# postgres dumps as the postgres OS user (peer authentication on Debian's package, trust in the official image).
dump_user() { if [ "$TYPE" = postgres ]; then echo postgres; else echo root; fi; }

# restic 0.14-0.16 (no --stdin-from-command): restic reads a fifo whose writer this shell
# holds open, so restic cannot see the end of the stream before the dump's exit code is
# known. A failed dump interrupts restic (SIGINT) before it can save a snapshot.
stream_backup_fifo() {
  fifo=$WORK/dump.fifo
  rm -f "$fifo" && mkfifo "$fifo" || return 2
  restic "$@" < "$fifo" > "$OUT" 2> "$ERR" &
  r_pid=$!
  exec 8> "$fifo"
  dump_command >&8 2> "$WORK/dump.err"
  DUMP_RC=$?
  if [ "$DUMP_RC" -ne 0 ]; then kill -INT "$r_pid" 2> /dev/null; sleep 1; kill -TERM "$r_pid" 2> /dev/null; fi
  exec 8>&-
  wait "$r_pid"; s_rc=$?
  cat "$OUT" "$ERR" "$WORK/dump.err" >> "$LOG"
  # restic refused before reading (a held lock): the dump only lost its reader.
  grep -q 'repository is already locked' "$ERR" && DUMP_RC=0
  [ "$DUMP_RC" -eq 0 ] || return "$DUMP_RC"
  return "$s_rc"
}

# The backup of one database set: restic >= 0.17 runs the dump itself (a failing dump fails
# restic); older restic streams through stream_backup_fifo, retried while the lock is held.
database_backup() {
  name=${DATABASE:-all-databases}
  set -- backup --json --host "$HOST" --tag "restic-fleet:set=$SET" "$@" --stdin-filename "$SET-$name.sql"
  if version_at_least "$RESTIC_VERSION" 0.17.0; then
    restic_retry "$@" --stdin-from-command -- timeout --kill-after=10 "$((DUMP_TIMEOUT + 60))" docker exec -u "$(dump_user)" "$CONTAINER" sh -c "$(dump_script)" dump "$DATABASE" "$DUMP_TIMEOUT"
    rc=$?
    # restic relays the dump's stderr as "subprocess <its command>: …" lines, before or after its
    # own errors: kept apart, so the status message can give the dump's words first.
    sed -n 's/^subprocess [A-Za-z0-9_.-]*: //p' "$ERR" > "$WORK/dump.err"
    grep -v '^subprocess ' "$ERR" > "$WORK/err.restic"; mv -f "$WORK/err.restic" "$ERR"
    return "$rc"
  fi
  n=0
  while :; do
    DUMP_RC=0
    stream_backup_fifo "$@" --stdin; b_rc=$?
    if [ "$DUMP_RC" -eq 0 ] && [ "$b_rc" -ne 0 ] && grep -q 'repository is already locked' "$ERR" && [ "$n" -lt "$LOCK_RETRIES" ]; then
      n=$((n + 1)); echo "$(now) repository locked; retry $n/$LOCK_RETRIES in ${LOCK_WAIT}s" >> "$LOG"
      restic unlock >> "$LOG" 2>&1; sleep "$LOCK_WAIT"; continue
    fi
    return "$b_rc"
  done
}

# Per-set metrics for the node_exporter textfile: one fragment per job in STATUS_DIR (the
# drill and check jobs add theirs), merged into TEXTFILE atomically (tmp + mv).
write_metrics() { # name status exit
  frag="$STATUS_DIR/$1.prom"
  t=$(date +%s)
  last_ok=$(sed -n 's/^restic_fleet_last_success_timestamp_seconds{[^}]*} \([0-9]*\)$/\1/p' "$frag" 2> /dev/null)
  [ "$2" = ok ] && last_ok=$t
  l="job=\"$1\",type=\"$TYPE\""
  {
    echo "restic_fleet_last_run_timestamp_seconds{$l} $t"
    [ -n "$last_ok" ] && echo "restic_fleet_last_success_timestamp_seconds{$l} $last_ok"
    echo "restic_fleet_last_exit_code{$l} $3"
    echo "restic_fleet_last_duration_seconds{$l} ${DURATION:-0}"
    [ -n "$BYTES_ADDED" ] && echo "restic_fleet_last_bytes_added{$l} $BYTES_ADDED"
    [ -n "$FILES_NEW" ] && echo "restic_fleet_last_files_new{$l} $FILES_NEW"
    [ -z "$UNLOCKED" ] || echo "restic_fleet_last_stale_locks_removed{$l} 1"
  } > "$frag.tmp" && chmod 0644 "$frag.tmp" && mv -f "$frag.tmp" "$frag"
  write_textfile
}
write_textfile() {
  [ -n "$TEXTFILE" ] || return 0
  # node_exporter runs unprivileged: a directory made here must be traversable (umask is 077).
  (umask 022 && mkdir -p "$(dirname "$TEXTFILE")") || return 0
  tmp="$TEXTFILE.$$.tmp"
  # Sorted, one TYPE line per family: the text format wants a family's samples together.
  scheduled_fragments | LC_ALL=C sort | awk '{ m = $0; sub(/[{ ].*/, "", m); if (m != last) { print "# TYPE " m " gauge"; last = m } print }' > "$tmp" &&
    chmod 0644 "$tmp" && mv -f "$tmp" "$TEXTFILE"
}
# The fragments of the jobs the cron file still schedules (all of them without one): a
# removed set's fragment stays on disk but leaves the textfile, or its last success would
# grow old and fire "backup stopped" alerts for a set nobody backs up any more.
scheduled_fragments() {
  jobs=''
  [ -f "$CRON_FILE" ] && jobs=$(sed -n -e 's/.* --set \([^ ]*\) .*/\1/p' -e 's/.*\/run forget .*/rotation/p' -e 's/.*\/run prune .*/prune/p' -e 's/.*\/run check .*/check/p' "$CRON_FILE")
  set +f # the one glob of the runner
  for f in "$STATUS_DIR"/*.prom; do
    [ -f "$f" ] || continue
    j=${f##*/}; j=${j%.prom}; j=${j%.drill}
    if [ ! -f "$CRON_FILE" ] || printf '%s\n' "$jobs" | grep -qxF -- "$j"; then cat "$f"; fi
  done
  set -f
}

# Job bookkeeping: the record, the metrics and the exit.
finish() { # status exit snapshot message
  END_S=$(date +%s); DURATION=$((END_S - START_S))
  write_status "$NAME" "$1" "$START" "$(now)" "$2" "$3" "$4"
  write_metrics "$NAME" "$1" "$2"
  echo "$(now) $cmd $NAME finished with exit code $2${4:+: $4}" >> "$LOG"
  exit "$2"
}

# @runner-drill: src/sh/runner-drill.sh's functions go here (desired/runner-script.ts).

# The start of a maintenance job (rotation, prune, check): one run at a time, its log capped,
# a "running" record, stale locks of dead runs cleared.
begin_job() { # name
  NAME=$1 LOG="$LOG_DIR/$1.log" TYPE=$1
  exec 9> "/var/lock/restic-fleet-$1.lock"
  flock -n 9 || { echo "$(now) previous $1 still running; skipped" >> "$LOG"; exit 0; }
  cap_log
  START=$(now) START_S=$(date +%s)
  write_status "$NAME" running "$START" "" null "" ""
  clear_stale_locks
}

cmd=${1:-}; [ -n "$cmd" ] && shift
HOST='' SET='' VOLUME='' TAGS='' DAILY='' WEEKLY='' MONTHLY='' PRUNE='' TYPE=docker-volume STOP=0 STOP_LIST=''
PATHS='' CONTAINER='' DATABASE='' DUMP_TIMEOUT=21600 PRE=0 POST=0 HOOK_TIMEOUT=300 PING=0
DURATION='' FILES_NEW='' FILES_CHANGED='' BYTES_ADDED='' STOPPED='' UNLOCKED='' HOOK_MSG='' MSG='' DUMP_RC=0 LOG=/dev/null
WORK=$(mktemp -d) || die "mktemp failed"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
: > "$WORK/exclude"
# shellcheck disable=SC2034 # MANIFEST, SUBSET, DRILL_* are read by runner-drill.sh
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || case "$1" in --prune | --stop | --pre | --post | --ping | --manifest) ;; *) die "$1 needs a value" ;; esac
  case "$1" in
    --host) HOST=$2; shift 2 ;;
    --set) SET=$2; shift 2 ;;
    --type) TYPE=$2; shift 2 ;;
    --volume) VOLUME=$2; shift 2 ;;
    --stop) STOP=1; shift ;;
    --stop-container) STOP_LIST="$STOP_LIST $2"; shift 2 ;;
    --path) PATHS="$PATHS $2"; shift 2 ;;
    --exclude) printf '%s\n' "$2" >> "$WORK/exclude"; shift 2 ;;
    --container) CONTAINER=$2; shift 2 ;;
    --database) DATABASE=$2; shift 2 ;;
    --dump-timeout) DUMP_TIMEOUT=$2; shift 2 ;;
    --pre) PRE=1; shift ;;
    --post) POST=1; shift ;;
    --hook-timeout) HOOK_TIMEOUT=$2; shift 2 ;;
    --ping) PING=1; shift ;;
    --tag) TAGS="$TAGS --tag $2"; shift 2 ;;
    --daily) DAILY=$2; shift 2 ;;
    --weekly) WEEKLY=$2; shift 2 ;;
    --monthly) MONTHLY=$2; shift 2 ;;
    --prune) PRUNE=--prune; shift ;;
    --manifest) MANIFEST=1; shift ;;
    --subset) SUBSET=$2; shift 2 ;;
    --drill-max-bytes) DRILL_MAX_BYTES=$2; shift 2 ;;
    --drill-timeout) DRILL_TIMEOUT=$2; shift 2 ;;
    *) die "unknown argument: $1" ;;
  esac
done
[ -n "$HOST" ] || die "--host is required"
# Names reach file paths and words: allow only what restic-fleet generates.
for v in "$SET" "$VOLUME" "$HOST" "$TYPE" "$CONTAINER" "$DATABASE" $STOP_LIST; do
  case "$v" in *[!A-Za-z0-9_.@:=+-]*) die "unsafe name: $v" ;; esac
done
for v in $PATHS; do
  case "$v" in /*) ;; *) die "not an absolute path: $v" ;; esac
  case "$v" in *[!A-Za-z0-9_.@+/-]*) die "unsafe path: $v" ;; esac
done
case "$HOOK_TIMEOUT" in '' | *[!0-9]*) die "--hook-timeout needs seconds" ;; esac
case "$DUMP_TIMEOUT" in '' | *[!0-9]*) die "--dump-timeout needs seconds" ;; esac
set -f # paths and names are words, never globs

mkdir -p "$LOG_DIR" "$STATUS_DIR" /var/lock
OUT=$WORK/out ERR=$WORK/err
: > "$ERR"

case "$cmd" in
backup)
  [ -n "$SET" ] || die "backup needs --set"
  case "$TYPE" in
    docker-volume) [ -n "$VOLUME" ] || die "a docker-volume backup needs --volume" ;;
    path) [ -n "$PATHS" ] || die "a path backup needs --path" ;;
    postgres | mysql | mariadb) [ -n "$CONTAINER" ] || die "a $TYPE backup needs --container" ;;
    *) die "unknown set type: $TYPE" ;;
  esac
  NAME=$SET LOG="$LOG_DIR/$SET.log"
  exec 9> "/var/lock/restic-fleet-$SET.lock"
  if ! flock -n 9; then
    echo "$(now) previous run of $SET still running; skipped" >> "$LOG"
    SET='' # the running job owns the stopped containers
    exit 0
  fi
  cap_log
  START=$(now) START_S=$(date +%s)
  if [ -f "$STOPPED_DIR/$SET" ]; then
    echo "$START containers left stopped by an interrupted run: starting them" >> "$LOG"
    restart_stopped
  fi
  write_status "$NAME" running "$START" "" null "" ""
  echo "$START backup $SET ($TYPE) starting" >> "$LOG"
  ping_url /start
  if [ "$PRE" = 1 ] && ! run_hook pre; then
    ping_url /1
    finish failed 1 "" "backup skipped: $HOOK_MSG"
  fi
  clear_stale_locks
  # shellcheck disable=SC2086 # TAGS holds validated words
  set -- $TAGS
  case "$TYPE" in
    docker-volume)
      MP=$(docker volume inspect --format '{{.Mountpoint}}' "$VOLUME" 2> "$ERR")
      if [ -z "$MP" ] || [ ! -d "$MP" ]; then rc=2 MSG="volume $VOLUME not found: $(last_error "$ERR")"; else
        rc=0
        if [ "$STOP" = 1 ] || [ -n "$STOP_LIST" ]; then
          stop_containers || { rc=1 MSG="could not stop the containers using $VOLUME (see the log)"; }
        fi
        [ "$rc" -ne 0 ] || { restic_retry backup --json --host "$HOST" --tag "restic-fleet:set=$SET" "$@" "$MP"; rc=$?; }
        [ "$rc" -ne 0 ] || record_manifest # while the containers are still stopped
        restart_stopped
      fi
      ;;
    path)
      [ -s "$WORK/exclude" ] && set -- "$@" --exclude-file "$WORK/exclude"
      # shellcheck disable=SC2086 # PATHS holds checked absolute paths, globbing off
      restic_retry backup --json --host "$HOST" --tag "restic-fleet:set=$SET" "$@" $PATHS; rc=$?
      [ "$rc" -ne 0 ] || record_manifest
      ;;
    *)
      D_S=$(date +%s)
      database_backup "$@"; rc=$?
      # A dump ended at its limit exits 124 (coreutils) or 143 (busybox), and restic >= 0.17
      # reports that in its own words: a failure at the limit (not a lock wait) is the timeout.
      if [ "$rc" -ne 0 ] && [ "$(($(date +%s) - D_S))" -ge "$DUMP_TIMEOUT" ] && ! grep -q locked "$ERR"; then
        MSG="dump in container $CONTAINER timed out after ${DUMP_TIMEOUT}s"
      fi
      ;;
  esac
  SUMMARY=$(grep '"message_type":"summary"' "$OUT" 2> /dev/null | tail -n 1)
  SNAP=$(printf '%s' "$SUMMARY" | sed -n 's/.*"snapshot_id":"\([0-9a-f]*\)".*/\1/p')
  FILES_NEW=$(printf '%s' "$SUMMARY" | sed -n 's/.*"files_new":\([0-9]*\).*/\1/p')
  FILES_CHANGED=$(printf '%s' "$SUMMARY" | sed -n 's/.*"files_changed":\([0-9]*\).*/\1/p')
  BYTES_ADDED=$(printf '%s' "$SUMMARY" | sed -n 's/.*"data_added":\([0-9]*\).*/\1/p')
  if [ "${DUMP_RC:-0}" -ne 0 ]; then
    [ -n "$MSG" ] || MSG="dump in container $CONTAINER failed (exit $DUMP_RC): $(last_error "$WORK/dump.err")"
    [ -s "$ERR" ] && MSG="$MSG; restic: $(last_error "$ERR")"
    if [ -n "$SNAP" ]; then # the interrupt came too late: the snapshot of a failed dump must not stay
      if restic forget "$SNAP" >> "$LOG" 2>&1; then MSG="$MSG; its snapshot $SNAP was forgotten"; else MSG="$MSG; FORGETTING ITS SNAPSHOT $SNAP FAILED"; fi
      SNAP=''
    fi
    [ "$rc" -ne 0 ] || rc=1
  elif [ "$rc" -ne 0 ] && [ -z "${MSG:-}" ]; then
    MSG=$(last_error "$ERR")
    [ -s "$WORK/dump.err" ] && MSG="$(last_error "$WORK/dump.err"); restic: $MSG"
  fi
  if [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ]; then mark_verified; fi
  [ "$rc" -eq 3 ] && MSG="incomplete snapshot: some files could not be read"
  if [ "$POST" = 1 ] && ! run_hook post && [ "$rc" -eq 0 ]; then rc=1 MSG=$HOOK_MSG; fi
  if [ "$rc" -eq 0 ]; then ping_url ""; else ping_url "/$rc"; fi
  if [ "$rc" -eq 0 ]; then finish ok 0 "$SNAP" "${UNLOCKED:+$UNLOCKED}"; fi
  [ "$rc" -eq 3 ] || SNAP=''
  finish failed "$rc" "$SNAP" "${MSG:-}"
  ;;
forget)
  if [ -z "$DAILY" ] || [ -z "$WEEKLY" ] || [ -z "$MONTHLY" ]; then die "forget needs --daily --weekly --monthly"; fi
  begin_job rotation
  # Safety snapshots taken before a restore are kept until the date in their tag.
  TODAY=$(date -u +%Y-%m-%d)
  EXPIRED=''
  if restic_retry snapshots --json --no-lock --host "$HOST" --tag "restic-fleet:pre-restore"; then
    EXPIRED=$(tr '{' '\n' < "$OUT" | sed -n 's/.*"restic-fleet:keep-until=\([0-9-]*\)".*"id":"\([0-9a-f]*\)".*/\1 \2/p' \
      | awk -v today="$TODAY" '$1 < today { print $2 }')
  fi
  # One policy per set: a set's snapshots share host and path (the volume's mountpoint,
  # the set's paths, or /<set>-<database>.sql).
  # shellcheck disable=SC2086 # PRUNE is one word or none
  restic_retry forget --host "$HOST" --group-by host,paths --keep-tag "restic-fleet:pre-restore" \
    --keep-daily "$DAILY" --keep-weekly "$WEEKLY" --keep-monthly "$MONTHLY" $PRUNE; rc=$?
  if [ "$rc" -eq 0 ] && [ -n "$EXPIRED" ]; then
    # shellcheck disable=SC2086 # ids are hex
    restic_retry forget $PRUNE $EXPIRED; rc=$?
  fi
  if [ "$rc" -eq 0 ]; then finish ok 0 "" "$UNLOCKED"; fi
  finish failed "$rc" "" "$(last_error "$ERR")"
  ;;
prune)
  begin_job prune
  restic_retry prune; rc=$?
  if [ "$rc" -eq 0 ]; then finish ok 0 "" "$UNLOCKED"; fi
  finish failed "$rc" "" "$(last_error "$ERR")"
  ;;
drill) run_drill ;;
check) run_check ;;
*)
  die "usage: run backup|forget|prune|drill|check ..."
  ;;
esac
