import path from 'node:path';
import { buildDesired } from '../desired/build.js';
import type { DesiredHost } from '../desired/types.js';
import { loadConfig } from '../inventory/index.js';
import type { HostConfig } from '../inventory/config.js';
import { InventoryError, type Diagnostic } from '../inventory/types.js';
import type { InventoryOptions } from './options.js';
import { selectShard, shardLabel } from '../desired/shard.js';
import type { ShardContext } from '../plan/build.js';

export interface LoadedDesired {
  hosts: HostConfig[];
  desired: DesiredHost[]; // narrowed by limit and shard (a client shard's servers included, read-only)
  /** A client shard's view of the servers of its clients (another job converges them). */
  shard?: ShardContext;
  diagnostics: Diagnostic[]; // warnings (errors throw InventoryError)
  inventoryDir: string; // repo-relative
}

/** Loads, validates and renders desired state; throws InventoryError with every problem found. */
export async function loadDesired(o: InventoryOptions): Promise<LoadedDesired> {
  const { inventory, hosts, diagnostics } = await loadConfig({
    repoRoot: o.repoRoot,
    inventoryDir: o.inventory,
    env: o.env,
    envAllowlist: o.envAllowlist,
    vaultPassword: o.vaultPassword,
    placeholderSecrets: o.offline,
  });
  const dirRel = path.relative(o.repoRoot, path.resolve(o.repoRoot, o.inventory)) || '.';
  // The cron file names the inventory by its name (inventories/<name>), not by a path that depends on the checkout.
  const built = buildDesired(hosts, `inventory ${path.basename(path.resolve(o.repoRoot, o.inventory))}`);
  const errors = built.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new InventoryError([...errors]);
  const selected = selectHosts(built.hosts.map((d) => d.name), inventory.groups, o.limit);
  const limited = built.hosts.filter((d) => selected.has(d.name));
  const sharded = o.shard && selectShard(limited, o.shard);
  // A server outside the limit is still read for its clients: a limit must not hide an unconverged server.
  const readOnly = sharded ? [...sharded.readOnly, ...readOnlyOutside(sharded.converge, sharded.readOnly, built.hosts)] : [];
  return {
    hosts,
    desired: sharded ? [...readOnly, ...sharded.converge] : limited,
    shard: o.shard && { readOnly: new Set(readOnly.map((d) => d.name)), label: shardLabel(o.shard) },
    diagnostics: [...diagnostics, ...built.diagnostics],
    inventoryDir: dirRel,
  };
}

/** --limit: host names or group names (Ansible-like); unknown names are an error. */
export function selectHosts(all: string[], groups: Record<string, string[]>, limit?: string[]): Set<string> {
  if (!limit?.length) return new Set(all);
  const out = new Set<string>();
  const unknown: string[] = [];
  for (const item of limit.flatMap((l) => l.split(',')).map((s) => s.trim()).filter(Boolean)) {
    if (all.includes(item)) out.add(item);
    else if (groups[item]) groups[item]!.forEach((h) => out.add(h));
    else unknown.push(item);
  }
  if (unknown.length) throw new Error(`--limit names no host or group: ${unknown.join(', ')}`);
  return out;
}

/** Servers of a shard's clients that the limit left out (selectShard only sees the limited hosts). */
function readOnlyOutside(converge: DesiredHost[], readOnly: DesiredHost[], all: DesiredHost[]): DesiredHost[] {
  const have = new Set(readOnly.map((d) => d.name));
  const want = new Set(converge.filter((d) => !d.server).map((d) => d.client?.repository.serverHost).filter((n): n is string => !!n && !have.has(n)));
  return all.filter((d) => want.has(d.name));
}
