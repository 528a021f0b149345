#!/bin/sh
# shellcheck shell=sh
# The snapshot report's probe (facts/snapshots.ts): a client's snapshots (read-only,
# --no-lock, with the installed credential files) and the runner's status file per set.

snapshots_of() { # host
  RF_T=$(mktemp -d) || exit 1
  timeout 120 restic --repository-file @REPOSITORY_FILE@ --password-file @PASSWORD_FILE@ --no-lock snapshots --json --host "$1" > "$RF_T/out" 2> "$RF_T/err"
  RF_RC=$?
  sec snapshots-exit; echo "$RF_RC"
  sec snapshots; b64 < "$RF_T/out"
  sec snapshots-err; tail -n 3 "$RF_T/err" | b64
  rm -rf "$RF_T"
}
status_of() { # set slug...
  for RF_S do
    sec status "$RF_S"; if [ -f "@STATUS_DIR@/$RF_S.json" ]; then b64 < "@STATUS_DIR@/$RF_S.json"; else echo; fi
  done
}
