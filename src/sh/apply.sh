#!/bin/sh
# shellcheck shell=sh
# The apply script's functions (apply/script.ts renders one call per planned op). It stops
# at the first failure and reports per change: "@@rf ok <change-id>",
# "@@rf fail <change-id> <base64 message>", "@@rf repo <code> <base64 stderr>",
# "@@rf restic-version <x.y.z or ->" (before the first repo line), "@@rf stale <generation>".

ok() { echo "@@rf ok $1"; }
fail() { echo "@@rf fail $1 $(printf '%s' "$2" | base64 -w0)"; exit 1; }
run_step() { # change-id command...: runs it, output captured, fails the script on error
  RF_ID=$1; shift
  RF_OUT=$("$@" 2>&1) || fail "$RF_ID" "$(printf '%s' "$RF_OUT" | tail -n 5)"
}
write_file() { # change-id path mode — content is the next base64 line on stdin
  IFS= read -r RF_B64 || fail "$1" "stdin ended early"
  RF_D=$(dirname "$2"); mkdir -p "$RF_D" || fail "$1" "cannot create $RF_D"
  rm -f "$RF_D"/.rf.?????? # temp files of a run killed mid-write (we hold the host lock: none is live)
  RF_T=$(mktemp "$RF_D/.rf.XXXXXX") || fail "$1" "mktemp in $RF_D failed"
  if printf '%s' "$RF_B64" | base64 -d > "$RF_T" && chown root:root "$RF_T" && chmod "$3" "$RF_T" && mv -f "$RF_T" "$2"; then :; else
    rm -f "$RF_T"; fail "$1" "writing $2 failed"
  fi
}
http_answers() { # port: does anything answer HTTP on 127.0.0.1:port? (any status, 401 included)
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -m 2 "http://127.0.0.1:$1/"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -T 2 -t 1 -O /dev/null "http://127.0.0.1:$1/"; RF_W=$?
    [ "$RF_W" = 0 ] || [ "$RF_W" = 8 ] # 8: the server answered with an error status
  elif command -v bash >/dev/null 2>&1; then
    # shellcheck disable=SC2016 # $0 is bash's, expanded by the inner bash
    timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" && printf "GET / HTTP/1.0\r\n\r\n" >&3 && head -c 5 <&3' "$1" 2>/dev/null | grep -q '^HTTP/'
  else
    timeout 3 python3 -c 'import http.client,sys; c=http.client.HTTPConnection("127.0.0.1",int(sys.argv[1]),timeout=2); c.request("GET","/"); c.getresponse()' "$1" 2>/dev/null
  fi
}
await_http() { # change-id container port timeout-seconds
  RF_END=$(( $(date +%s) + $4 ))
  until http_answers "$3"; do
    if [ "$(date +%s)" -ge "$RF_END" ]; then
      RF_ST=$(docker inspect -f '{{.State.Status}}, exit code {{.State.ExitCode}}, {{.RestartCount}} restarts' "$2" 2>&1)
      fail "$1" "container $2 did not answer HTTP on port $3 within $4 s (state: $RF_ST); its last log lines:
$(docker logs --tail 10 "$2" 2>&1)"
    fi
    sleep 0.5
  done
}
# The whole run holds the host's restic-fleet lock (restore and other runs take it too).
apply_lock() {
  mkdir -p /var/lock
  exec 8> @HOST_LOCK@
  flock -w 300 8 || fail lock "another restic-fleet run holds @HOST_LOCK@ (waited 300 s)"
}

# A plan made before another run's apply is stale: exit 0 with a marker, so the engine
# reports the host as planned on stale facts, not as failed.
guard_generation() { # generation the plan saw
  RF_GEN=$(cat @GENERATION_FILE@ 2>/dev/null || echo 0)
  [ "$RF_GEN" = "$1" ] || { echo "@@rf stale $RF_GEN"; exit 0; }
}
bump_generation() {
  if ! { mkdir -p "$(dirname @GENERATION_FILE@)" && echo $((RF_GEN + 1)) > @GENERATION_FILE@.tmp && mv -f @GENERATION_FILE@.tmp @GENERATION_FILE@; }; then
    fail generation "cannot write @GENERATION_FILE@"
  fi
}

# The installed restic's version (after a package op of this run), so the repo line's exit code reads right.
restic_version() {
  RF_V=$(restic version 2>/dev/null | sed -n '1s/^restic \([0-9][0-9.]*\).*/\1/p')
  echo "@@rf restic-version ${RF_V:--}"
}

# Init only when the repository certainly does not exist: exit 10 on restic >= 0.17, else
# (0.14 exits 1 for everything) by its stderr, never after a 401 or a wrong password.
repo_init() {
  RF_R=$(repo_check_files @REPOSITORY_FILE@ @PASSWORD_FILE@)
  RF_ERR=$(printf '%s' "${RF_R#* }" | base64 -d)
  RF_CODES=; [ -n "$RF_V" ] && [ "$(printf '%s\n0.17.0\n' "$RF_V" | sort -V | head -n 1)" = 0.17.0 ] && RF_CODES=1
  if [ "${RF_R%% *}" != 0 ] && { { [ -n "$RF_CODES" ] && [ "${RF_R%% *}" = 10 ]; } || { printf '%s' "$RF_ERR" | grep -q 'unable to open config file' \
     && printf '%s' "$RF_ERR" | grep -qiE 'does not exist|no such file|404' \
     && ! printf '%s' "$RF_ERR" | grep -qiE '401|unauthorized|wrong password'; }; }; then
    RF_OUT=$(restic --repository-file @REPOSITORY_FILE@ --password-file @PASSWORD_FILE@ init 2>&1) || true
    RF_R=$(repo_check_files @REPOSITORY_FILE@ @PASSWORD_FILE@)
  fi
  echo "@@rf repo $RF_R"
}
repo_verify() { echo "@@rf repo $(repo_check_files @REPOSITORY_FILE@ @PASSWORD_FILE@)"; }
