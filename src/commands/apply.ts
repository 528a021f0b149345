import { applyRun, planRun } from '../engine/converge.js';
import { loadDesired, type LoadedDesired } from '../engine/load.js';
import type { RemoteOptions } from '../engine/options.js';
import { sessionsFor } from '../engine/sessions.js';
import { snapshotsAfterApply } from '../engine/snapshots.js';
import type { RunOutcome } from './plan.js';

export class PlanHashMismatch extends Error {}

/**
 * `apply`: plans, then applies exactly that plan. With expectedHash, refuses when the live plan
 * differs from the reviewed one. With report, also returns the snapshot report, built over the
 * same connections from the status records the plan's probes read (see snapshotsAfterApply).
 */
export async function applyCommand(o: RemoteOptions, expectedHash?: string, report?: { staleAfterSeconds: number; now?: Date }): Promise<RunOutcome> {
  const loaded = await loadDesired(o);
  const sessions = sessionsFor(o);
  try {
    const run = await planRun({ desired: loaded.desired, sessions, concurrency: o.concurrency, shard: loaded.shard });
    if (expectedHash && expectedHash !== run.plan.hash) {
      throw new PlanHashMismatch(
        `the live plan's hash ${run.plan.hash} differs from the reviewed plan-hash ${expectedHash}: nothing was applied. Review the new plan.`,
      );
    }
    const results = await applyRun({ desired: loaded.desired, sessions, concurrency: o.concurrency }, run);
    const snapshots =
      report &&
      (await snapshotsAfterApply({ desired: converged(loaded), sessions, concurrency: o.concurrency, staleAfterSeconds: report.staleAfterSeconds, now: report.now ?? new Date(), run }));
    return { run, results, loaded, snapshots };
  } finally {
    await sessions.closeAll();
  }
}

/** The hosts this job converges (a client shard also reads the servers of its clients). */
const converged = (l: LoadedDesired) => l.desired.filter((d) => !l.shard?.readOnly.has(d.name));
