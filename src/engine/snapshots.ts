import type { DesiredHost } from '../desired/types.js';
import { buildSnapshotsProbe, parseSnapshots } from '../facts/snapshots.js';
import type { HostSnapshots, SnapshotReport } from '../results/types.js';
import { redact } from '../secret.js';
import { runPool } from '../util/pool.js';
import type { Sessions } from './sessions.js';

export interface SnapshotsRunOptions {
  desired: DesiredHost[]; // already narrowed by --limit
  sessions: Sessions;
  concurrency: number;
  staleAfterSeconds: number;
  now: Date;
}

/** Latest snapshot and last run of every backup set on every client (one round trip per client). */
export async function snapshotsRun(o: SnapshotsRunOptions): Promise<SnapshotReport> {
  const clients = o.desired.filter((d) => d.client);
  const hosts = await runPool(clients, o.concurrency, async (d): Promise<HostSnapshots> => {
    try {
      const t = await o.sessions.get(d);
      const res = await t.exec(buildSnapshotsProbe(d), { timeoutSeconds: 180 });
      if (res.code !== 0) return { host: d.name, status: 'failed', reason: redact(`probe exited ${res.code}: ${res.stderr.trim().slice(-300)}`), sets: [] };
      const h = parseSnapshots(d, res.stdout, o.now, o.staleAfterSeconds);
      return h.reason ? { ...h, reason: redact(h.reason) } : h;
    } catch (err) {
      return { host: d.name, status: 'failed', reason: redact(err instanceof Error ? err.message : String(err)), sets: [] };
    }
  });
  return { generatedAt: o.now.toISOString(), staleAfterSeconds: o.staleAfterSeconds, hosts };
}
