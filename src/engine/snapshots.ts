import type { DesiredHost } from '../desired/types.js';
import { buildSnapshotsProbe, parseSnapshots } from '../facts/snapshots.js';
import { snapshotsFromStatus } from '../facts/status.js';
import type { PlanRun } from './converge.js';
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
  const hosts = await runPool(clients, o.concurrency, (d) => snapshotsOfHost(d, o));
  return { generatedAt: o.now.toISOString(), staleAfterSeconds: o.staleAfterSeconds, hosts };
}

/** One client's rows from `restic snapshots` and its status files (one round trip). */
async function snapshotsOfHost(d: DesiredHost, o: SnapshotsRunOptions): Promise<HostSnapshots> {
  try {
    const t = await o.sessions.get(d);
    const res = await t.exec(buildSnapshotsProbe(d), { timeoutSeconds: 180 });
    if (res.code !== 0) return { host: d.name, status: 'failed', reason: redact(`probe exited ${res.code}: ${res.stderr.trim().slice(-300)}`), sets: [] };
    const h = parseSnapshots(d, res.stdout, o.now, o.staleAfterSeconds);
    return h.reason ? { ...h, reason: redact(h.reason) } : h;
  } catch (err) {
    return { host: d.name, status: 'failed', reason: redact(err instanceof Error ? err.message : String(err)), sets: [] };
  }
}

export interface AfterApplyOptions extends SnapshotsRunOptions {
  run: PlanRun;
}

/**
 * The snapshot report of an apply, over the connections the apply used: each client's rows
 * come from the status records its probe read. Only a client with a set that has no such
 * record (a first apply, or records older than this version) gets one `restic snapshots`
 * round trip; a repository this run created holds no snapshot, so it needs none.
 */
export async function snapshotsAfterApply(o: AfterApplyOptions): Promise<SnapshotReport> {
  const created = new Set<string>();
  for (const d of o.desired) {
    if ((o.run.ops.get(d.name) ?? []).some((p) => p.op.op === 'repo-init') && d.client) created.add(d.client.repository.key);
  }
  const clients = o.desired.filter((d) => d.client);
  const hosts = await runPool(clients, o.concurrency, async (d): Promise<HostSnapshots> => {
    const read = o.run.facts.get(d.name);
    if (!read?.ok) return { host: d.name, status: 'failed', reason: read?.reason ?? 'not read', sets: [] };
    // A repository this run created, or one that was absent when probed, holds none of this host's snapshots.
    const fresh = created.has(d.client!.repository.key) || read.facts.client?.repo.status === 'absent';
    const fromStatus = read.facts.client && snapshotsFromStatus(d, read.facts.client, { now: o.now, staleAfterSeconds: o.staleAfterSeconds, freshRepository: fresh });
    return fromStatus ?? (await snapshotsOfHost(d, o));
  });
  return { generatedAt: o.now.toISOString(), staleAfterSeconds: o.staleAfterSeconds, hosts };
}
