// Runs the committed bundle (`node dist/index.js`) the way the GitHub runner runs a
// JavaScript action: a fresh environment with INPUT_* (hyphens kept, action.yml defaults
// filled in), GITHUB_EVENT_NAME/GITHUB_EVENT_PATH (payload fixtures from
// test/fixtures/events/), file commands (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_ENV,
// GITHUB_STATE, GITHUB_PATH) and GITHUB_API_URL pointing at the fake REST server.
// No lab imports here: unit tests use it too.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { NODE_BIN } from '../../support/node-bin.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const DIST = path.join(REPO_ROOT, 'dist/index.js');
export const EVENTS_DIR = path.join(REPO_ROOT, 'test/fixtures/events');

/** Payload fixtures: `<event name>.<variant>.json` (or `<event name>.json`). */
export type EventFixture = 'pull_request.opened' | 'pull_request.synchronize' | 'push.main' | 'workflow_dispatch';

/** An event payload (GitHub's webhook JSON; tests patch it freely). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form JSON
export type Payload = any;

export interface ActionRunOptions {
  /** The step's `with:`; inputs not given get action.yml's default, as on the runner. */
  inputs: Record<string, string>;
  /** GITHUB_WORKSPACE, also the process's cwd. */
  workspace: string;
  event?: EventFixture;
  /** Edits a copy of the payload before it is written (e.g. base sha, PR number). */
  patchEvent?: (payload: Payload) => void;
  /** GITHUB_API_URL (the fake server's url). Default: a closed port, so any call fails loudly. */
  apiUrl?: string;
  /** The step's `env:` (e.g. the secrets the inventory names). */
  env?: Record<string, string>;
  /** GITHUB_REPOSITORY; default acme/infra (the fixtures' repository). */
  repository?: string;
  runId?: string;
  /** What `${{ github.token }}` expands to. */
  token?: string;
  timeoutSeconds?: number;
}

export interface ActionRun {
  code: number | null; // null: killed after the timeout
  stdout: string;
  stderr: string;
  /** Parsed GITHUB_OUTPUT file. */
  outputs: Record<string, string>;
  /** Raw content of the GITHUB_OUTPUT file (for leak checks). */
  outputsFile: string;
  /** Content of the GITHUB_STEP_SUMMARY file. */
  summary: string;
  env: Record<string, string>;
  eventPayload?: Payload;
}

interface ActionYml {
  inputs: Record<string, { default?: string }>;
}

/** INPUT_ name as the runner makes it: spaces → _, upper case, hyphens kept. */
export const inputEnvName = (name: string): string => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;

export function loadEvent(fixture: EventFixture): Payload {
  return JSON.parse(readFileSync(path.join(EVENTS_DIR, `${fixture}.json`), 'utf8'));
}

const hex = (n: number) => randomBytes(n).toString('hex');

