#!/bin/sh
# shellcheck disable=SC2154 # variables and helpers of runner.sh: this file is inserted into it
# Restore drills and repository checks (issue 13 items 2-3): functions the runner calls,
# inserted into the runner text by desired/runner-script.ts before its dispatch.
#   run backup ...            records a manifest of what it saved (record_manifest)
#   run drill --host H --set SLUG --type T [type options] [--drill-max-bytes N] [--drill-timeout S]
#   run check --host H --subset 5   (percent; or n/t)
# Manifests are root-only (0600 in a 0700 dir): they list the set's file names.
MANIFEST_DIR=/var/lib/restic-fleet/manifest
DRILL_DIR=/var/lib/restic-fleet/drill
# Past this many files the manifest keeps count and size only (hashing would double the backup's reads).
MANIFEST_MAX_FILES=${RESTIC_FLEET_MANIFEST_MAX_FILES:-200000}
DRILL_MAX_BYTES=${RESTIC_FLEET_DRILL_MAX_BYTES:-10737418240}
DRILL_TIMEOUT=${RESTIC_FLEET_DRILL_TIMEOUT:-3600}
SUBSET=5% MANIFEST=0
SCRATCH=''

# The roots a set's files live under (absolute; restic restores them under target/<root>).
# shellcheck disable=SC2086 # PATHS holds checked absolute paths, globbing off
set_roots() { if [ "$TYPE" = docker-volume ]; then echo "$MP"; else printf '%s\n' $PATHS; fi; }

