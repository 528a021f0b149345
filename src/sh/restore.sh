#!/bin/sh
# shellcheck shell=sh
# Restore's functions besides the job (restore/script.ts): the repository from the installed
# credential files, the read-only preflight, and the launcher. Preflight output is
# "@@rf <key>" lines each followed by one value line (base64 where it could hold anything).

restore_env() {
  export RESTIC_REPOSITORY_FILE=@REPOSITORY_FILE@
  export RESTIC_PASSWORD_FILE=@PASSWORD_FILE@
  export RESTIC_CACHE_DIR=@CACHE_DIR@
}

# Runs a command; prints "<exit code> <base64 stdout> <base64 stderr>" on one line.
cap() {
  RF_T=$(mktemp -d) || { echo "99 - -"; return; }
  "$@" > "$RF_T/o" 2> "$RF_T/e"; RF_RC=$?
  printf '%s %s %s\n' "$RF_RC" "$(base64 -w0 < "$RF_T/o")" "$(base64 -w0 < "$RF_T/e")"
  rm -rf "$RF_T"
}

preflight_host() { # restic and the credentials
  sec restic; restic version 2>/dev/null | head -n 1 | grep . || echo -
  sec credentials; if [ -r @REPOSITORY_FILE@ ] && [ -r @PASSWORD_FILE@ ]; then echo yes; else echo no; fi
}

preflight_volume() { # volume: where it lives, its driver, the containers using it
  RF_MP=$(docker volume inspect --format '{{.Mountpoint}}' "$1" 2>/dev/null)
  sec mountpoint; printf '%s' "$RF_MP" | b64
  sec mountpoint-real; if [ -n "$RF_MP" ]; then realpath -m "$RF_MP" | b64; else echo; fi
  sec mountpoint-is-mount; if [ -n "$RF_MP" ] && mountpoint -q "$RF_MP"; then echo yes; else echo no; fi
  sec volume-driver; docker volume inspect --format '{{.Driver}} {{len .Options}}' "$1" 2>/dev/null || echo -
  sec containers; docker ps -a --filter "volume=$1" --format '{{.Names}} {{.State}}' 2>/dev/null | b64
}

preflight_target() { # path
  sec target-real; realpath -m "$1" | b64
  sec target-state
  if [ ! -e "$1" ]; then echo absent; elif [ ! -d "$1" ]; then echo not-a-directory; elif [ -z "$(ls -A "$1")" ]; then echo empty; else echo non-empty; fi
}

# Writes the job script from stdin and its first status; old runs' files (30 days) are
# pruned, journals and container lists never.
launch_prepare() { # restore-dir script status run
  mkdir -p "$1" && chmod 0700 "$1" || exit 1
  find "$1" -maxdepth 1 -type f -mtime +30 \( -name '*.sh' -o -name '*.log' -o -name '*.status' \) -delete 2>/dev/null
  cat > "$2" || exit 1
  printf 'run %s\nphase queued\noutcome running\n' "$4" > "$3"
  command -v setsid >/dev/null || { echo 'setsid (util-linux) is missing on this host' >&2; exit 1; }
}

# Whether the job is alive (its pid runs this run's script), then its status file: in this
# order, so "not alive" with a running status means it died without finishing.
poll_job() { # status-file run
  RF_PID=$(sed -n 's/^pid //p' "$1" 2>/dev/null)
  if [ -n "$RF_PID" ] && tr '\0' ' ' < "/proc/$RF_PID/cmdline" 2>/dev/null | grep -qF -- "$2"; then RF_ALIVE=yes; else RF_ALIVE=no; fi
  if [ -f "$1" ]; then cat "$1"; else echo 'outcome missing'; fi
  echo "alive $RF_ALIVE"
}

# After the recover run: its status, then whether each container runs.
recovered_state() { # recover-status-file container...
  cat "$1" 2>/dev/null || echo 'outcome missing'
  shift
  for RF_C do echo "container $RF_C $(docker inspect -f '{{.State.Running}}' "$RF_C" 2>/dev/null || echo missing)"; done
}