export async function runAction(o: ActionRunOptions): Promise<ActionRun> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rf-action-run-'));
  const files = {
    output: path.join(tmp, 'github_output'),
    summary: path.join(tmp, 'step_summary'),
    env: path.join(tmp, 'github_env'),
    state: path.join(tmp, 'github_state'),
    path: path.join(tmp, 'github_path'),
  };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const runnerTemp = mkdtempSync(path.join(tmp, 'runner-temp-'));

  const repository = o.repository ?? 'acme/infra';
  const token = o.token ?? `ghs_${hex(18)}`;
  const action = parse(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as ActionYml;
  const inputs: Record<string, string> = {};
  // The runner sets every declared input: the given value, else the (expanded) default, else ''.
  for (const [name, decl] of Object.entries(action.inputs)) {
    inputs[inputEnvName(name)] = (decl.default ?? '').replace(/\$\{\{\s*github\.token\s*\}\}/g, token);
  }
  for (const [name, value] of Object.entries(o.inputs)) inputs[inputEnvName(name)] = value;

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmp,
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: runnerTemp,
    RUNNER_DEBUG: '',
    GITHUB_WORKSPACE: o.workspace,
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_OWNER: repository.split('/')[0]!,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: o.apiUrl ?? 'http://127.0.0.1:9',
    GITHUB_GRAPHQL_URL: `${o.apiUrl ?? 'http://127.0.0.1:9'}/graphql`,
    GITHUB_RUN_ID: o.runId ?? String(10_000_000_000 + Math.floor(Math.random() * 1e9)),
    GITHUB_RUN_NUMBER: '17',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKFLOW: 'backups',
    GITHUB_JOB: 'restic-fleet',
    GITHUB_ACTION: '__restic-fleet',
    GITHUB_ACTOR: 'octocat',
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_ENV: files.env,
    GITHUB_STATE: files.state,
    GITHUB_PATH: files.path,
    ...inputs,
  };

  let payload: Payload | undefined;
  if (o.event) {
    payload = loadEvent(o.event);
    o.patchEvent?.(payload);
    const eventPath = path.join(tmp, 'event.json');
    writeFileSync(eventPath, JSON.stringify(payload, null, 2));
    const name = o.event.split('.')[0]!;
    env.GITHUB_EVENT_NAME = name;
    env.GITHUB_EVENT_PATH = eventPath;
    if (name === 'pull_request') {
      const pr = payload.pull_request;
      env.GITHUB_REF = `refs/pull/${pr.number}/merge`;
      env.GITHUB_REF_NAME = `${pr.number}/merge`;
      env.GITHUB_SHA = hex(20); // the merge commit, not the head
      env.GITHUB_HEAD_REF = pr.head.ref;
      env.GITHUB_BASE_REF = pr.base.ref;
    } else {
      env.GITHUB_REF = payload.ref ?? 'refs/heads/main';
      env.GITHUB_REF_NAME = env.GITHUB_REF.replace(/^refs\/heads\//, '');
      env.GITHUB_SHA = payload.after ?? hex(20);
      env.GITHUB_HEAD_REF = '';
      env.GITHUB_BASE_REF = '';
    }
  }
  Object.assign(env, o.env ?? {});

  const { code, stdout, stderr } = await spawnBounded(NODE_BIN, [DIST], { cwd: o.workspace, env }, o.timeoutSeconds ?? 280);
  const outputsFile = readFileSync(files.output, 'utf8');
  // Debugging aid: RF_ACTION_DUMP_DIR=/some/dir keeps each run's log, summary and outputs.
  const dump = process.env.RF_ACTION_DUMP_DIR;
  if (dump) {
    mkdirSync(dump, { recursive: true });
    const name = `${Date.now()}-${String(o.inputs.command ?? 'plan')}-${o.event ?? 'no-event'}`;
    writeFileSync(path.join(dump, `${name}.log`), `exit ${code}\n${stdout}\n--- stderr\n${stderr}\n--- outputs\n${outputsFile}`);
    writeFileSync(path.join(dump, `${name}.summary.md`), readFileSync(files.summary, 'utf8'));
  }
  return { code, stdout, stderr, outputs: parseOutputFile(outputsFile), outputsFile, summary: readFileSync(files.summary, 'utf8'), env, eventPayload: payload };
}

export function spawnBounded(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: Record<string, string> },
  timeoutSeconds: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutSeconds * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? null : code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** GITHUB_OUTPUT as @actions/core writes it: `name<<ghadelimiter_UUID\nvalue\nghadelimiter_UUID\n` (or `name=value`). */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc as unknown as [string, string, string];
      const end = lines.indexOf(delim, i + 1);
      if (end < 0) throw new Error(`output ${name}: no closing delimiter`);
      out[name] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

export interface WorkflowCommand {
  command: string; // error, warning, notice, add-mask, group, …
  props: Record<string, string>;
  message: string;
}

const unescapeData = (s: string) => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProp = (s: string) => unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',');

/** Workflow commands (`::name k=v,…::message`) in a stdout, decoded like the runner does. */
export function workflowCommands(stdout: string, command?: string): WorkflowCommand[] {
  const out: WorkflowCommand[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m || (command && m[1] !== command)) continue;
    const props: Record<string, string> = {};
    for (const kv of (m[2] ?? '').split(',').filter(Boolean)) {
      const eq = kv.indexOf('=');
      props[kv.slice(0, eq)] = unescapeProp(kv.slice(eq + 1));
    }
    out.push({ command: m[1]!, props, message: unescapeData(m[3]!) });
  }
  return out;
}

/** The log without the `::add-mask::` lines (the only place a secret may appear, to be masked). */
export const withoutMaskLines = (text: string): string =>
  text
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');

export const newRunId = (): string => String(10_000_000_000 + Math.floor(Math.random() * 1e9));

// CommonMark HTML blocks of kind 6 (block-level tags) run until a blank line: markdown
// inside one is shown as raw text on GitHub.
const HTML_BLOCK_START = /^ {0,3}<\/?(?:address|article|aside|blockquote|details|div|dl|fieldset|figure|footer|form|h[1-6]|header|hr|li|nav|ol|p|section|summary|table|tbody|td|tfoot|th|thead|tr|ul)(?:\s|\/?>|$)/i;
const MARKDOWN_LINE = /^(?:#{1,6} |\*\*|> |- |\d+\. |```|---$)/;

/** Markdown lines a GitHub summary/comment would show as raw text because an HTML block is still open. */
export function markdownInsideHtmlBlocks(text: string): string[] {
  const bad: string[] = [];
  let inHtml = false;
  let inFence = false;
  for (const line of text.split('\n')) {
    if (!inHtml && line.startsWith('```')) inFence = !inFence;
    if (inFence) continue;
    if (line.trim() === '') inHtml = false;
    else if (!inHtml && HTML_BLOCK_START.test(line)) inHtml = true;
    else if (inHtml && MARKDOWN_LINE.test(line)) bad.push(line);
  }
  return bad;
}