# find over base/<roots> (relative: ./var/lib/...), regular files only, with the set's exclude
# patterns applied the way find reads them (-name without "/", -path with); $2... are find's
# actions (e.g. -print0).
tree_find() { # base action...
  base=$1; shift
  ( cd "$base" || exit 2
    n=$#
    set_roots | while IFS= read -r r; do
      [ -e "./${r#/}" ] || continue
      ( set -- "$@" "./${r#/}"
        while IFS= read -r p; do
          [ -n "$p" ] || continue
          case "$p" in */*) set -- "$@" -path "./${p#/}" -prune -o ;; *) set -- "$@" -name "$p" -prune -o ;; esac
        done < "$WORK/exclude"
        i=0 # the actions came first: rotate them behind the root and the excludes
        while [ "$i" -lt "$n" ]; do set -- "$@" "$1"; shift; i=$((i + 1)); done
        find "$@" 2> /dev/null )
    done )
}
# Drops the lines of files listed in $WORK/volatile ("<field> ./path" lines in, same out).
drop_volatile() { awk 'FILENAME == ARGV[1] { v[$0]; next } { p = $0; sub(/^[^ ]+ +/, "", p); if (!(p in v)) print }' "$WORK/volatile" -; }
# "sha256  ./relative/path" of every file, sorted (C locale), without the volatile ones.
tree_hashes() { # base
  tree_find "$1" -type f -print0 | LC_ALL=C sort -z | ( cd "$1" && xargs -0 -r sha256sum ) | drop_volatile
}
# Count and bytes of the same files: "count bytes".
tree_totals() { # base
  tree_find "$1" -type f -printf '%s %p\n' | drop_volatile | awk '{ n++; b += $1 } END { printf "%d %.0f\n", n, b }'
}

# After a good backup of a volume or path set: count, bytes and hashes of the files as they
# were backed up (containers still stopped when the set stops them), tied to the snapshot.
record_manifest() {
  [ "$MANIFEST" = 1 ] || return 0
  case "$TYPE" in docker-volume | path) ;; *) return 0 ;; esac
  snap=$(grep '"message_type":"summary"' "$OUT" | tail -n 1 | sed -n 's/.*"snapshot_id":"\([0-9a-f]*\)".*/\1/p')
  [ -n "$snap" ] || return 0
  mkdir -p "$MANIFEST_DIR" && chmod 700 "$MANIFEST_DIR" || return 0
  m="$MANIFEST_DIR/$SET.manifest"
  # Files written since the backup began may differ from what restic read: listed as volatile,
  # left out of the comparison (a live volume without stop: true would fail every drill).
  : > "$WORK/volatile"
  tree_find / -type f -newermt "@$START_S" -print > "$WORK/volatile.new"
  cp "$WORK/volatile.new" "$WORK/volatile"
  t=$(tree_totals /) || return 0
  {
    echo "# restic-fleet manifest v1: the drill compares a restore of the snapshot with it"
    echo "snapshot $snap"
    echo "time $(now)"
    set_roots | sed 's/^/root /'
    sed 's/^/volatile /' "$WORK/volatile.new"
    echo "files ${t% *}"
    echo "bytes ${t#* }"
    if [ "${t% *}" -le "$MANIFEST_MAX_FILES" ]; then
      tree_hashes / > "$WORK/hashes"
      echo "digest $(sha256sum < "$WORK/hashes" | cut -d' ' -f1)"
      echo "--"
      cat "$WORK/hashes"
    else
      echo "digest - (over $MANIFEST_MAX_FILES files: count and size only)"
    fi
  } > "$m.tmp" && chmod 600 "$m.tmp" && mv -f "$m.tmp" "$m"
}

# The drill's result goes into the set's status record ("drill": flat object), keeping the rest.
write_drill() { # result message
  set -- "$1" "$(printf '%s' "$2" | tr -d '{}')" # the record's drill object stays flat
  f="$STATUS_DIR/$NAME.json"
  obj=$(printf '{"time":"%s","result":"%s","message":"%s","duration":%s,"snapshot":"%s","files":%s,"bytes":%s}' \
    "$(now)" "$1" "$(json_str "$2")" "$(json_num "$(($(date +%s) - START_S))")" "$D_SNAP" "$(json_num "$D_FILES")" "$(json_num "$D_BYTES")")
  if [ ! -s "$f" ]; then
    DURATION='' write_status "$NAME" skipped "" "" null "" "no backup recorded yet"
  fi
  obj_sed=$(printf '%s' "$obj" | sed 's/[\\&|]/\\&/g')
  sed -e "s|\"drill\":{[^}]*}|\"drill\":$obj_sed|" -e "s|\"drill\":null|\"drill\":$obj_sed|" "$f" > "$f.drill.tmp" &&
    chmod 0644 "$f.drill.tmp" && mv -f "$f.drill.tmp" "$f"
  frag="$STATUS_DIR/$NAME.drill.prom"
  l="job=\"$NAME\",type=\"$TYPE\""
  {
    echo "restic_fleet_drill_timestamp_seconds{$l} $(date +%s)"
    if [ "$1" = ok ]; then echo "restic_fleet_drill_ok{$l} 1"; else echo "restic_fleet_drill_ok{$l} 0"; fi
    echo "restic_fleet_drill_duration_seconds{$l} $(($(date +%s) - START_S))"
  } > "$frag.tmp" && chmod 0644 "$frag.tmp" && mv -f "$frag.tmp" "$frag"
  write_textfile
  echo "$(now) drill $NAME: $1${2:+: $2}" >> "$LOG"
  case "$1" in ok) exit 0 ;; skipped) exit 0 ;; *) exit 1 ;; esac
}

# Replaces the runner's exit trap: a drill stopped no containers (and must not start those a
# running backup of the set has stopped); the scratch space always goes.
drill_cleanup() {
  [ -z "$SCRATCH" ] || rm -rf "$SCRATCH"
  rm -rf "$WORK"
}

# Newest snapshot of the set by this host (restic lists oldest first): "id" to stdout.
newest_snapshot() {
  restic_retry snapshots --json --no-lock --host "$HOST" --tag "restic-fleet:set=$SET" || return 1
  tr '{' '\n' < "$OUT" | sed -n 's/.*"id":"\([0-9a-f]\{64\}\)".*/\1/p' | tail -n 1
}

