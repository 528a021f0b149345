import path from 'node:path';
import { buildDesired } from '../desired/build.js';
import type { DesiredHost } from '../desired/types.js';
import { loadConfig } from '../inventory/index.js';
import type { HostConfig } from '../inventory/config.js';
import { InventoryError, type Diagnostic } from '../inventory/types.js';
import type { InventoryOptions } from './options.js';

export interface LoadedDesired {
  hosts: HostConfig[];
  desired: DesiredHost[]; // narrowed by limit
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
  return {
    hosts,
    desired: built.hosts.filter((d) => selected.has(d.name)),
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
