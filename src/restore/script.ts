import { hostScript } from '../facts/host-script.js';
import { joinShell, script, sh, type ShellText } from '../remote/shell.js';
import type { Failpoint } from './job-script.js';
import { setTag } from './select.js';
import { RESTORE_DIR, type RestoreTarget } from './types.js';

/**
 * The commands restore sends to a host, besides the job itself (./job-script.ts):
 * a read-only preflight, the launcher, the status poll and the recover call: the functions
 * of src/sh/restore.sh after the one prelude. Preflight output is "@@rf <key>" lines each followed by one value line; values that
 * may hold anything travel base64-encoded so nothing can forge a marker.
 */

export interface PreflightInput {
  host: string;
  slug: string;
  volume: string;
  snapshot: string; // 'latest' or the id asked for
  target: RestoreTarget;
}

/** Read-only: restic and credentials, the volume, its containers, the set's snapshots, the target. */
export function preflightCommand(p: PreflightInput): ShellText {
  const parts: ShellText[] = [hostScript(['restore']), script('restore_env; preflight_host'), sh`preflight_volume ${p.volume}`];
  parts.push(sh`sec snapshots; cap timeout 300 restic --no-lock snapshots --json --host ${p.host} --tag ${setTag(p.slug)}`);
  if (p.snapshot !== 'latest') {
    // Unfiltered lookup of the id, only to say which set or host it belongs to when it is not this set's.
    parts.push(sh`sec lookup; cap timeout 300 restic --no-lock snapshots --json ${p.snapshot}`);
  }
  if (p.target.kind === 'path') parts.push(sh`preflight_target ${p.target.path}`);
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
 * (SIGHUP, closed pipes, the transport's `timeout`) cannot reach it.
 */
export function launchCommand(run: string, a: JobArgs): ShellText {
  const p = jobPaths(run);
  return joinShell([
    hostScript(['restore']),
    sh`launch_prepare ${RESTORE_DIR} ${p.script} ${p.status} ${run}`,
    sh`setsid -f sh ${p.script} ${jobArgv(run, a)} > ${p.log} 2>&1 < /dev/null`,
    script('echo launched'),
  ]);
}

/**
 * Whether the job is alive (its pid runs this run's script), then its status file: in
 * this order, so "not alive" with a running status means it died without finishing.
 */
export function pollCommand(run: string): ShellText {
  const p = jobPaths(run);
  return joinShell([hostScript(['restore']), sh`poll_job ${p.status} ${run}`]);
}

/**
 * Runs the job script's `recover` (as run `recoverRun`) and waits for it. `setsid -w`
 * keeps it out of the SSH session, so a second dropped connection cannot cut it short;
 * recover is idempotent in any case.
 */
export function recoverCommand(run: string, recoverRun: string, volume: string, containers: string[]): ShellText {
  const p = jobPaths(run);
  const r = jobPaths(recoverRun);
  return joinShell([
    hostScript(['restore']),
    sh`setsid -w sh ${p.script} recover ${recoverRun} ${volume} > ${r.log} 2>&1 < /dev/null`,
    sh`recovered_state ${r.status} ${containers}`,
  ]);
}

/** The last lines of a run's log, for failure messages. */
export function logTailCommand(run: string, lines = 15): ShellText {
  return sh`tail -n ${lines} ${jobPaths(run).log} 2>/dev/null`;
}