# Restores the snapshot into the scratch dir under the size and time budget.
drill_restore() { # snapshot
  restic_retry stats --json --no-lock "$1" || { DRILL_MSG="restic stats failed: $(last_error "$ERR")"; return 1; }
  size=$(sed -n 's/.*"total_size":\([0-9]*\).*/\1/p' "$OUT")
  [ -n "$size" ] || { DRILL_MSG="restic stats printed no size"; return 1; }
  free=$(df -P -k "$DRILL_DIR" | awk 'NR == 2 { printf "%.0f", $4 * 1024 }')
  if [ "$size" -gt "$DRILL_MAX_BYTES" ]; then DRILL_MSG="refused: snapshot holds $size bytes, over the drill budget of $DRILL_MAX_BYTES (drill: {max_size})"; return 1; fi
  if [ "$size" -gt "$((free - free / 10))" ]; then DRILL_MSG="refused: snapshot holds $size bytes, $DRILL_DIR has $free free"; return 1; fi
  # A shared lock (not --no-lock): a prune running meanwhile would remove packs under the restore.
  # shellcheck disable=SC2086 # RETRY_LOCK is two words or none
  timeout --kill-after=30 "$DRILL_TIMEOUT" restic $RETRY_LOCK restore "$1" --target "$SCRATCH" > "$OUT" 2> "$ERR"; r_rc=$?
  cat "$OUT" "$ERR" >> "$LOG"
  if [ "$r_rc" -ne 0 ] && { [ "$r_rc" = "$LOCKED_EXIT" ] || grep -q 'repository is already locked' "$ERR"; }; then
    write_drill skipped "the repository is locked exclusively (a prune or check): no drill this time"
  fi
  case "$r_rc" in
    0) return 0 ;;
    124 | 137) DRILL_MSG="restore timed out after ${DRILL_TIMEOUT}s (drill: {timeout})" ;;
    *) DRILL_MSG="restore failed (exit $r_rc): $(last_error "$ERR")" ;;
  esac
  return 1
}

# A manifest field: "files", "bytes", "digest", "snapshot".
mfield() { sed -n "s/^$1 //p" "$WORK/manifest" | head -n 1; }

drill_files() {
  cp "$MANIFEST_DIR/$SET.manifest" "$WORK/manifest" 2> /dev/null || write_drill skipped "no manifest yet: the next successful backup records one"
  sed -n 's/^volatile //p' "$WORK/manifest" > "$WORK/volatile"
  D_SNAP=$(mfield snapshot)
  # The drill restores the snapshot the manifest describes (the set's newest good backup),
  # under the roots recorded with it (a volume's mountpoint may have moved since).
  MP=$(sed -n 's/^root //p' "$WORK/manifest" | head -n 1) PATHS=$(sed -n 's/^root //p' "$WORK/manifest" | tr '\n' ' ')
  drill_restore "$D_SNAP" || write_drill failed "$DRILL_MSG"
  t=$(tree_totals "$SCRATCH") D_FILES=${t% *} D_BYTES=${t#* }
  [ "$D_FILES" = "$(mfield files)" ] || write_drill failed "file count differs: restored $D_FILES, manifest $(mfield files) (snapshot $D_SNAP)"
  [ "$D_BYTES" = "$(mfield bytes)" ] || write_drill failed "total size differs: restored $D_BYTES bytes, manifest $(mfield bytes) (snapshot $D_SNAP)"
  case "$(mfield digest)" in -*) write_drill ok "$D_FILES files, $D_BYTES bytes (over $MANIFEST_MAX_FILES files: hashes not compared)" ;; esac
  tree_hashes "$SCRATCH" > "$WORK/restored"
  sed '1,/^--$/d' "$WORK/manifest" > "$WORK/expected"
  [ "$(sha256sum < "$WORK/expected" | cut -d' ' -f1)" = "$(mfield digest)" ] || write_drill failed "the manifest does not match its own digest (altered)"
  if ! cmp -s "$WORK/expected" "$WORK/restored"; then
    first=$(diff "$WORK/expected" "$WORK/restored" | sed -n 's/^[<>] [0-9a-f]*  \.\///p' | head -n 1)
    write_drill failed "content differs from the manifest: first at /$first (snapshot $D_SNAP)"
  fi
  write_drill ok "$D_FILES files, $D_BYTES bytes, sha256 of every file matched (snapshot $D_SNAP)"
}

