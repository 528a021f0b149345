import { randomBytes } from 'node:crypto';
import { PRE_RESTORE_KEEP_DAYS } from '../desired/runner-script.js';
import type { DesiredBackupSet, DesiredHost } from '../desired/types.js';
import type { Logger } from '../engine/logger.js';
import type { TransportFactory } from '../engine/sessions.js';
import { classifyRepo } from '../facts/repo-check.js';
import type { RestoreReport } from '../results/types.js';
import { RESTORE_JOB_SCRIPT, type Failpoint } from './job-script.js';
import { HostLink, sleep } from './link.js';
import { parseContainerStates, parsePreflight, parseSnapshotsJson, parseStatus } from './parse.js';
import { plannedReport, reportFromStatus, type ReportBase } from './report.js';
import { jobPaths, launchCommand, logTailCommand, pollCommand, preflightCommand, recoverCommand, type JobArgs } from './script.js';
import { selectSnapshot } from './select.js';
import { RestoreRefused, type JobStatus, type Preflight, type RestoreRequest, type RestoreTarget, type ResticSnapshot } from './types.js';
import { findClient, findSet, isWithin, keepUntil, parseTarget } from './validate.js';

export interface RestoreRunOptions {
  /** How often the job's status is read (default 2 s). */
  pollIntervalMs?: number;
  /** How long to follow the job before reporting it as still running (default 6 h). */
  timeoutSeconds?: number;
  /** Reconnects per dropped connection while following the job (default 5, 3 s apart and growing). */
  reconnectAttempts?: number;
  reconnectDelayMs?: number;
  now?: () => Date;
  /** Tests only: the job SIGKILLs itself at this point, to prove the swap's recovery. */
  failpoint?: Failpoint;
}

/**
 * Restores a backup set's snapshot on one client host: in place (stop the volume's
 * containers, safety snapshot, restore + verify into staging, swap, start again) or
 * under a path. Every check that can refuse happens before anything is stopped and
 * throws RestoreRefused; once the job runs, the outcome is in the returned report.
 */
export async function runRestore(
  desired: DesiredHost[],
  factory: TransportFactory,
  log: Logger,
  req: RestoreRequest,
  run: RestoreRunOptions = {},
  started = Date.now(),
): Promise<RestoreReport> {
  const now = run.now ?? (() => new Date());
  const host = findClient(desired, req.host);
  const found = findSet(host, req.set);
  // Path and database sets restore with restic itself (docs/restore.md); in-place swaps need a volume.
  if (!found.volume) throw new RestoreRefused(`"${found.id}" is a ${found.type} set: restore-set restores docker-volume sets only`);
  const set = { ...found, volume: found.volume };
  const target = parseTarget(req.target);

  const link = new HostLink(host, factory, {
    attempts: run.reconnectAttempts ?? 5,
    delayMs: run.reconnectDelayMs ?? 3000,
    warn: (m) => log.warn(m),
  });
  try {
    const pre = await preflight(link, host, set, req.snapshot.trim() || 'latest', target);
    const snapshot = chooseSnapshot(pre, host, set, req.snapshot);
    checkTarget(pre, set, target);
    const keep = keepUntil(now(), PRE_RESTORE_KEEP_DAYS);
    const reportBase = (): ReportBase => ({
      host: host.name,
      setId: set.id,
      snapshot,
      target: target.kind === 'in-place' ? 'in-place' : target.path,
      durationMs: Date.now() - started,
    });
    const running = pre.containers.filter((c) => ['running', 'restarting', 'paused'].includes(c.state)).map((c) => c.name);

    if (req.dryRun) {
      return plannedReport(reportBase(), {
        mountpoint: pre.mountpoint,
        running,
        keepUntil: keep,
        targetPath: target.kind === 'path' ? target.path : undefined,
      });
    }

    const runId = newRunId(now());
    const args: JobArgs =
      target.kind === 'in-place'
        ? { mode: 'in-place', host: host.name, slug: set.slug, volume: set.volume, snapshotId: snapshot.id, snapshotPath: snapshot.paths[0]!, keepUntil: keep, failpoint: run.failpoint }
        : { mode: 'to-path', host: host.name, slug: set.slug, volume: set.volume, snapshotId: snapshot.id, snapshotPath: snapshot.paths[0]!, target: target.path };
    log.info(`${host.name}: restoring snapshot ${snapshot.short_id} of "${set.id}" ${target.kind === 'in-place' ? `in place (volume ${set.volume})` : `under ${target.path}`}; job ${runId}`);
    await launch(link, runId, args);

    const { status, notes } = await follow(link, runId, {
      volume: set.volume,
      intervalMs: run.pollIntervalMs ?? 2000,
      deadline: Date.now() + (run.timeoutSeconds ?? 6 * 3600) * 1000,
      log,
      host: host.name,
    });
    if (status.outcome === 'failed') {
      const tail = await link.exec(logTailCommand(runId)).catch(() => undefined);
      if (tail?.stdout.trim()) log.group(`restore job ${runId} log (last lines)`, tail.stdout.trimEnd().split('\n'));
    }
    // The doors (CLI, action) print the report itself.
    return reportFromStatus(reportBase(), status, notes);
  } finally {
    await link.close();
  }
}

