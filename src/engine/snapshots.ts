import { buildSnapshotsProbe, parseSnapshots } from '../facts/snapshots.js';
import type { HostSnapshots, SnapshotReport } from '../report/types.js';
import { redact } from '../secret.js';
import { loadDesired, sessionsFor, type RemoteOptions } from './commands.js';
import { runPool } from '../util/pool.js';

/** Latest snapshot and last run of every backup set on every client (one round trip per client). */
export async function snapshotsCommand(o: RemoteOptions, staleAfterSeconds: number, now = new Date()): Promise<SnapshotReport> {
  const loaded = await loadDesired(o);
  const sessions = sessionsFor(o);
  try {
    const clients = loaded.desired.filter((d) => d.client);
    const hosts = await runPool(clients, o.concurrency, async (d): Promise<HostSnapshots> => {
      try {
        const t = await sessions.get(d);
        const res = await t.exec(buildSnapshotsProbe(d), { timeoutSeconds: 180 });
        if (res.code !== 0) return { host: d.name, status: 'failed', reason: redact(`probe exited ${res.code}: ${res.stderr.trim().slice(-300)}`), sets: [] };
        const h = parseSnapshots(d, res.stdout, now, staleAfterSeconds);
        return h.reason ? { ...h, reason: redact(h.reason) } : h;
      } catch (err) {
        return { host: d.name, status: 'failed', reason: redact(err instanceof Error ? err.message : String(err)), sets: [] };
      }
    });
    return { generatedAt: now.toISOString(), staleAfterSeconds, hosts };
  } finally {
    await sessions.closeAll();
  }
}
