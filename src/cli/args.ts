import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { consoleLogger, stderrLogger } from '../cli-output.js';
import { concurrencyOption, shardOption } from '../commands/options.js';
import type { InventoryOptions, RemoteOptions } from '../engine/options.js';
import { envNameReadable, parseEnvAllowlist } from '../inventory/env-policy.js';
import { Secret } from '../secret.js';
import { parseEnvFile } from '../util/env-file.js';

export const USAGE = `usage: restic-fleet <command> -i <inventory dir> [options]

commands:
  validate            check the inventory; every problem with file:line:col
  render [--host H]   print the desired state (secrets as ***)
  plan                read every host and print what apply would change
  apply               plan, then apply exactly that plan
  snapshots           latest snapshot and last run of every backup set
  restore --host H --set ID [--snapshot ID|latest] [--target in-place|PATH] [--dry-run]

options:
  -i, --inventory DIR         inventory directory (with hosts.yml)
      --root DIR              repository root: paths in messages are relative to it and the
                              inventory must be inside it (default: the git top level of the
                              inventory's parent directory, else cwd)
  -l, --limit LIST            hosts or groups, comma-separated
      --shard servers|I/N     one job of a matrix: the servers, or the I-th of N slices of
                              the other hosts (servers first: see docs/scale.md)
  -c, --concurrency N         hosts at once, 1-256 (default 10)
      --key FILE              SSH private key (default $RESTIC_FLEET_SSH_KEY_FILE, ~/.ssh/id_ed25519)
      --known-hosts FILE      pinned host keys (default ~/.ssh/known_hosts)
      --insecure-skip-host-key-check   accept any host key (loud warning)
      --vault-password-file FILE       ansible-vault password
      --env-file FILE         KEY=VALUE lines with secrets, added to the environment
                              (templates may read the names it defines)
      --env-allowlist LIST    environment names templates may read besides VAULT_* and
                              RESTIC_FLEET_*, comma-separated (never ACTIONS_*, GITHUB_*,
                              RUNNER_*, INPUT_*)
      --plan-hash HASH        apply only if the live plan has this hash
      --stale-after DURATION  snapshots older than this are stale (default 26h)
      --json                  machine-readable output
`;

export function parseCliArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      inventory: { type: 'string', short: 'i' },
      root: { type: 'string' },
      limit: { type: 'string', short: 'l' },
      shard: { type: 'string' },
      concurrency: { type: 'string', short: 'c', default: '10' },
      key: { type: 'string' },
      'known-hosts': { type: 'string' },
      'insecure-skip-host-key-check': { type: 'boolean', default: false },
      'vault-password-file': { type: 'string' },
      'env-file': { type: 'string' },
      'env-allowlist': { type: 'string' },
      'plan-hash': { type: 'string' },
      'stale-after': { type: 'string', default: '26h' },
      host: { type: 'string' },
      set: { type: 'string' },
      snapshot: { type: 'string', default: 'latest' },
      target: { type: 'string', default: 'in-place' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

export type CliValues = ReturnType<typeof parseCliArgs>['values'];

function gitTopLevel(dir: string): string | undefined {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--show-toplevel'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** What every command gets; the env file's names are given to the inventory on purpose (templates may read them). */
export function inventoryOptions(v: CliValues & { inventory: string }, limit: string[] | undefined): InventoryOptions {
  const env: Record<string, string | undefined> = { ...process.env };
  const fromFile = v['env-file'] ? parseEnvFile(readFileSync(v['env-file'], 'utf8')) : {};
  Object.assign(env, fromFile);
  const envAllowlist = [...parseEnvAllowlist(v['env-allowlist'] ?? '', '--env-allowlist'), ...Object.keys(fromFile).filter((n) => envNameReadable(n, [n]))];
  const inventoryAbs = path.resolve(v.inventory);
  // The parent, not the inventory itself: git would follow an inventory that is a link to another repository.
  const repoRoot = path.resolve(v.root ?? gitTopLevel(path.dirname(inventoryAbs)) ?? process.cwd());
  return {
    repoRoot,
    inventory: inventoryAbs,
    env,
    envAllowlist,
    vaultPassword: v['vault-password-file']
      ? new Secret(readFileSync(v['vault-password-file'], 'utf8').replace(/\r?\n$/, ''), 'vault password file')
      : env.ANSIBLE_VAULT_PASSWORD
        ? new Secret(env.ANSIBLE_VAULT_PASSWORD, 'env ANSIBLE_VAULT_PASSWORD')
        : undefined,
    limit,
    shard: shardOption(v.shard, '--shard'),
    log: v.json ? stderrLogger : consoleLogger,
  };
}

/** Commands that reach hosts: the key, the pinned host keys and the concurrency bound. */
export function remoteOptions(base: InventoryOptions, v: CliValues): RemoteOptions {
  const keyFile = v.key ?? base.env.RESTIC_FLEET_SSH_KEY_FILE ?? path.join(os.homedir(), '.ssh', 'id_ed25519');
  return {
    ...base,
    concurrency: concurrencyOption(v.concurrency, '--concurrency'),
    ssh: {
      privateKey: new Secret(readFileSync(keyFile, 'utf8'), `key file ${keyFile}`),
      knownHosts: readFileSync(v['known-hosts'] ?? path.join(os.homedir(), '.ssh', 'known_hosts'), 'utf8'),
      insecureSkipHostKeyCheck: v['insecure-skip-host-key-check'],
    },
  };
}