/** Sortable, unique and safe as a file name: 20261127T090102Z-1a2b3c. */
function newRunId(d: Date): string {
  return `${d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

async function preflight(link: HostLink, host: DesiredHost, set: DesiredBackupSet & { volume: string }, snapshot: string, target: RestoreTarget): Promise<Preflight> {
  // One attempt: a host that cannot be reached (or whose key is wrong) fails here, before anything changed.
  const r = await link.exec(preflightCommand({ host: host.name, slug: set.slug, volume: set.volume, snapshot, target }));
  if (r.code !== 0) throw new RestoreRefused(`could not inspect ${host.name} (exit ${r.code}): ${r.stderr.trim().slice(-500)}`);
  const pre = parsePreflight(r.stdout);
  if (!pre.resticVersion) throw new RestoreRefused(`restic is not installed on ${host.name}: run apply first`);
  if (!pre.credentials) throw new RestoreRefused(`${host.name} has no restic-fleet repository credentials (/etc/restic-fleet): run apply first`);
  return pre;
}

function chooseSnapshot(pre: Preflight, host: DesiredHost, set: DesiredBackupSet, want: string): ResticSnapshot {
  const listed = pre.snapshots;
  if (listed.code !== 0) {
    const repo = classifyRepo(listed.code, listed.stderr);
    throw new RestoreRefused(`cannot list the snapshots of "${set.id}" on ${host.name} (repository ${repo.status}): ${repo.detail || listed.stderr.trim().slice(-300)}`);
  }
  let snaps: ResticSnapshot[];
  let elsewhere: ResticSnapshot[] = [];
  try {
    snaps = parseSnapshotsJson(listed.stdout);
    if (pre.lookup?.code === 0) elsewhere = parseSnapshotsJson(pre.lookup.stdout);
  } catch (e) {
    throw new RestoreRefused(`unexpected output of restic snapshots on ${host.name}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const sel = selectSnapshot(snaps, want, { host: host.name, setId: set.id, slug: set.slug }, elsewhere);
  if (!sel.ok) throw new RestoreRefused(sel.error);
  return sel.snapshot;
}

function checkTarget(pre: Preflight, set: DesiredBackupSet, target: RestoreTarget): void {
  if (target.kind === 'in-place') {
    // The swap replaces the volume's _data directory: only a plain local volume keeps its data there.
    if (pre.volumeDriver && pre.volumeDriver !== 'local 0') {
      throw new RestoreRefused(
        `volume ${set.volume} is not a plain local volume (driver ${pre.volumeDriver.split(' ')[0]} with ${pre.volumeDriver.split(' ')[1]} option(s)): its data does not live in ${pre.mountpoint}, so an in-place restore cannot swap it; restore to a path instead`,
      );
    }
    if (pre.mountpointIsMount) {
      throw new RestoreRefused(
        `volume ${set.volume}'s directory ${pre.mountpoint} is a mount point: an in-place restore swaps that directory, which a mount point does not allow; restore to a path instead`,
      );
    }
    return;
  }
  const real = pre.target?.real || target.path;
  const live = pre.mountpointReal ?? pre.mountpoint;
  if (live && (isWithin(target.path, live) || isWithin(real, live))) {
    throw new RestoreRefused(`target ${target.path} is inside the live volume ${set.volume} (${live}): use target in-place, or a path outside the volume`);
  }
  if (pre.target?.state === 'not-a-directory') throw new RestoreRefused(`target ${target.path} exists and is not a directory`);
  if (pre.target?.state === 'non-empty') {
    throw new RestoreRefused(`target ${target.path} is not empty: restore into a new or empty directory, so no stale file mixes in`);
  }
}

/**
 * Starts the job. If the connection drops during the launch itself, the status file
 * tells whether the job started (the launcher writes it just before setsid).
 */
