import { loadDesired } from '../engine/load.js';
import type { RemoteOptions } from '../engine/options.js';
import { sessionsFor } from '../engine/sessions.js';
import { snapshotsRun } from '../engine/snapshots.js';
import type { SnapshotReport } from '../results/types.js';

/** `snapshots`: latest snapshot and last run of every backup set on every client. */
export async function snapshotsCommand(o: RemoteOptions, staleAfterSeconds: number, now = new Date()): Promise<SnapshotReport> {
  const loaded = await loadDesired(o);
  const sessions = sessionsFor(o);
  try {
    return await snapshotsRun({ desired: loaded.desired.filter((d) => !loaded.shard?.readOnly.has(d.name)), sessions, concurrency: o.concurrency, staleAfterSeconds, now });
  } finally {
    await sessions.closeAll();
  }
}
