import type { DesiredHost } from './types.js';

/**
 * `shard`: split one run over a GitHub Actions matrix so that every host is converged by
 * exactly one job, servers before their clients.
 * - `servers`: every host with a rest-server role (its client role too, when it has one).
 * - `i/n` (1 ≤ i ≤ n ≤ 256, GitHub's matrix limit): the i-th of n equal slices of the other
 *   hosts. Hosts are sorted by name and dealt round-robin, so the split is balanced and a
 *   run with the same inventory repeats it exactly.
 * A client shard also reads (never changes) the servers of its clients: a server that is
 * not converged fails those clients with a clear reason instead of an authentication error.
 */
export type ShardSpec = { kind: 'servers' } | { kind: 'clients'; index: number; count: number };

export const MAX_SHARDS = 256;

export function parseShard(text: string): ShardSpec {
  const t = text.trim();
  if (t === 'servers') return { kind: 'servers' };
  const m = /^([0-9]{1,3})\s*\/\s*([0-9]{1,3})$/.exec(t);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || index < 1 || count < 1 || index > count || count > MAX_SHARDS) {
    throw new Error(`shard must be "servers" or "i/n" with 1 ≤ i ≤ n ≤ ${MAX_SHARDS} (e.g. 2/4), not "${t.slice(0, 40)}"`);
  }
  return { kind: 'clients', index, count };
}

export interface ShardSelection {
  /** Hosts this job plans and applies. */
  converge: DesiredHost[];
  /** Servers of `converge`'s clients that another job converges: probed and planned, never changed. */
  readOnly: DesiredHost[];
}

export function selectShard(all: DesiredHost[], spec: ShardSpec): ShardSelection {
  if (spec.kind === 'servers') return { converge: all.filter((d) => d.server), readOnly: [] };
  const clients = all.filter((d) => !d.server).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const converge = clients.filter((_, i) => i % spec.count === spec.index - 1);
  const serverNames = new Set(converge.map((d) => d.client?.repository.serverHost).filter((n): n is string => !!n));
  return { converge, readOnly: all.filter((d) => serverNames.has(d.name)) };
}

export const shardLabel = (spec: ShardSpec): string => (spec.kind === 'servers' ? 'servers' : `${spec.index}/${spec.count}`);
