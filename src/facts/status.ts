import type { DesiredBackupSet, DesiredHost } from '../desired/types.js';
import { isFailing, isStale, snapshotAgeSeconds } from '../results/staleness.js';
import { REPOSITORY_JOBS, type HostSnapshots, type LastRun, type LatestSnapshot, type RepositoryJob, type SetStatus } from '../results/types.js';
import type { ClientFacts, StatusRecord } from './types.js';

const RUN_STATES = ['ok', 'failed', 'running', 'skipped'] as const;

/** A runner status record as the report shows it; an unreadable file reads as a failed run. */
export function lastRunOf(r: StatusRecord): LastRun {
  if (r.status === 'unreadable') return { status: 'failed', message: 'unreadable status file' };
  return {
    status: RUN_STATES.find((x) => x === r.status) ?? 'failed',
    start: r.start,
    end: r.end,
    exitCode: r.exit,
    snapshotId: r.snapshot,
    message: r.message,
    type: r.type,
    durationSeconds: r.duration,
    filesNew: r.filesNew,
    bytesAdded: r.bytesAdded,
    stopped: r.stopped,
    unlocked: r.unlocked,
    drill: r.drill,
  };
}

/** The newest snapshot a record knows of: carried over by the runner, or this run's own; undefined when it cannot tell. */
function newestKnown(r: StatusRecord): { id: string; time: string } | undefined | 'unknown' {
  if (r.lastSnapshot && r.lastSnapshotTime) return { id: r.lastSnapshot, time: r.lastSnapshotTime };
  if (r.status === 'ok' && r.snapshot && r.start) return { id: r.snapshot, time: r.start };
  // A runner that records carried-over snapshots wrote an empty field: it never made one.
  return r.lastSnapshot === undefined && r.status !== 'unreadable' ? 'unknown' : undefined;
}

export interface FromStatusOptions {
  now: Date;
  staleAfterSeconds: number;
  /** The repository was created by this run: it holds no snapshot yet, records or not. */
  freshRepository: boolean;
}

/**
 * A client's rows of the snapshot report from the status records its probe read (no restic
 * call, no extra round trip). Undefined when a set has no record that says which snapshot is
 * its newest: then only `restic snapshots` can tell.
 */
export function snapshotsFromStatus(d: DesiredHost, facts: ClientFacts, o: FromStatusOptions): HostSnapshots | undefined {
  const records = facts.statusRecords ?? {};
  const sets: SetStatus[] = [];
  for (const set of d.client?.sets ?? []) {
    const rec = records[set.slug];
    const known = rec ? newestKnown(rec) : o.freshRepository ? undefined : 'unknown';
    if (known === 'unknown') return undefined;
    const run = rec && lastRunOf(rec);
    const latest: LatestSnapshot | undefined = known && {
      id: known.id,
      shortId: known.id.slice(0, 8),
      time: known.time,
      ageSeconds: Math.max(0, snapshotAgeSeconds(known.time, o.now) || 0),
      paths: pathsOf(set, facts),
      tags: set.tags,
    };
    sets.push({ setId: set.id, slug: set.slug, latest, lastRun: run, stale: isStale(known?.time, o.staleAfterSeconds, o.now), failing: isFailing(run) });
  }
  return withRepositoryJobs(d, { host: d.name, status: 'ok', sets }, records);
}

/**
 * The maintenance jobs whose records this client's report carries: the check and the prune
 * on the one client of a shared repository that runs them (drill-jobs.ts, set-jobs.ts), and
 * rotation (restic forget, with --prune on a repository of its own) on every client with a
 * policy. Their record files are named after the job (slugs never take these names).
 */
export function repositoryJobsOf(d: DesiredHost): RepositoryJob[] {
  const c = d.client;
  return REPOSITORY_JOBS.filter((j) => (j === 'check' ? !!c?.check : j === 'prune' ? !!c?.prune : !!c?.rotation));
}

/** The host's report with the last run of each of its maintenance jobs; a job without a record has not run yet. */
export function withRepositoryJobs(d: DesiredHost, h: HostSnapshots, records: Partial<Record<string, StatusRecord>>): HostSnapshots {
  const out: HostSnapshots = { ...h };
  for (const job of repositoryJobsOf(d)) {
    const r = records[job];
    out[job] = r ? lastRunOf(r) : { status: 'skipped', message: `no ${job} has run yet` };
  }
  if (out.rotation && d.client?.rotation?.prune) out.rotation = { ...out.rotation, prunes: true };
  return out;
}

/** What restic recorded as the snapshot's paths, as the runner backs each type up. */
function pathsOf(set: DesiredBackupSet, facts: ClientFacts): string[] {
  if (set.volume) return facts.volumes[set.volume]?.mountpoint ? [facts.volumes[set.volume]!.mountpoint] : [];
  if (set.paths) return set.paths;
  return [];
}
