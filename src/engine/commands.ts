import path from 'node:path';
import { buildDesired } from '../desired/build.js';
import type { DesiredHost } from '../desired/types.js';
import { synthesisedFacts } from '../plan/offline.js';
import { untrustedDestinations } from '../plan/trust.js';
import { loadConfig } from '../inventory/index.js';
import type { HostConfig } from '../inventory/config.js';
import { InventoryError, type Diagnostic } from '../inventory/types.js';
import { openTransport } from '../remote/connect.js';
import type { HostResult } from '../report/types.js';
import type { MaybeSecret, Secret } from '../secret.js';
import { applyRun, planResults, planRun, type PlanRun } from './converge.js';
import type { Logger } from './logger.js';
import { Sessions, type TransportFactory } from './sessions.js';

export interface InventoryOptions {
  repoRoot: string; // the workspace / repository root; diagnostics are relative to it
  inventory: string; // inventory dir (relative to repoRoot or absolute)
  env: Record<string, string | undefined>;
  /** Environment names templates may read besides VAULT_* and RESTIC_FLEET_* (inventory/env-policy.ts). */
  envAllowlist?: readonly string[];
  vaultPassword?: MaybeSecret;
  limit?: string[]; // host or group names
  log: Logger;
  /** No live hosts and maybe no secrets (a fork's PR): missing secrets become placeholders. */
  offline?: boolean;
}

export interface SshOptions {
  privateKey: Secret;
  knownHosts: string;
  insecureSkipHostKeyCheck: boolean;
}

export interface RemoteOptions extends InventoryOptions {
  ssh: SshOptions;
  concurrency: number;
  /** For tests and local runs: how to reach a host (default: SSH). */
  transportFactory?: TransportFactory;
}

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

/** How to reach a host: the options' factory (tests, local runs) or SSH with the pinned keys. */
export function transportFactoryFor(o: RemoteOptions): TransportFactory {
  return (
    o.transportFactory ??
    ((d) =>
      openTransport({
        hostName: d.name,
        connection: d.connection,
        privateKey: o.ssh.privateKey,
        knownHosts: o.ssh.knownHosts,
        insecureSkipHostKeyCheck: o.ssh.insecureSkipHostKeyCheck,
        warn: (m) => o.log.warn(m),
      }))
  );
}

export const sessionsFor = (o: RemoteOptions): Sessions => new Sessions(transportFactoryFor(o));

export interface RunOutcome {
  run: PlanRun;
  results: HostResult[];
  loaded: LoadedDesired;
}

/** A pull request's plan: its inventory is compared with the base branch's before any host is contacted. */
export interface PullRequestBase {
  /** The base branch's desired state; undefined when it could not be read (then nothing is trusted). */
  hosts?: DesiredHost[];
  unavailable?: string;
}

export async function planCommand(o: RemoteOptions, pr?: PullRequestBase): Promise<RunOutcome> {
  const loaded = await loadDesired(o);
  const sessions = sessionsFor(o);
  try {
    const untrusted = pr ? { ...untrustedDestinations(loaded.desired, pr.hosts, pr.unavailable), facts: synthesisedFacts(loaded.desired, pr.hosts ?? []) } : undefined;
    const run = await planRun({ desired: loaded.desired, sessions, concurrency: o.concurrency, untrusted });
    return { run, results: planResults(run.plan, run, sessions), loaded };
  } finally {
    await sessions.closeAll();
  }
}

export class PlanHashMismatch extends Error {}

/** Plans, then applies exactly that plan. With expectedHash, refuses when the live plan differs from the reviewed one. */
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
