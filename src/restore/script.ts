import { CACHE_DIR, PASSWORD_FILE, REPOSITORY_FILE } from '../desired/runner-script.js';
import { joinShell, script, sh, type ShellText } from '../remote/shell.js';
import type { Failpoint } from './job-script.js';
import { setTag } from './select.js';
import { RESTORE_DIR, type RestoreTarget } from './types.js';

/**
 * The commands restore sends to a host, besides the job itself (./job-script.ts):
 * a read-only preflight, the launcher, the status poll and the recover call.
 * Preflight output is "@@rf <key>" lines each followed by one value line; values that
 * may hold anything travel base64-encoded so nothing can forge a marker.
 */

const PRELUDE = script(`set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
umask 077
export RESTIC_REPOSITORY_FILE=${REPOSITORY_FILE}
export RESTIC_PASSWORD_FILE=${PASSWORD_FILE}
export RESTIC_CACHE_DIR=${CACHE_DIR}
sec() { printf '@@rf %s\\n' "$1"; }
b64() { base64 -w0; echo; }
# Runs a command; prints "<exit code> <base64 stdout> <base64 stderr>" on one line.
cap() {
  RF_T=$(mktemp -d) || { echo "99 - -"; return; }
  "$@" > "$RF_T/o" 2> "$RF_T/e"; RF_RC=$?
  printf '%s %s %s\\n' "$RF_RC" "$(base64 -w0 < "$RF_T/o")" "$(base64 -w0 < "$RF_T/e")"
  rm -rf "$RF_T"
}`);

export interface PreflightInput {
  host: string;
  slug: string;
  volume: string;
  snapshot: string; // 'latest' or the id asked for
  target: RestoreTarget;
}

/** Read-only: restic and credentials, the volume, its containers, the set's snapshots, the target. */
export function preflightCommand(p: PreflightInput): ShellText {
  const parts: ShellText[] = [PRELUDE];
  parts.push(script(`sec restic; restic version 2>/dev/null | head -n 1 | grep . || echo -
sec credentials; if [ -r ${REPOSITORY_FILE} ] && [ -r ${PASSWORD_FILE} ]; then echo yes; else echo no; fi`));
  parts.push(sh`RF_MP=$(docker volume inspect --format '{{.Mountpoint}}' ${p.volume} 2>/dev/null)
sec mountpoint; printf '%s' "$RF_MP" | b64
sec mountpoint-real; if [ -n "$RF_MP" ]; then realpath -m "$RF_MP" | b64; else echo; fi
sec mountpoint-is-mount; if [ -n "$RF_MP" ] && mountpoint -q "$RF_MP"; then echo yes; else echo no; fi
sec volume-driver; docker volume inspect --format '{{.Driver}} {{len .Options}}' ${p.volume} 2>/dev/null || echo -
sec containers; docker ps -a --filter ${`volume=${p.volume}`} --format '{{.Names}} {{.State}}' 2>/dev/null | b64
sec snapshots; cap timeout 300 restic --no-lock snapshots --json --host ${p.host} --tag ${setTag(p.slug)}`);
  if (p.snapshot !== 'latest') {
    // Unfiltered lookup of the id, only to say which set or host it belongs to when it is not this set's.
    parts.push(sh`sec lookup; cap timeout 300 restic --no-lock snapshots --json ${p.snapshot}`);
  }
  if (p.target.kind === 'path') {
    const t = p.target.path;
    parts.push(sh`sec target-real; realpath -m ${t} | b64
sec target-state; if [ ! -e ${t} ]; then echo absent; elif [ ! -d ${t} ]; then echo not-a-directory; elif [ -z "$(ls -A ${t})" ]; then echo empty; else echo non-empty; fi`);
  }
  return joinShell(parts);
}

export const jobPaths = (run: string) => ({
  script: `${RESTORE_DIR}/${run}.sh`,
  status: `${RESTORE_DIR}/${run}.status`,
  log: `${RESTORE_DIR}/${run}.log`,
});

export type JobArgs =
  | { mode: 'in-place'; host: string; slug: string; volume: string; snapshotId: string; snapshotPath: string; keepUntil: string; failpoint?: Failpoint }
  | { mode: 'to-path'; host: string; slug: string; volume: string; snapshotId: string; snapshotPath: string; target: string };

function jobArgv(run: string, a: JobArgs): string[] {
  return a.mode === 'in-place'
    ? ['in-place', run, a.host, a.slug, a.volume, a.snapshotId, a.snapshotPath, a.keepUntil, ...(a.failpoint ? [a.failpoint] : [])]
    : ['to-path', run, a.host, a.slug, a.volume, a.snapshotId, a.snapshotPath, a.target];
}

/**
 * Writes the job script (stdin) and starts it in its own session, detached from the SSH
 * channel: stdio goes to the log, so the exec returns at once and a dropped connection
 * (SIGHUP, closed pipes, the transport's `timeout`) cannot reach it. Old runs' files
 * (30 days) are pruned; journals and container lists are never pruned.
 */
export function launchCommand(run: string, a: JobArgs): ShellText {
  const p = jobPaths(run);
  return sh`set -u; umask 077
mkdir -p ${RESTORE_DIR} && chmod 0700 ${RESTORE_DIR} || exit 1
find ${RESTORE_DIR} -maxdepth 1 -type f -mtime +30 \\( -name '*.sh' -o -name '*.log' -o -name '*.status' \\) -delete 2>/dev/null
cat > ${p.script} || exit 1
printf 'run %s\\nphase queued\\noutcome running\\n' ${run} > ${p.status}
command -v setsid >/dev/null || { echo 'setsid (util-linux) is missing on this host' >&2; exit 1; }
setsid -f sh ${p.script} ${jobArgv(run, a)} > ${p.log} 2>&1 < /dev/null
echo launched`;
}

/**
 * Whether the job is alive (its pid runs this run's script), then its status file: in
 * this order, so "not alive" with a running status means it died without finishing.
 */
export function pollCommand(run: string): ShellText {
  const p = jobPaths(run);
  return sh`RF_PID=$(sed -n 's/^pid //p' ${p.status} 2>/dev/null)
if [ -n "$RF_PID" ] && tr '\\0' ' ' < /proc/$RF_PID/cmdline 2>/dev/null | grep -qF -- ${run}; then RF_ALIVE=yes; else RF_ALIVE=no; fi
if [ -f ${p.status} ]; then cat ${p.status}; else echo 'outcome missing'; fi
echo "alive $RF_ALIVE"`;
}

/**
 * Runs the job script's `recover` (as run `recoverRun`) and waits for it. `setsid -w`
 * keeps it out of the SSH session, so a second dropped connection cannot cut it short;
 * recover is idempotent in any case.
 */
export function recoverCommand(run: string, recoverRun: string, volume: string, containers: string[]): ShellText {
  const p = jobPaths(run);
  const r = jobPaths(recoverRun);
  const names = containers.length ? containers : ['-'];
  return sh`setsid -w sh ${p.script} recover ${recoverRun} ${volume} > ${r.log} 2>&1 < /dev/null
cat ${r.status} 2>/dev/null || echo 'outcome missing'
for RF_C in ${names}; do [ "$RF_C" = - ] || echo "container $RF_C $(docker inspect -f '{{.State.Running}}' "$RF_C" 2>/dev/null || echo missing)"; done`;
}

/** The last lines of a run's log, for failure messages. */
export function logTailCommand(run: string, lines = 15): ShellText {
  return sh`tail -n ${lines} ${jobPaths(run).log} 2>/dev/null`;
}
