import { applyRun, planRun } from '../engine/converge.js';
import { loadDesired } from '../engine/load.js';
import type { RemoteOptions } from '../engine/options.js';
import { sessionsFor } from '../engine/sessions.js';
import type { RunOutcome } from './plan.js';

export class PlanHashMismatch extends Error {}

/** `apply`: plans, then applies exactly that plan. With expectedHash, refuses when the live plan differs from the reviewed one. */
export async function applyCommand(o: RemoteOptions, expectedHash?: string): Promise<RunOutcome> {
  const loaded = await loadDesired(o);
  const sessions = sessionsFor(o);
  try {
    const run = await planRun({ desired: loaded.desired, sessions, concurrency: o.concurrency });
    if (expectedHash && expectedHash !== run.plan.hash) {
      throw new PlanHashMismatch(
        `the live plan's hash ${run.plan.hash} differs from the reviewed plan-hash ${expectedHash}: nothing was applied. Review the new plan.`,
      );
    }
    const results = await applyRun({ desired: loaded.desired, sessions, concurrency: o.concurrency }, run);
    return { run, results, loaded };
  } finally {
    await sessions.closeAll();
  }
}