async function launch(link: HostLink, runId: string, args: JobArgs): Promise<void> {
  let r;
  try {
    r = await link.exec(launchCommand(runId, args), { stdin: RESTORE_JOB_SCRIPT, timeoutSeconds: 60 });
  } catch (e) {
    await link.drop();
    const st = parseStatus((await link.execRetrying(pollCommand(runId))).stdout);
    if (st.outcome === 'missing') {
      throw new RestoreRefused(`the restore job could not be started (${e instanceof Error ? e.message : String(e)}); nothing was changed`);
    }
    return;
  }
  if (r.code !== 0 || !r.stdout.includes('launched')) {
    throw new RestoreRefused(`the restore job could not be started (exit ${r.code}): ${r.stderr.trim().slice(-400)}; nothing was changed`);
  }
}

interface FollowOptions {
  volume: string;
  intervalMs: number;
  deadline: number;
  log: Logger;
  host: string;
}

/**
 * Polls the job's status file until it finishes. A job that died without finishing
 * (host reboot, OOM kill, SIGKILL) is settled by running `recover`, which completes or
 * rolls back an interrupted swap and restarts the containers it had stopped.
 */
async function follow(link: HostLink, runId: string, f: FollowOptions): Promise<{ status: JobStatus; notes: string[] }> {
  const notes: string[] = [];
  const where = `status ${jobPaths(runId).status}, log ${jobPaths(runId).log}`;
  const launchedAt = Date.now();
  let lastPhase = '';
  for (;;) {
    let st;
    try {
      st = parseStatus((await link.execRetrying(pollCommand(runId), { timeoutSeconds: 60 })).stdout);
    } catch (e) {
      const message = `lost the connection to ${f.host} (${e instanceof Error ? e.message : String(e)}): the restore job keeps running there on its own (${where}); the next restore settles whatever it left`;
      return { status: { run: runId, phase: lastPhase || 'unknown', outcome: 'failed', stopped: [], started: [], message }, notes };
    }
    if (st.phase !== lastPhase) {
      lastPhase = st.phase;
      f.log.info(`${f.host}: restore job ${runId}: ${st.phase}`);
    }
    if (st.outcome === 'restored' || st.outcome === 'failed') {
      if (link.reconnects) notes.push(`the SSH connection dropped ${link.reconnects} time(s) during the restore; the job ran on, detached`);
      return { status: st, notes };
    }
    // Not alive with a running status (read after the liveness check) = died; a job that never wrote its pid in 30 s never started.
    const died = st.alive === false && (st.pid !== undefined || Date.now() - launchedAt > 30_000);
    if (died) {
      f.log.warn(`${f.host}: restore job ${runId} stopped in phase ${st.phase} without finishing; running recover`);
      return { status: await recoverDead(link, runId, f.volume, st), notes };
    }
    if (Date.now() > f.deadline) {
      return { status: { ...st, outcome: 'failed', message: `the restore job is still running (phase ${st.phase}) after the time limit; follow it on the host (${where})` }, notes };
    }
    await sleep(f.intervalMs);
  }
}

/** Phases after which the new tree is in place (the swap's second rename happened). */
const AFTER_SWAP = new Set(['start', 'finished']);

async function recoverDead(link: HostLink, runId: string, volume: string, dead: JobStatus): Promise<JobStatus> {
  const recoverRun = `${runId}-recover`;
  const r = await link.execRetrying(recoverCommand(runId, recoverRun, volume, dead.stopped), { timeoutSeconds: 1200 });
  const rec = parseStatus(r.stdout);
  const running = parseContainerStates(r.stdout);
  const recovered = rec.recovered ?? '';
  const volumeRestored = /volume restored/.test(recovered) || (!/volume unchanged/.test(recovered) && AFTER_SWAP.has(dead.phase));
  const toPath = dead.mode === 'to-path';
  const message = [
    `the restore job died in phase ${dead.phase} (${jobPaths(runId).log})`,
    rec.outcome === 'restored' ? '' : `recover did not finish: ${rec.message ?? 'no status'} (${jobPaths(recoverRun).log})`,
    toPath ? `the target directory may hold a partial restore (a .rf-restore-${runId} directory or some entries): empty it before restoring there again` : '',
    dead.safety ? `the volume's previous contents are in safety snapshot ${dead.safety} (tag restic-fleet:pre-restore)` : '',
  ].filter(Boolean);
  return {
    ...dead,
    outcome: !toPath && volumeRestored && dead.verification !== undefined && rec.outcome === 'restored' ? 'restored' : 'failed',
    started: dead.stopped.filter((c) => running.get(c) === true),
    recovered: recovered || undefined,
    volumeState: toPath ? undefined : volumeRestored ? 'restored (verified before the swap)' : 'unchanged',
    message: message.join('; '),
  };
}
