import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { applyCommand, loadDesired, planCommand, type InventoryOptions, type RemoteOptions } from './engine/commands.js';
import { consoleLogger, stderrLogger } from './engine/logger.js';
import { InventoryError, formatDiagnostic } from './inventory/types.js';
import { renderDesired } from './desired/display.js';
import { parseDuration } from './report/duration.js';
import { planLogGroups, renderResultTable } from './report/plan-text.js';
import { restoreLogText, snapshotLogText } from './report/summary.js';
import { restoreCommand } from './restore/command.js';
import { snapshotsCommand } from './engine/snapshots.js';
import { Secret } from './secret.js';
import { err, errRecord, out, outJson, outJsonText, outRecord } from './cli-output.js';
import { parseEnvFile } from './util/env-file.js';
import { envNameReadable, parseEnvAllowlist } from './inventory/env-policy.js';

const USAGE = `usage: restic-fleet <command> -i <inventory dir> [options]

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
  -c, --concurrency N         hosts at once (default 10)
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

function gitTopLevel(dir: string): string | undefined {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--show-toplevel'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The CLI door: same engine as the action. Returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      inventory: { type: 'string', short: 'i' },
      root: { type: 'string' },
      limit: { type: 'string', short: 'l' },
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
  const command = positionals[0];
  if (v.help || !command) {
    console.log(USAGE);
    return command || v.help ? 0 : 2;
  }
  if (!v.inventory) {
    console.error('restic-fleet: -i/--inventory is required\n');
    console.error(USAGE);
    return 2;
  }

  const env: Record<string, string | undefined> = { ...process.env };
  // Names the env file defines are given to the inventory on purpose: templates may read them.
  const fromFile = v['env-file'] ? parseEnvFile(readFileSync(v['env-file'], 'utf8')) : {};
  Object.assign(env, fromFile);
  const envAllowlist = [
    ...parseEnvAllowlist(v['env-allowlist'] ?? '', '--env-allowlist'),
    ...Object.keys(fromFile).filter((n) => envNameReadable(n, [n])),
  ];
  const inventoryAbs = path.resolve(v.inventory);
  // The parent, not the inventory itself: git would follow an inventory that is a link to another repository.
  const repoRoot = path.resolve(v.root ?? gitTopLevel(path.dirname(inventoryAbs)) ?? process.cwd());
  const base: InventoryOptions = {
    repoRoot,
    inventory: inventoryAbs,
    env,
    envAllowlist,
    vaultPassword: v['vault-password-file']
      ? new Secret(readFileSync(v['vault-password-file'], 'utf8').replace(/\r?\n$/, ''), 'vault password file')
      : env.ANSIBLE_VAULT_PASSWORD
        ? new Secret(env.ANSIBLE_VAULT_PASSWORD, 'env ANSIBLE_VAULT_PASSWORD')
        : undefined,
    limit: v.limit ? [v.limit] : undefined,
    log: v.json ? stderrLogger : consoleLogger,
  };

  const remoteOptions = (): RemoteOptions => {
    const keyFile = v.key ?? env.RESTIC_FLEET_SSH_KEY_FILE ?? path.join(os.homedir(), '.ssh', 'id_ed25519');
    return {
      ...base,
      concurrency: Math.max(1, Number(v.concurrency) || 10),
      ssh: {
        privateKey: new Secret(readFileSync(keyFile, 'utf8'), `key file ${keyFile}`),
        knownHosts: readFileSync(v['known-hosts'] ?? path.join(os.homedir(), '.ssh', 'known_hosts'), 'utf8'),
        insecureSkipHostKeyCheck: v['insecure-skip-host-key-check'],
      },
    };
  };

  try {
    switch (command) {
      case 'validate': {
        const loaded = await loadDesired(base);
        for (const d of loaded.diagnostics) outRecord(formatDiagnostic(d));
        out(`ok: ${loaded.hosts.length} hosts (${loaded.desired.filter((d) => d.server).length} servers, ${loaded.desired.filter((d) => d.client).length} clients)`);
        return 0;
      }
      case 'render': {
        const loaded = await loadDesired({ ...base, limit: v.host ? [v.host] : base.limit });
        for (const d of loaded.diagnostics) errRecord(formatDiagnostic(d));
        // Secrets serialise as "***" (Secret.toJSON); redaction in outJsonText is the second guard.
        outJsonText(renderDesired(loaded.desired));
        return 0;
      }
      case 'plan':
      case 'apply': {
        const remote = remoteOptions();
        const run = command === 'plan' ? await planCommand(remote) : await applyCommand(remote, v['plan-hash']);
        for (const d of run.loaded.diagnostics) errRecord(formatDiagnostic(d));
        if (v.json) outJson({ plan: run.run.plan, results: run.results });
        else {
          const { header, groups, footer } = planLogGroups(run.run.plan, command === 'apply' ? run.results : undefined);
          if (header.length) out(header.join('\n'));
          for (const g of groups) consoleLogger.group(g.title, g.lines);
          out([...footer, renderResultTable(run.results)].join('\n'));
        }
        return run.results.some((r) => r.outcome === 'failed') ? 1 : 0;
      }
      case 'snapshots': {
        const report = await snapshotsCommand(remoteOptions(), parseDuration(v['stale-after'], '--stale-after'));
        if (v.json) outJson(report);
        else out(snapshotLogText(report));
        return report.hosts.some((h) => h.status === 'failed') ? 1 : 0;
      }
      case 'restore': {
        if (!v.host || !v.set) throw new Error('restore needs --host and --set');
        const report = await restoreCommand(remoteOptions(), { host: v.host, set: v.set, snapshot: v.snapshot, target: v.target, dryRun: v['dry-run'] });
        if (v.json) outJson(report);
        else out(restoreLogText(report));
        return report.outcome === 'failed' ? 1 : 0;
      }
      default:
        errRecord(`restic-fleet: unknown command ${command}`);
        console.error('');
        console.error(USAGE);
        return 2;
    }
  } catch (e) {
    if (e instanceof InventoryError) {
      for (const d of e.diagnostics) errRecord(formatDiagnostic(d));
      return 1;
    }
    err(`restic-fleet: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
