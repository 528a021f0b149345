import { loadDesired } from '../engine/load.js';
import type { RemoteOptions } from '../engine/options.js';
import { transportFactoryFor } from '../engine/sessions.js';
import type { RestoreReport } from '../results/types.js';
import { runRestore, type RestoreRunOptions } from '../restore/run.js';
import type { RestoreRequest } from '../restore/types.js';

export type { RestoreRunOptions };

/**
 * `restore`: a backup set's snapshot on one client, in place or under a path (restore/run.ts).
 * Checks that refuse throw RestoreRefused before anything is stopped; the outcome is the report.
 */
export async function restoreCommand(o: RemoteOptions, req: RestoreRequest, run: RestoreRunOptions = {}): Promise<RestoreReport> {
  const started = Date.now();
  // The whole inventory: the host is named by the request, not by --limit.
  const loaded = await loadDesired({ ...o, limit: undefined });
  return runRestore(loaded.desired, transportFactoryFor(o), o.log, req, run, started);
}
