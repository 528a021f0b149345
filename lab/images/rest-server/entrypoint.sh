#!/bin/sh
# Stand-in for the restic/rest-server image's entrypoint, on `rclone serve restic`.
# Same interface: data in $DATA_DIRECTORY (/data), listens on :8000, basic auth from
# $PASSWORD_FILE (/data/.htpasswd) required unless DISABLE_AUTHENTICATION is set,
# extra rest-server flags in $OPTIONS, mapped onto rclone's where rclone has them.
# RCLONE_BIN replaces the binary in unit tests (test/unit/lab).
set -eu
DATA_DIRECTORY=${DATA_DIRECTORY:-/data}
PASSWORD_FILE=${PASSWORD_FILE:-$DATA_DIRECTORY/.htpasswd}
listen=:8000
path=$DATA_DIRECTORY
htpasswd=$PASSWORD_FILE
noauth=${DISABLE_AUTHENTICATION:+1}
append_only= private_repos= debug= cert= key=

warn() { echo "rest-server (lab stand-in): $*" >&2; }

# shellcheck disable=SC2086 # OPTIONS is a word list, as in the real image
set -- ${OPTIONS:-}
while [ $# -gt 0 ]; do
  opt=$1; shift
  val=
  case $opt in
    --*=*) val=${opt#*=}; opt=${opt%%=*}; has_val=1 ;;
    *) has_val= ;;
  esac
  case $opt in
    --append-only) append_only=1 ;;
    --private-repos) private_repos=1 ;;
    --no-auth) noauth=1 ;;
    --debug) debug=1 ;;
    --listen|--path|--htpasswd-file|--tls-cert|--tls-key|--log|--max-size)
      if [ -z "$has_val" ]; then
        [ $# -gt 0 ] || { warn "$opt needs a value"; exit 2; }
        val=$1; shift
      fi
      case $opt in
        --listen) listen=$val ;;
        --path) path=$val ;;
        --htpasswd-file) htpasswd=$val ;;
        --tls-cert) cert=$val ;;
        --tls-key) key=$val ;;
        --log) warn "ignoring --log $val (rclone has no access log file)" ;;
        --max-size) warn "ignoring --max-size $val (rclone serve restic has no size limit)" ;;
      esac ;;
    --tls) : ;; # rclone serves TLS when --cert/--key are given
    --prometheus|--prometheus-no-auth|--no-verify-upload|--group-accessible-repos)
      warn "ignoring $opt (not supported by rclone serve restic)" ;;
    *) warn "unknown flag $opt"; exit 2 ;;
  esac
done

mkdir -p "$path"
set -- --config /dev/null --cache-dir /tmp/rclone serve restic --addr "$listen"
if [ -z "$noauth" ]; then
  # As the real image: create an empty password file, so every request is refused until a user exists.
  [ -f "$htpasswd" ] || touch "$htpasswd"
  [ -s "$htpasswd" ] || warn "no user exists in $htpasswd: every request gets 401"
  set -- "$@" --htpasswd "$htpasswd"
fi
[ -z "$append_only" ] || set -- "$@" --append-only
[ -z "$private_repos" ] || set -- "$@" --private-repos
[ -z "$debug" ] || set -- "$@" -vv
[ -z "$cert" ] || set -- "$@" --cert "$cert"
[ -z "$key" ] || set -- "$@" --key "$key"
RCLONE=${RCLONE_BIN:-/usr/bin/rclone}
[ -z "$noauth" ] || exec "$RCLONE" "$@" "$path"

# rest-server re-reads its htpasswd file within 30 s of a change (adding a user needs no
# restart); rclone reads it once, so restart rclone when the file changes (inode, size or
# mtime: restic-fleet replaces it atomically, which always gives a new inode).
sig() { stat -c '%i %s %Y' "$htpasswd" 2>/dev/null || echo none; }
child=
trap '[ -z "$child" ] || kill -TERM "$child" 2>/dev/null; wait; exit 143' TERM INT
while :; do
  last=$(sig)
  "$RCLONE" "$@" "$path" &
  child=$!
  while kill -0 "$child" 2>/dev/null; do
    sleep 1
    if [ "$(sig)" != "$last" ]; then
      warn "$htpasswd changed: reloading"
      kill -TERM "$child" 2>/dev/null; wait "$child" || true
      continue 2
    fi
  done
  rc=0; wait "$child" || rc=$?
  exit "$rc"
done
