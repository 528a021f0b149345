#!/bin/sh
# Entrypoint of the lab's rest-server image: the interface of the official restic/rest-server
# image around Debian's rest-server binary. Data in $DATA_DIRECTORY (/data), listens on :8000,
# users in $PASSWORD_FILE (/data/.htpasswd; created empty, so every request gets 401 until a
# user exists), extra flags in $OPTIONS, DISABLE_AUTHENTICATION adds --no-auth.
# RF_LAB_REST_SERVER_MODE (baked into the test-only tags):
#   slow  sleep RF_LAB_START_DELAY seconds (default 8) first   (restic-fleet/rest-server:lab-slow)
#   dead  never listen: log a line now and then, until stopped (restic-fleet/rest-server:lab-dead)
# REST_SERVER_BIN replaces the binary in unit tests (test/unit/lab).
set -eu
DATA_DIRECTORY=${DATA_DIRECTORY:-/data}
PASSWORD_FILE=${PASSWORD_FILE:-$DATA_DIRECTORY/.htpasswd}
BIN=${REST_SERVER_BIN:-/usr/bin/rest-server}

# A sleeping shell must still stop at once on `docker stop` (it runs as pid 1: no default
# handlers), and live through the SIGHUP restic-fleet sends after changing .htpasswd (a
# handler, not an ignore: rest-server, exec'd below, installs its own).
trap 'exit 143' TERM INT
trap ':' HUP
pause() { sleep "$1" & wait $! || :; }

case ${RF_LAB_REST_SERVER_MODE:-} in
  dead)
    while :; do
      echo "rest-server: cannot start (lab-dead image)" >&2
      pause 2
    done ;;
  slow)
    delay=${RF_LAB_START_DELAY:-8}
    echo "rest-server: starting in ${delay}s (lab-slow image)" >&2
    i=0
    while [ "$i" -lt "$delay" ]; do pause 1; i=$((i + 1)); done ;; # a signal cuts one second short, not the delay
esac

# shellcheck disable=SC2086 # OPTIONS is a word list, as in the official image
set -- ${OPTIONS:-}
if [ -n "${DISABLE_AUTHENTICATION:-}" ]; then
  set -- --no-auth "$@"
else
  [ -f "$PASSWORD_FILE" ] || touch "$PASSWORD_FILE"
  [ -s "$PASSWORD_FILE" ] || echo "rest-server: no user exists in $PASSWORD_FILE: every request gets 401" >&2
fi
exec "$BIN" --path "$DATA_DIRECTORY" --htpasswd-file "$PASSWORD_FILE" "$@"
