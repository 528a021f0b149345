// The doors users meet, as processes against the lab: the built CLI (`node dist/cli/index.js`)
// and the built action (`node dist/index.js` with INPUT_*/GITHUB_* as the runner sets them).
// End-to-end tests drive restic-fleet only through these (plus failpoint tests that need an
// in-process hook, see restore.test.ts).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Plan } from '../../../src/plan/types.js';
import type { HostResult, RestoreReport } from '../../../src/results/types.js';
import { REPO_ROOT, runAction, spawnBounded, type ActionRun, type EventFixture, type Payload } from './action.js';
import { NODE_BIN } from '../../support/node-bin.js';
import { onBase, type InventoryCopy } from './engine.js';
import { labState } from './lab.js';

export const CLI = path.join(REPO_ROOT, 'dist/cli/index.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `restic-fleet <command> -i <copy> <args>` with the lab's key, pinned host keys and secrets (in the environment). */
export function cli(copy: InventoryCopy, command: string, args: string[] = [], o: { env?: Record<string, string> } = {}): Promise<CliRun> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build`);
  const lab = labState();
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', ...(o.env ?? lab.secretsEnv) };
  return spawnBounded(NODE_BIN, [CLI, command, '-i', copy.dir, '--key', lab.keyPath, '--known-hosts', lab.knownHostsPath, ...args], { cwd: copy.repoRoot, env }, 280);
}

export interface CliPlanRun extends CliRun {
  plan: Plan;
  results: HostResult[];
}

/** The pretty-printed JSON document `--json` ends stdout with (progress lines may come before it). */
const jsonStart = (stdout: string): number => (stdout.startsWith('{') ? 0 : stdout.indexOf('\n{\n') + 1);

const parseJson = <T>(r: CliRun, what: string): T => {
  try {
    return JSON.parse(r.stdout.slice(jsonStart(r.stdout))) as T;
  } catch {
    throw new Error(`${what}: no JSON on stdout (exit ${r.code})\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  }
};

/** `plan --json` / `apply --json`: the plan and the per-host results the CLI prints. */
export async function cliConverge(
  copy: InventoryCopy,
  command: 'plan' | 'apply',
  o: { env?: Record<string, string>; planHash?: string } = {},
): Promise<CliPlanRun> {
  const r = await cli(copy, command, ['--json', ...(o.planHash ? ['--plan-hash', o.planHash] : [])], o);
  return { ...r, ...parseJson<{ plan: Plan; results: HostResult[] }>(r, `restic-fleet ${command}`) };
}

export async function cliRestore(
  copy: InventoryCopy,
  req: { host: string; set: string; snapshot?: string; target?: string; dryRun?: boolean },
): Promise<CliRun & { report?: RestoreReport }> {
  const args = ['--json', '--host', req.host, '--set', req.set, '--snapshot', req.snapshot ?? 'latest', '--target', req.target ?? 'in-place', ...(req.dryRun ? ['--dry-run'] : [])];
  const r = await cli(copy, 'restore', args);
  return jsonStart(r.stdout) > 0 || r.stdout.startsWith('{') ? { ...r, report: parseJson<RestoreReport>(r, 'restic-fleet restore') } : r;
}

export interface StepOptions {
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  patchEvent?: (p: Payload) => void;
  apiUrl?: string;
  runId?: string;
}

/** One workflow step that uses restic-fleet on the lab: the lab's key, pinned host keys, the secrets in `env:`. */
export function actionStep(copy: InventoryCopy, command: string, event: EventFixture, o: StepOptions = {}): Promise<ActionRun> {
  const lab = labState();
  return runAction({
    inputs: {
      command,
      inventory: copy.inventory,
      'ssh-private-key': readFileSync(lab.keyPath, 'utf8'),
      'known-hosts': readFileSync(lab.knownHostsPath, 'utf8'),
      ...o.inputs,
    },
    workspace: copy.repoRoot,
    event,
    patchEvent: onBase(copy, o.patchEvent),
    apiUrl: o.apiUrl,
    env: o.env ?? { ...lab.secretsEnv },
    runId: o.runId,
  });
}
