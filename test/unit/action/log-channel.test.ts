// The action's one output channel (src/action/log.ts): whatever text goes in, the only
// lines on stdout the runner would execute are the ones the channel means to emit, and no
// other module of src/ writes to the log around it.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as log from '../../../src/action/log.js';
import { annotate } from '../../../src/action/annotations.js';
import { clearSecretRegistryForTests, Secret } from '../../../src/secret.js';
import { rawControls } from '../../support/hostile-output.js';
import { runnerLines, runnerWouldRun } from '../../support/runner-commands.js';

const HOSTILE = [
  'x\n::error file=x::forged',
  'x\r::stop-commands::forged',
  'x\r\n \u00a0::add-mask::forged',
  '::warning::forged at the start',
  'x ##[error]forged legacy',
  'esc \x1b[2J\x1b]0;t\x07 nul \0 del \x7f c1 \x85 ls \u2028 bidi \u202e',
];

let out = '';
beforeEach(() => {
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  process.exitCode = undefined;
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  clearSecretRegistryForTests();
});

/** Lines the runner would execute, with the command each is. */
const commands = (): string[] => runnerLines(out).filter(runnerWouldRun).map((l) => /^::([a-z-]+)/.exec(l)?.[1] ?? l);

describe('action log channel', () => {
  it.each(HOSTILE)('info / infoRecord / group lines: never a command (%j)', (text) => {
    log.info(text);
    log.infoRecord(text);
    log.group(text, [text, text]);
    expect(commands()).toEqual(['group', 'endgroup']);
    expect(rawControls(out.replace(/\n/g, ''))).toEqual([]);
  });

  it.each(HOSTILE)('warning / error / setFailed: one annotation each, data escaped (%j)', (text) => {
    log.warning(text, { title: text, file: 'a.yml', startLine: 1 });
    log.error(text);
    log.setFailed(text);
    expect(commands()).toEqual(['warning', 'error', 'error']);
    expect(process.exitCode).toBe(1);
    expect(rawControls(out.replace(/\n/g, ''))).toEqual([]);
  });

  it('redacts before anything else', () => {
    new Secret('chan-secret-\x1b-77', 'test');
    log.info('a chan-secret-\x1b-77 b');
    log.error('e chan-secret-\x1b-77');
    log.group('g chan-secret-\x1b-77', ['l chan-secret-\x1b-77']);
    expect(out).not.toContain('chan-secret');
    expect(out.match(/\*\*\*/g)).toHaveLength(4);
  });

  it('annotate: one annotation and one plain log line per diagnostic, each one record', () => {
    annotate([
      { severity: 'error', key: 'restic_x\n::error file=x::forged', pos: { file: 'inv/a.yml', line: 2, col: 1 }, message: 'unknown variable "restic_x\n::error file=x::forged"' },
      { severity: 'warning', message: 'w\r::stop-commands::forged' },
    ]);
    expect(commands()).toEqual(['error', 'warning']);
    const plain = runnerLines(out).filter((l) => l && !runnerWouldRun(l));
    expect(plain).toEqual([
      'inv/a.yml:2:1: error: restic_x\\n::error file=x::forged: unknown variable "restic_x\\n::error file=x::forged"',
      'warning: w\\r::stop-commands::forged',
    ]);
  });
});

describe('one channel', () => {
  const SRC = path.join(__dirname, '../../../src');
  const files = readdirSync(SRC, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.relative(SRC, path.join(e.parentPath, e.name)));

  it('only src/action/log.ts writes to the job log with @actions/core', () => {
    const code = (f: string) => readFileSync(path.join(SRC, f), 'utf8').split('\n').filter((l) => !/^\s*(\*|\/\/|\/\*)/.test(l));
    const offenders = files.filter((f) => f !== 'action/log.ts' && code(f).some((l) => /\bcore\.(info|notice|warning|error|debug|startGroup|endGroup|group|setFailed)\(/.test(l)));
    expect(offenders).toEqual([]);
  });

  it('only src/cli-output.ts (and the fixed usage text in cli.ts) writes to the console', () => {
    const uses = files.flatMap((f) =>
      readFileSync(path.join(SRC, f), 'utf8')
        .split('\n')
        .filter((l) => /\b(console\.(log|error|warn|info)|process\.(stdout|stderr)\.write)\(/.test(l) && !l.trim().startsWith('*') && !l.trim().startsWith('//'))
        .map((l) => `${f}: ${l.trim()}`),
    );
    const allowed = (u: string) => u.startsWith('cli-output.ts: ') || /^cli\.ts: console\.(log|error)\((USAGE|'[^']*')\);$/.test(u);
    expect(uses.filter((u) => !allowed(u))).toEqual([]);
  });
});
