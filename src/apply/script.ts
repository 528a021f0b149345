import { HOST_LOCK, PASSWORD_FILE, REPOSITORY_FILE } from '../desired/runner-script.js';
import path from 'node:path';
import { GENERATION_FILE } from '../facts/probe.js';
import { REPO_CHECK_FUNCTION } from '../facts/repo-check.js';
import type { PlannedChange } from '../plan/ops.js';
import { joinShell, script, sh, type ShellText } from '../remote/shell.js';
import { reveal } from '../secret.js';

/**
 * Turns a host's planned ops into one shell script (one round trip) plus its stdin.
 * File contents travel on stdin, one base64 line per file, so secrets never appear in
 * the command. Every write is atomic (temp file in the same directory, then rename)
 * with exact owner and mode, and the whole run holds the host's restic-fleet lock.
 * The script stops at the first failure and reports per change:
 *   @@rf ok <change-id> | @@rf fail <change-id> <base64 message> | @@rf repo <code> <base64 stderr>
 *   | @@rf restic-version <x.y.z or -> (before the first repo line)
 */
export interface ApplyScript {
  command: ShellText;
  stdin: string;
}

const PRELUDE = script(`set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
umask 077
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
mkdir -p /var/lock
exec 8> ${HOST_LOCK}
flock -w 300 8 || fail lock "another restic-fleet run holds ${HOST_LOCK} (waited 300 s)"
`);

/** The installed restic's version (after a package op of this run), so the repo line's exit code reads right. */
const VERSION = script(`RF_V=$(restic version 2>/dev/null | sed -n '1s/^restic \\([0-9][0-9.]*\\).*/\\1/p')
echo "@@rf restic-version \${RF_V:--}"`);

// Init only when the repository certainly does not exist: exit 10 on restic >= 0.17, else
// (0.14 exits 1 for everything) by its stderr, never after a 401 or a wrong password.
const INIT = script(`RF_R=$(repo_check_files ${REPOSITORY_FILE} ${PASSWORD_FILE})
RF_ERR=$(printf '%s' "\${RF_R#* }" | base64 -d)
RF_CODES=; [ -n "$RF_V" ] && [ "$(printf '%s\\n0.17.0\\n' "$RF_V" | sort -V | head -n 1)" = 0.17.0 ] && RF_CODES=1
if [ "\${RF_R%% *}" != 0 ] && { { [ -n "$RF_CODES" ] && [ "\${RF_R%% *}" = 10 ]; } || { printf '%s' "$RF_ERR" | grep -q 'unable to open config file' \\
   && printf '%s' "$RF_ERR" | grep -qiE 'does not exist|no such file|404' \\
   && ! printf '%s' "$RF_ERR" | grep -qiE '401|unauthorized|wrong password'; }; }; then
  RF_OUT=$(restic --repository-file ${REPOSITORY_FILE} --password-file ${PASSWORD_FILE} init 2>&1) || true
  RF_R=$(repo_check_files ${REPOSITORY_FILE} ${PASSWORD_FILE})
fi
echo "@@rf repo $RF_R"`);

const VERIFY = script(`echo "@@rf repo $(repo_check_files ${REPOSITORY_FILE} ${PASSWORD_FILE})"`);

const octal = (m: number) => m.toString(8).padStart(4, '0');

export function renderApply(ops: PlannedChange[]): ApplyScript {
  const parts: ShellText[] = [PRELUDE];
  const stdin: string[] = [];
  const done = new Set<string>();
  const okLine = (id: string) => (id ? sh`ok ${id}` : script(':'));
  let repoFns = false;

  for (const { changeId: id, op, covers = [] } of ops) {
    switch (op.op) {
      case 'apt-install':
        parts.push(
          sh`run_step ${id} env DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q ${op.pkg}`,
          sh`run_step ${id} restic version`,
        );
        break;
      case 'mkdir':
        parts.push(sh`run_step ${id} mkdir -p ${op.path}`, sh`run_step ${id} chown root:root ${op.path}`, sh`run_step ${id} chmod ${octal(op.mode)} ${op.path}`);
        break;
      case 'write-file':
        parts.push(sh`write_file ${id} ${op.path} ${octal(op.mode)}`);
        stdin.push(Buffer.from(reveal(op.content)).toString('base64'));
        break;
      case 'network-create':
        parts.push(sh`docker network inspect ${op.name} >/dev/null 2>&1 || run_step ${id} docker network create ${op.name}`);
        break;
      case 'container-run': {
        const s = op.spec;
        const args = [
          '--name', s.name, '--detach', '--restart', s.restartPolicy,
          ...s.ports.flatMap((p) => ['--publish', `${p.hostPort}:${p.containerPort}`]),
          ...s.binds.flatMap((b) => ['--volume', `${b.source}:${b.target}`]),
          ...(s.networks[0] ? ['--network', s.networks[0]] : []),
          ...(s.logDriver ? ['--log-driver', s.logDriver] : []),
          ...Object.entries(s.logOptions).flatMap(([k, v]) => ['--log-opt', `${k}=${v}`]),
          ...Object.entries(s.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
          ...Object.entries(s.labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
        ];
        if (op.replace) parts.push(sh`run_step ${id} docker rm --force ${s.name}`);
        parts.push(sh`run_step ${id} docker run ${args} ${s.image}`);
        for (const net of s.networks.slice(1)) parts.push(sh`run_step ${id} docker network connect ${net} ${s.name}`);
        break;
      }
      case 'container-start':
        parts.push(sh`run_step ${id} docker start ${op.name}`);
        break;
      case 'await-http':
        parts.push(sh`await_http ${id} ${op.container} ${String(op.port)} ${String(op.timeoutSeconds)}`);
        break;
      case 'guard-generation':
        // Exit 0 with a marker: the engine reports the host as planned on stale facts, not as failed.
        parts.push(script(`RF_GEN=$(cat ${GENERATION_FILE} 2>/dev/null || echo 0)`), sh`[ "$RF_GEN" = ${op.generation} ] || { echo "@@rf stale $RF_GEN"; exit 0; }`);
        break;
      case 'bump-generation':
        parts.push(
          script(`mkdir -p ${path.posix.dirname(GENERATION_FILE)} && echo $((RF_GEN + 1)) > ${GENERATION_FILE}.tmp && mv -f ${GENERATION_FILE}.tmp ${GENERATION_FILE} || fail generation "cannot write ${GENERATION_FILE}"`),
        );
        break;
      case 'container-reload':
        parts.push(sh`run_step ${`reload:${op.name}`} docker kill --signal HUP ${op.name}`);
        break;
      case 'repo-init':
      case 'repo-verify':
        if (!repoFns) parts.push(REPO_CHECK_FUNCTION, VERSION);
        repoFns = true;
        parts.push(op.op === 'repo-init' ? INIT : VERIFY);
        break;
    }
    // Report each change once, after its last op.
    const last = ops.filter((o) => o.changeId === id).at(-1)?.op === op;
    for (const cid of last ? [...covers, id] : []) {
      if (done.has(cid)) continue;
      parts.push(okLine(cid));
      done.add(cid);
    }
  }
  return { command: joinShell(parts), stdin: stdin.length ? `${stdin.join('\n')}\n` : '' };
}
