import type { ShardSpec } from '../desired/shard.js';
import type { MaybeSecret, Secret } from '../secret.js';
import type { Logger } from './logger.js';
import type { TransportFactory } from './sessions.js';

/** What every command needs to load an inventory (both doors fill it; bounds: commands/options.ts). */
export interface InventoryOptions {
  repoRoot: string; // the workspace / repository root; diagnostics are relative to it
  inventory: string; // inventory dir (relative to repoRoot or absolute)
  env: Record<string, string | undefined>;
  /** Environment names templates may read besides VAULT_* and RESTIC_FLEET_* (inventory/env-policy.ts). */
  envAllowlist?: readonly string[];
  vaultPassword?: MaybeSecret;
  limit?: string[]; // host or group names
  /** One job of a matrix (desired/shard.ts): after limit. */
  shard?: ShardSpec;
  log: Logger;
  /** No live hosts and maybe no secrets (a fork's PR): missing secrets become placeholders. */
  offline?: boolean;
}

export interface SshOptions {
  privateKey: Secret;
  knownHosts: string;
  insecureSkipHostKeyCheck: boolean;
}

/** What commands that reach hosts need on top. */
export interface RemoteOptions extends InventoryOptions {
  ssh: SshOptions;
  concurrency: number;
  /** For tests and local runs: how to reach a host (default: SSH). */
  transportFactory?: TransportFactory;
}
