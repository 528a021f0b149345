import { createHash } from 'node:crypto';
import type { DesiredHost } from '../desired/types.js';
import type { HostFacts } from '../facts/types.js';
import { canonicalJson } from '../util/canonical-json.js';
import { planClient } from './client.js';
import type { PlannedChange } from './ops.js';
import { planServer, type PartPlan } from './server.js';
import type { HostPlan, HostRole, Plan } from './types.js';

/** Facts of one host, or why they could not be read. */
export type FactsResult = { ok: true; facts: HostFacts } | { ok: false; reason: string };

export interface BuiltPlan {
  plan: Plan;
  /** What apply executes per host, in order (not part of the printed plan). */
  ops: Map<string, PlannedChange[]>;
}

export const rolesOf = (d: DesiredHost): HostRole[] => [...(d.server ? ['server' as const] : []), ...(d.client ? ['client' as const] : [])];

/** The hash covers what a reviewer sees: hosts, their status and their changes (not free-text warnings). */
export function planHash(hosts: HostPlan[]): string {
  const core = hosts.map((h) => ({ host: h.host, roles: h.roles, status: h.status, changes: h.changes }));
  return createHash('sha256').update(canonicalJson({ version: 1, hosts: core })).digest('hex');
}

/** A client shard: the servers of its clients are read, never changed (the `servers` job converges them first). */
export interface ShardContext {
  readOnly: Set<string>;
  /** Shown in reasons: "2/3". */
  label: string;
}

/** Why a client of a shard cannot go on: its server (another job's host) is not converged yet. */
function unconvergedServer(d: DesiredHost, shard: ShardContext, serverParts: Map<string, PartPlan>, facts: Map<string, FactsResult>): string | undefined {
  const server = d.client?.repository.serverHost;
  if (!server || !shard.readOnly.has(server) || !facts.get(server)?.ok) return undefined;
  const pending = serverParts.get(server)?.changes.length ?? 1;
  if (!pending) return undefined;
  return `its server ${server} is not converged (${pending} pending change${pending === 1 ? '' : 's'}): the servers job (shard: servers) must apply it before the client shards run`;
}

/**
 * Two runs may plan the same host before either applies (a push and a manual run): the ops of a
 * host that changes run only if the host is still as probed, and mark it changed afterwards.
 */
function guarded(ops: PlannedChange[], generation = '0'): PlannedChange[] {
  if (!ops.some((o) => o.changeId !== '')) return ops; // only bookkeeping (repo-verify): harmless to repeat
  return [{ changeId: '', op: { op: 'guard-generation', generation } }, ...ops, { changeId: '', op: { op: 'bump-generation' } }];
}

/**
 * Pure (asynchronous only for bcrypt): desired × facts → plan. Cross-host decisions live here: a client whose
 * server could not be read is skipped, and each absent repository gets exactly one
 * initialiser (the first client by name among those that found it absent).
 */
export async function buildPlan(
  desired: DesiredHost[],
  facts: Map<string, FactsResult>,
  /** Server parts already planned (planRun needs them early; bcrypt work is not done twice). */
  serverParts = new Map<string, PartPlan>(),
  /** One job of a sharded run (desired/shard.ts). */
  shard?: ShardContext,
): Promise<BuiltPlan> {
  const hosts: HostPlan[] = [];
  const ops = new Map<string, PlannedChange[]>();

  const initializers = new Map<string, string>();
  for (const d of desired) {
    const r = facts.get(d.name);
    if (!d.client || !r?.ok || !r.facts.client) continue;
    const st = r.facts.client.repo.status;
    if ((st === 'absent' || st === 'unchecked') && !initializers.has(d.client.repository.key)) {
      // Shards run at once: only the repository's first client, whichever shard holds it, may create it.
      initializers.set(d.client.repository.key, shard ? d.client.repository.sharedBy[0]! : d.name);
    }
  }

  for (const d of desired) {
    const base = { host: d.name, roles: rolesOf(d), changes: [], warnings: [] };
    const r = facts.get(d.name);
    if (!r) continue; // not in this run (--limit)
    if (shard?.readOnly.has(d.name)) continue; // another job's host: read for its clients only
    const notConverged = shard && unconvergedServer(d, shard, serverParts, facts);
    if (notConverged) {
      hosts.push({ ...base, status: 'failed', reason: notConverged });
      continue;
    }
    if (!r.ok) {
      hosts.push({ ...base, status: 'failed', reason: r.reason });
      continue;
    }
    const serverHost = d.client?.repository.serverHost;
    const serverFacts = serverHost && serverHost !== d.name ? facts.get(serverHost) : undefined;
    if (serverFacts && !serverFacts.ok) {
      hosts.push({ ...base, status: 'skipped', reason: `its server ${serverHost} failed: ${serverFacts.reason}` });
      continue;
    }
    try {
      const parts = [];
      if (d.server) parts.push(serverParts.get(d.name) ?? (await planServer(d.server, r.facts.server!)));
      if (d.client) {
        const key = d.client.repository.key;
        const init = initializers.get(key);
        // A shard whose repository's first client is in another job: that job creates it, maybe later.
        const elsewhere = !!shard && !!init && init !== d.name && !facts.has(init);
        parts.push(planClient(d.client, r.facts.client!, { initializer: init === d.name, initializedBy: init, initializedElsewhere: elsewhere }));
      }
      hosts.push({ ...base, status: 'ok', changes: parts.flatMap((p) => p.changes), warnings: parts.flatMap((p) => p.warnings) });
      ops.set(d.name, guarded(parts.flatMap((p) => p.ops), r.facts.generation));
    } catch (err) {
      hosts.push({ ...base, status: 'failed', reason: err instanceof Error ? err.message : String(err) });
    }
  }
  hosts.sort((a, b) => a.host.localeCompare(b.host));
  return { plan: { version: 1, offline: false, hosts, hash: planHash(hosts) }, ops };
}
