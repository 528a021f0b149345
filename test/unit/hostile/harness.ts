// Runs one hostile case through every door, each a separate process of the built bundle
// under a preload that records its CPU time and peak RSS: the action's validate and
// offline plan (GITHUB_WORKSPACE = a temp git checkout, a pull_request event whose base
// is the seed commit, no SSH key), and the CLI's validate. The canary secrets are in the
// step's env (the VAULT_* variables the seed maps), in .git/config (a checkout token) and
// in a file outside the workspace that links point at.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runAction, spawnBounded, withoutMaskLines, workflowCommands } from '../../e2e/support/action.js';
import { findLeaks, leakForms } from '../../e2e/support/leaks.js';
import type { HostileCase } from './case.js';

export const SEED = path.join(REPO_ROOT, 'test/fixtures/inventories/seed/inventories/backup');
export const INVENTORY = 'inventories/backup';
const CLI = path.join(REPO_ROOT, 'dist/cli/index.js');

const hex = (n: number) => randomBytes(n).toString('hex');
/** Mixed case, so a lower- or upper-cased copy is a different string to look for. */
const canary = (what: string) => `Canary${what}-${hex(8)}-XyZ`;

/** The secrets no output may show, in any form. */
export const SECRETS = {
  clientPassword: canary('ClientPw'),
  repoPassword: canary('RepoPw'),
  outsideFile: canary('OutsideFile'),
  gitToken: `ghs_${hex(12)}CanaryToken`,
};
export const CANARY_ENV: Record<string, string> = {
  // The seed's one htpasswd user has two variables; equal values, as in a real setup.
  VAULT_RESTIC_CLIENT_PASSWORD: SECRETS.clientPassword,
  VAULT_RESTIC_SERVER_PASSWORD: SECRETS.clientPassword,
  VAULT_RESTIC_REPO_PASSWORD: SECRETS.repoPassword,
};

/** CPU seconds and peak RSS per process: the budget (generous bounds, not benchmarks). */
export const BUDGET = { cpuSeconds: 2, rssMiB: 256 };

export interface DoorRun {
  door: 'action validate' | 'action plan' | 'cli validate';
  code: number | null;
  /** Everything printed, with the runner's `::add-mask::` lines removed. */
  text: string;
  /** Annotations `file:line` (action) or `file:line:col` prefixes (CLI), relative to the workspace. */
  places: string[];
  /** Summary and outputs files (action), for the leak check. */
  files: Record<string, string>;
  cpuSeconds?: number;
  rssMiB?: number;
}

export interface CaseRun {
  name: string;
  runs: DoorRun[];
  /** Wall time of the case (its three processes and the checkout), for finding slow cases. */
  ms: number;
}

/** Writes a case's files into an inventory directory (null deletes). */
export function writeCaseFiles(inventory: string, files: HostileCase['files'] = {}): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(inventory, rel);
    if (content === null) rmSync(abs, { recursive: true, force: true });
    else {
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, content);
    }
  }
}

/** A throwaway tree per test run: a template checkout of the seed, and the outside "secret" files. */
export class Sandbox {
  readonly root = mkdtempSync(path.join(os.tmpdir(), 'rf-hostile-'));
  readonly outside = path.join(this.root, 'outside');
  private readonly template = path.join(this.root, 'template');
  private readonly rusage = path.join(this.root, 'rusage.cjs');
  baseSha = '';
  private n = 0;

  constructor() {
    mkdirSync(this.outside);
    writeFileSync(path.join(this.outside, 'shadow'), `root:${SECRETS.outsideFile}:19000:0:99999:7:::\n`);
    writeFileSync(path.join(this.outside, 'vars.yml'), `restic_repo_password: ${SECRETS.outsideFile}\nrestic_backup_sets: ${SECRETS.outsideFile}\n`);
    mkdirSync(path.join(this.outside, 'etc'));
    writeFileSync(path.join(this.outside, 'etc', 'passwd.yml'), `x: ${SECRETS.outsideFile}\n`);
    writeFileSync(
      this.rusage,
      `process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeFileSync(process.env.RF_RUSAGE_FILE, JSON.stringify({ cpu: (u.userCPUTime + u.systemCPUTime) / 1e6, rss: u.maxRSS / 1024 })); });\n`,
    );
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', this.template, '-c', 'user.name=Octo Cat', '-c', 'user.email=octocat@example.com', '-c', 'init.defaultBranch=main', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    mkdirSync(this.template);
    git('init', '-q');
    cpSync(SEED, path.join(this.template, INVENTORY), { recursive: true });
    git('add', '-A');
    git('commit', '-q', '-m', 'Seed inventory');
    this.baseSha = git('rev-parse', 'HEAD');
    // What actions/checkout leaves behind: the token in .git/config.
    const auth = Buffer.from(`x-access-token:${SECRETS.gitToken}`).toString('base64');
    git('config', 'http.https://github.com/.extraheader', `AUTHORIZATION: basic ${auth}`);
    git('config', 'remote.origin.url', `https://x-access-token:${SECRETS.gitToken}@github.com/acme/infra`);
  }

