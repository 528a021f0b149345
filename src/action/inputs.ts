import * as core from '@actions/core';
import { parseEnvAllowlist } from '../inventory/env-policy.js';
import { concurrencyOption, limitOption, planHashOption, shardOption, staleAfterOption } from '../commands/options.js';
import type { ShardSpec } from '../desired/shard.js';
import type { InventoryOptions, RemoteOptions } from '../engine/options.js';
import { Secret } from '../secret.js';
import { actionLogger } from './logger.js';

export type Command = 'validate' | 'plan' | 'apply' | 'snapshots' | 'restore' | 'summary';
const COMMANDS: Command[] = ['validate', 'plan', 'apply', 'snapshots', 'restore', 'summary'];

/** The action's inputs, read once; secrets become Secrets (and are masked) before anything else runs. */
export interface ActionInputs {
  command: Command;
  inventory: string;
  limit?: string[];
  shard?: ShardSpec;
  /** env-allowlist: environment names templates may read besides VAULT_* and RESTIC_FLEET_*. */
  envAllowlist: string[];
  sshPrivateKey?: Secret;
  knownHosts: string;
  insecureSkipHostKeyCheck: boolean;
  vaultPassword?: Secret;
  githubToken?: Secret;
  concurrency: number;
  staleAfterSeconds: number;
  failOnStale: boolean;
  comment: boolean;
  planHash?: string;
  /** summary: the directory (in the workspace) with the shards' snapshot reports. */
  snapshotsDir: string;
  /** As given; commands/options.ts restoreOption() checks it when the command is restore. */
  restore: { host: string; set: string; snapshot: string; target: string; dryRun: boolean };
}

const secretInput = (name: string): Secret | undefined => {
  const v = core.getInput(name);
  if (!v) return undefined;
  core.setSecret(v);
  return new Secret(v, `input ${name}`);
};

function boolInput(name: string, fallback: boolean): boolean {
  const v = core.getInput(name).trim();
  if (!v) return fallback;
  if (/^(true|yes|on|1)$/i.test(v)) return true;
  if (/^(false|no|off|0)$/i.test(v)) return false;
  throw new Error(`input ${name} must be true or false, got "${v}"`);
}

export function readInputs(): ActionInputs {
  const command = (core.getInput('command') || 'plan').trim() as Command;
  if (!COMMANDS.includes(command)) throw new Error(`input command must be one of ${COMMANDS.join(', ')}, got "${command}"`);
  // summary reads the shards' reports, not the inventory.
  const inventory = core.getInput('inventory', { required: command !== 'summary' }).trim();
  const concurrency = concurrencyOption(core.getInput('concurrency'), 'input concurrency');
  return {
    command,
    inventory,
    limit: limitOption(core.getInput('limit')),
    shard: shardOption(core.getInput('shard'), 'input shard'),
    envAllowlist: parseEnvAllowlist(core.getInput('env-allowlist')),
    sshPrivateKey: secretInput('ssh-private-key'),
    knownHosts: core.getInput('known-hosts'),
    insecureSkipHostKeyCheck: boolInput('insecure-skip-host-key-check', false),
    vaultPassword: secretInput('vault-password'),
    githubToken: secretInput('github-token'),
    concurrency,
    staleAfterSeconds: staleAfterOption(core.getInput('stale-after'), 'stale-after'),
    failOnStale: boolInput('fail-on-stale', false),
    comment: boolInput('comment', true),
    planHash: planHashOption(core.getInput('plan-hash')),
    snapshotsDir: core.getInput('snapshots-dir').trim() || 'snapshots',
    restore: {
      host: core.getInput('host').trim(),
      set: core.getInput('set').trim(),
      snapshot: core.getInput('snapshot').trim() || 'latest',
      target: core.getInput('target').trim() || 'in-place',
      dryRun: boolInput('dry-run', false),
    },
  };
}

/** What every command gets: the inventory in the workspace, the environment, the limit. */
export function inventoryOptions(inputs: ActionInputs): InventoryOptions {
  return {
    repoRoot: process.env.GITHUB_WORKSPACE ?? process.cwd(),
    inventory: inputs.inventory,
    env: process.env,
    envAllowlist: inputs.envAllowlist,
    vaultPassword: inputs.vaultPassword,
    limit: inputs.limit,
    shard: inputs.shard,
    log: actionLogger,
  };
}

/** Commands that reach hosts: the SSH key and pinned host keys are required (or the loud opt-out). */
export function remoteOptions(base: InventoryOptions, inputs: ActionInputs): RemoteOptions {
  if (!inputs.sshPrivateKey) throw new Error(`command ${inputs.command} needs the ssh-private-key input`);
  if (!inputs.knownHosts && !inputs.insecureSkipHostKeyCheck) {
    throw new Error('the known-hosts input is empty: pin the hosts\' keys (ssh-keyscan output) or set insecure-skip-host-key-check: true');
  }
  return {
    ...base,
    concurrency: inputs.concurrency,
    ssh: { privateKey: inputs.sshPrivateKey, knownHosts: inputs.knownHosts, insecureSkipHostKeyCheck: inputs.insecureSkipHostKeyCheck },
  };
}
