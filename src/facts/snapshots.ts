import type { DesiredHost } from '../desired/types.js';
import { PRE_RESTORE_TAG, SET_TAG_PREFIX } from '../desired/runner-script.js';
import { joinShell, sh, type ShellText } from '../remote/shell.js';
import { hostScript } from './host-script.js';
import { fromBase64, parseSections } from './sections.js';
import { isFailing, isStale, snapshotAgeSeconds } from '../results/staleness.js';
import type { HostSnapshots, LatestSnapshot, SetStatus } from '../results/types.js';
import { statusRecord } from './parse.js';
import { lastRunOf, repositoryJobsOf, withRepositoryJobs } from './status.js';

/**
 * One round trip per client: its snapshots (read-only, --no-lock, with the host's
 * installed credential files) and the runner's status file of every set: src/sh/snapshots.sh.
 */
export function buildSnapshotsProbe(d: DesiredHost): ShellText {
  // The maintenance jobs' records too (check, prune, rotation: named after the job).
  const slugs = [...(d.client?.sets ?? []).map((set) => set.slug), ...repositoryJobsOf(d)];
  return joinShell([hostScript(['snapshots']), sh`snapshots_of ${d.name}`, ...(slugs.length ? [sh`status_of ${slugs}`] : [])]);
}

interface ResticSnapshot {
  id: string;
  short_id?: string;
  time: string;
  paths?: string[];
  tags?: string[] | null;
}

/** Pure: probe output → the host's row of the snapshot report. */
export function parseSnapshots(d: DesiredHost, stdout: string, now: Date, staleAfterSeconds: number): HostSnapshots {
  const sec = parseSections(stdout);
  const b64 = fromBase64;
  const code = Number(sec.get('snapshots-exit'));
  if (code !== 0) {
    return { host: d.name, status: 'failed', reason: `restic snapshots failed: ${b64(sec.get('snapshots-err')).trim().split('\n').join(' | ')}`, sets: [] };
  }
  let snaps: ResticSnapshot[] = [];
  try {
    snaps = (JSON.parse(b64(sec.get('snapshots')) || '[]') as ResticSnapshot[] | null) ?? [];
  } catch {
    return { host: d.name, status: 'failed', reason: 'restic snapshots printed no JSON', sets: [] };
  }
  const sets: SetStatus[] = (d.client?.sets ?? []).map((set) => {
    const mine = snaps
      .filter((s) => (s.tags ?? []).includes(`${SET_TAG_PREFIX}${set.slug}`) && !(s.tags ?? []).includes(PRE_RESTORE_TAG))
      .sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
    const newest = mine[0];
    const latest: LatestSnapshot | undefined = newest && {
      id: newest.id,
      shortId: newest.short_id ?? newest.id.slice(0, 8),
      time: newest.time,
      ageSeconds: Math.max(0, snapshotAgeSeconds(newest.time, now) || 0),
      paths: newest.paths ?? [],
      tags: (newest.tags ?? []).filter((t) => !t.startsWith('restic-fleet:')),
    };
    const json = b64(sec.get(`status ${set.slug}`));
    const run = json ? lastRunOf(statusRecord(json)) : undefined;
    return {
      setId: set.id,
      slug: set.slug,
      latest,
      lastRun: run,
      stale: isStale(newest?.time, staleAfterSeconds, now),
      failing: isFailing(run),
    };
  });
  const records = Object.fromEntries(
    repositoryJobsOf(d).flatMap((job) => {
      const json = b64(sec.get(`status ${job}`));
      return json ? [[job, statusRecord(json)]] : [];
    }),
  );
  return withRepositoryJobs(d, { host: d.name, status: 'ok', sets }, records);
}
