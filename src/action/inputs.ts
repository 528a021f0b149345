import * as core from '@actions/core';
import { parseEnvAllowlist } from '../inventory/env-policy.js';
import { parseDuration } from '../report/duration.js';
import { Secret } from '../secret.js';

export type Command = 'validate' | 'plan' | 'apply' | 'snapshots' | 'restore';
const COMMANDS: Command[] = ['validate', 'plan', 'apply', 'snapshots', 'restore'];

/** The action's inputs, read once; secrets become Secrets (and are masked) before anything else runs. */
export interface ActionInputs {
  command: Command;
  inventory: string;
  limit?: string[];
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
  const inventory = core.getInput('inventory', { required: true }).trim();
  const limit = core.getInput('limit').trim();
  const concurrency = Number(core.getInput('concurrency') || '10');
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new Error(`input concurrency must be a whole number from 1 to 256`);
  return {
    command,
    inventory,
    limit: limit ? [limit] : undefined,
    envAllowlist: parseEnvAllowlist(core.getInput('env-allowlist')),
    sshPrivateKey: secretInput('ssh-private-key'),
    knownHosts: core.getInput('known-hosts'),
    insecureSkipHostKeyCheck: boolInput('insecure-skip-host-key-check', false),
    vaultPassword: secretInput('vault-password'),
    githubToken: secretInput('github-token'),
    concurrency,
    staleAfterSeconds: parseDuration(core.getInput('stale-after') || '26h', 'stale-after'),
    failOnStale: boolInput('fail-on-stale', false),
    comment: boolInput('comment', true),
    planHash: core.getInput('plan-hash').trim() || undefined,
    restore: {
      host: core.getInput('host').trim(),
      set: core.getInput('set').trim(),
      snapshot: core.getInput('snapshot').trim() || 'latest',
      target: core.getInput('target').trim() || 'in-place',
      dryRun: boolInput('dry-run', false),
    },
  };
}
