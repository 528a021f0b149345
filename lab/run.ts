import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { runPool } from '../src/util/pool.js';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Text for stdin, or `{ file }` to stream a file into stdin. */
  input?: string | { file: string };
  /** Kill the process (SIGKILL) after this many seconds; every call is bounded. */
  timeoutSeconds?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Stream the child's output to ours (long builds), still captured. */
  echo?: boolean;
}

/** Runs a program (no shell), bounded by a timeout. Never throws for a non-zero exit: see `must`. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeout = opts.timeoutSeconds ?? 120;
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeout * 1000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (opts.echo) process.stdout.write(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (opts.echo) process.stderr.write(d);
    });
    child.stdin.on('error', () => {}); // the child may exit before reading all of it
    if (typeof opts.input === 'string') child.stdin.end(opts.input);
    else if (opts.input) createReadStream(opts.input.file).pipe(child.stdin);
    else child.stdin.end();
    const finish = (code: number | null, extra = ''): void => {
      clearTimeout(timer);
      if (timedOut) extra += `\n(timed out after ${timeout}s: ${cmd} ${args.join(' ')})`;
      resolve({ code: timedOut ? null : code, stdout, stderr: stderr + extra });
    };
    child.on('error', (e) => finish(127, `\n${e.message}`));
    child.on('close', (code) => finish(code));
  });
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly result: RunResult,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

/** `run`, but a non-zero exit (or timeout) throws with the command's stderr tail, so failures say why. */
export async function must(cmd: string, args: string[], opts: RunOptions = {}, what?: string): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    const tail = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-15).join('\n');
    throw new CommandError(`${what ?? `${cmd} ${args.slice(0, 4).join(' ')}`} failed (exit ${r.code ?? 'timeout'}):\n${tail}`, r);
  }
  return r.stdout;
}

export const docker = (args: string[], opts?: RunOptions): Promise<RunResult> => run('docker', args, opts);
export const mustDocker = (args: string[], opts?: RunOptions, what?: string): Promise<string> =>
  must('docker', args, opts, what ?? `docker ${args.slice(0, 3).join(' ')}`);

/** runPool that collects every failure before throwing (one host's error must not hide another's). */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const errors: unknown[] = [];
  const results = await runPool(items, limit, (item) =>
    fn(item).catch((e: unknown) => {
      errors.push(e);
      return undefined as R;
    }),
  );
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new Error(errors.map((e) => (e instanceof Error ? e.message : String(e))).join('\n---\n'));
  return results;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function log(msg: string): void {
  process.stderr.write(`[lab] ${msg}\n`);
}

/** Times a step for the summary line (`up` prints them; the figures go into the README). */
export async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const r = await fn();
  log(`${label}: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return r;
}