# Database sets: the dump in the newest snapshot is complete (its tool's end marker) and not empty.
drill_dump() {
  D_SNAP=$(newest_snapshot) || write_drill failed "restic snapshots failed: $(last_error "$ERR")"
  [ -n "$D_SNAP" ] || write_drill skipped "no snapshot of the set yet"
  drill_restore "$D_SNAP" || write_drill failed "$DRILL_MSG"
  f="$SCRATCH/$SET-${DATABASE:-all-databases}.sql"
  [ -f "$f" ] || write_drill failed "the snapshot $D_SNAP holds no /$SET-${DATABASE:-all-databases}.sql"
  D_FILES=1 D_BYTES=$(stat -c %s "$f")
  [ "$D_BYTES" -gt 0 ] || write_drill failed "the dump in snapshot $D_SNAP is empty"
  # pg_dump 15+ may print "\unrestrict <key>" after its marker: look at the last lines.
  if tail -n 5 "$f" | grep -Eq '^-- (PostgreSQL database (cluster )?dump complete|Dump completed( on|$))'; then
    write_drill ok "dump of $D_BYTES bytes, complete (end marker found; snapshot $D_SNAP)"
  fi
  write_drill failed "the dump in snapshot $D_SNAP has no end marker: it is incomplete ($D_BYTES bytes)"
}

run_drill() {
  [ -n "$SET" ] || die "drill needs --set"
  case "$DRILL_MAX_BYTES$DRILL_TIMEOUT" in *[!0-9]*) die "--drill-max-bytes and --drill-timeout need numbers" ;; esac
  NAME=$SET LOG="$LOG_DIR/$SET.drill.log"
  # Drills never overlap themselves; a backup may run meanwhile (restic's locks are shared).
  exec 9> "/var/lock/restic-fleet-drill-$SET.lock"
  flock -n 9 || { echo "$(now) previous drill of $SET still running; skipped" >> "$LOG"; exit 0; }
  cap_log
  START=$(now) START_S=$(date +%s) D_SNAP='' D_FILES='' D_BYTES='' DRILL_MSG=''
  echo "$START drill $SET ($TYPE) starting" >> "$LOG"
  trap drill_cleanup EXIT
  { mkdir -p "$DRILL_DIR" && chmod 700 "$DRILL_DIR"; } || write_drill failed "cannot create $DRILL_DIR"
  SCRATCH=$(mktemp -d "$DRILL_DIR/$SET.XXXXXX") || write_drill failed "mktemp in $DRILL_DIR failed"
  case "$TYPE" in
    docker-volume | path) drill_files ;;
    postgres | mysql | mariadb) drill_dump ;;
    *) die "unknown set type: $TYPE" ;;
  esac
}

# restic check --read-data-subset on the one designated client of the repository.
run_check() {
  case "$SUBSET" in *[!0-9./%]* | '') die "--subset needs N (percent) or n/t" ;; */* | *%) ;; *) SUBSET="$SUBSET%" ;; esac
  begin_job check
  restic_retry check --read-data-subset="$SUBSET"; rc=$?
  if [ "$rc" -eq 0 ]; then finish ok 0 "" "read $SUBSET of the data: no errors${UNLOCKED:+; $UNLOCKED}"; fi
  msg=$(cat "$OUT" "$ERR" | sed "s/${ESC}\[[0-9;]*[A-Za-z]//g" | grep -i 'error\|fatal\|ciphertext\|damaged\|invalid' | head -n 3 | tr '\n' ' ' | cut -c1-300)
  finish failed "$rc" "" "${msg:-$(last_error "$ERR")}"
}