  /** A fresh checkout (the PR's head: the case's edits, uncommitted) for one case. */
  prepare(c: HostileCase): { workspace: string; inventory: string } {
    const workspace = path.join(this.root, `case-${++this.n}`);
    cpSync(this.template, workspace, { recursive: true, verbatimSymlinks: true });
    const inventory = path.join(workspace, INVENTORY);
    writeCaseFiles(inventory, c.files);
    c.setup?.({ workspace, inventory });
    return { workspace, inventory };
  }

  async run(c: HostileCase): Promise<CaseRun> {
    const t0 = Date.now();
    const { workspace } = this.prepare(c);
    const env = { ...CANARY_ENV, ...c.env };
    const runs: DoorRun[] = [];
    for (const command of ['validate', 'plan'] as const) {
      const usage = path.join(workspace, `..`, `${path.basename(workspace)}-${command}.rusage.json`);
      const r = await runAction({
        inputs: { command, inventory: INVENTORY, comment: 'false' }, // no ssh-private-key: the offline plan
        workspace,
        event: 'pull_request.opened',
        patchEvent: (p: { pull_request: { base: { sha: string } } }) => {
          p.pull_request.base.sha = this.baseSha;
        },
        env: { ...env, NODE_OPTIONS: `--require ${this.rusage}`, RF_RUSAGE_FILE: usage },
        timeoutSeconds: 30,
      });
      rmSync(path.dirname(r.env.GITHUB_OUTPUT!), { recursive: true, force: true });
      const commands = workflowCommands(r.stdout).filter((w) => w.command !== 'add-mask');
      const annotations = commands.filter((w) => w.props.file);
      runs.push({
        door: `action ${command}`,
        code: r.code,
        text: `${withoutMaskLines(r.stdout)}\n${commands.map((w) => w.message).join('\n')}\n${r.stderr}`,
        places: annotations.map((a) => `${a.props.file}:${a.props.line}`),
        files: { summary: r.summary, outputs: r.outputsFile },
        ...readUsage(usage),
      });
    }
    const usage = path.join(workspace, '..', `${path.basename(workspace)}-cli.rusage.json`);
    const cli = await spawnBounded(process.execPath, ['--require', this.rusage, CLI, 'validate', '-i', INVENTORY], {
      cwd: workspace,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.root, LANG: 'C.UTF-8', ...env, RF_RUSAGE_FILE: usage },
    }, 30);
    const text = `${cli.stdout}\n${cli.stderr}`;
    runs.push({
      door: 'cli validate',
      code: cli.code,
      text,
      places: [...text.matchAll(/^(.+?):(\d+):(\d+): (?:error|warning)/gm)].map((m) => `${m[1]}:${m[2]}`),
      files: {},
      ...readUsage(usage),
    });
    rmSync(workspace, { recursive: true, force: true });
    return { name: c.name, runs, ms: Date.now() - t0 };
  }

  close(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

function readUsage(file: string): { cpuSeconds?: number; rssMiB?: number } {
  if (!existsSync(file)) return {};
  const u = JSON.parse(readFileSync(file, 'utf8')) as { cpu: number; rss: number };
  return { cpuSeconds: u.cpu, rssMiB: u.rss };
}


/** Every secret form found in a door's output: leakForms (raw, URL, JSON, base64…) plus lower- and upper-cased. */
export function leaksIn(run: DoorRun): string[] {
  const texts = { log: run.text, ...run.files };
  const found = findLeaks(texts, SECRETS).map((l) => `${l.where}: ${l.secret} (${l.form}): ${l.context}`);
  for (const [where, text] of Object.entries(texts)) {
    const hay = text.toLowerCase();
    for (const [label, value] of Object.entries(SECRETS)) {
      for (const { form, text: needle } of leakForms(value)) {
        if (hay.includes(needle.toLowerCase())) found.push(`${where}: ${label} (${form}, any case)`);
      }
    }
  }
  return [...new Set(found)];
}
