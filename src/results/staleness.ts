/**
 * Stale and failing backup sets: pure rules the snapshot reader applies to fill
 * SetStatus.stale / .failing / LatestSnapshot.ageSeconds, kept here so the summary and
 * the rules cannot drift apart.
 */
import type { LastRun } from './types.js';

/** Age of a snapshot time (restic's ISO 8601, nanoseconds and offsets allowed) at `now`; NaN when unparseable. */
export function snapshotAgeSeconds(time: string, now: Date): number {
  const t = Date.parse(time);
  return Number.isNaN(t) ? Number.NaN : Math.floor((now.getTime() - t) / 1000);
}

/**
 * Stale: no snapshot at all, an unreadable time, or the newest snapshot older than
 * `staleAfterSeconds`. A snapshot from the future (clock skew) counts as fresh.
 */
export function isStale(latestTime: string | undefined, staleAfterSeconds: number, now: Date): boolean {
  if (latestTime === undefined) return true;
  const age = snapshotAgeSeconds(latestTime, now);
  return Number.isNaN(age) || age > staleAfterSeconds;
}

/** Failing: the last run (from the host's status file) ended in failure, or the last restore drill did (as loud as a failed backup). */
export const isFailing = (lastRun: LastRun | undefined): boolean => lastRun?.status === 'failed' || lastRun?.drill?.result === 'failed';
