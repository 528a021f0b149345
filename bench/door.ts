// One run of the built action (`node dist/index.js`) as the GitHub runner starts it, timed
// from outside: wall time, cold start (spawn to the first byte of output) and peak RSS
// (/usr/bin/time's maximum resident set size). The environment follows
// test/e2e/support/action.ts (INPUT_* with action.yml's defaults, GITHUB_* file commands).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(REPO_ROOT, 'dist/index.js');
const TIME = '/usr/bin/time';

export interface DoorRun {
  code: number | null; // null: killed after the timeout
  wallMs: number;
  /** Spawn to the first byte on stdout or stderr. */
  coldStartMs: number;
  /** Peak resident set size of the node process, MiB (undefined without /usr/bin/time). */
  peakRssMiB?: number;
  stdout: string;
  stderr: string;
}

export interface DoorOptions {
  command: string;
  event: 'push.main' | 'workflow_dispatch';
  inputs: Record<string, string>;
  /** The step's `env:` (the vault_* secrets). */
  env: Record<string, string>;
  workspace: string;
  timeoutSeconds: number;
}

const inputEnvName = (name: string): string => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;

function runnerEnv(o: DoorOptions, tmp: string): Record<string, string> {
  const action = parse(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }> };
  const token = 'ghs_benchbenchbenchbenchbench0000';
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmp, LANG: 'C.UTF-8',
    CI: 'true', GITHUB_ACTIONS: 'true', RUNNER_OS: 'Linux', RUNNER_ARCH: 'X64', RUNNER_TEMP: tmp, RUNNER_DEBUG: '',
    GITHUB_WORKSPACE: o.workspace, GITHUB_REPOSITORY: 'acme/infra', GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_SERVER_URL: 'https://github.com',
    // A closed loopback port: the bench runs make no API calls (no pull request, comment off).
    GITHUB_API_URL: 'http://127.0.0.1:9', GITHUB_GRAPHQL_URL: 'http://127.0.0.1:9/graphql',
    GITHUB_RUN_ID: String(10_000_000_000 + Math.floor(Math.random() * 1e9)), GITHUB_RUN_NUMBER: '1', GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKFLOW: 'backups', GITHUB_JOB: 'restic-fleet', GITHUB_ACTION: '__restic-fleet', GITHUB_ACTOR: 'octocat',
  };
  for (const f of ['OUTPUT', 'STEP_SUMMARY', 'ENV', 'STATE', 'PATH']) {
    const p = path.join(tmp, `github_${f.toLowerCase()}`);
    writeFileSync(p, '');
    env[`GITHUB_${f}`] = p;
  }
  for (const [name, decl] of Object.entries(action.inputs)) inputs(env, name, (decl.default ?? '').replace(/\$\{\{\s*github\.token\s*\}\}/g, token));
  for (const [name, value] of Object.entries({ command: o.command, comment: 'false', ...o.inputs })) inputs(env, name, value);
  const eventPath = path.join(tmp, 'event.json');
  writeFileSync(eventPath, readFileSync(path.join(REPO_ROOT, 'test/fixtures/events', `${o.event}.json`)));
  const name = o.event.split('.')[0]!;
  Object.assign(env, {
    GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: eventPath, GITHUB_REF: 'refs/heads/main', GITHUB_REF_NAME: 'main',
    GITHUB_SHA: '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b', GITHUB_HEAD_REF: '', GITHUB_BASE_REF: '',
  });
  return { ...env, ...o.env };
}

const inputs = (env: Record<string, string>, name: string, value: string): void => {
  env[inputEnvName(name)] = value;
};

/** Runs the action once; never throws for a failed run (the caller reports the exit code). */
export function runDoor(o: DoorOptions): Promise<DoorRun> {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`npm run build\` first`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rf-bench-run-'));
  const env = runnerEnv(o, tmp);
  const rssFile = path.join(tmp, 'rss');
  const useTime = existsSync(TIME);
  const [cmd, args] = useTime ? [TIME, ['-f', '%M', '-o', rssFile, process.execPath, DIST]] : [process.execPath, [DIST]];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first: number | undefined;
    const child = spawn(cmd, args, { cwd: o.workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const mark = () => (first ??= performance.now());
    child.stdout.on('data', (b: Buffer) => (mark(), out.push(b)));
    child.stderr.on('data', (b: Buffer) => (mark(), err.push(b)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutSeconds * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      const end = performance.now();
      clearTimeout(timer);
      let peakRssMiB: number | undefined;
      if (useTime && existsSync(rssFile)) {
        const kb = Number(/^(\d+)\s*$/m.exec(readFileSync(rssFile, 'utf8'))?.[1]);
        if (kb) peakRssMiB = kb / 1024;
      }
      rmSync(tmp, { recursive: true, force: true });
      resolve({
        code: timedOut ? null : code, wallMs: end - t0, coldStartMs: (first ?? end) - t0, peakRssMiB,
        stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}
