import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { wrapCommand } from '../../../src/remote/exec-common.js';
import { LocalTransport } from '../../../src/remote/local.js';
import { quote, script, sh } from '../../../src/remote/shell.js';

const t = new LocalTransport('local-test', { commandTimeoutSeconds: 60 });
afterAll(() => t.close());

const NASTY = [
  '',
  ' ',
  "it's",
  "''",
  '"double" quotes',
  '$HOME and ${PATH} and $(id) and `id`',
  'back\\slash \\\\ and \\n literal',
  'line one\nline two\n',
  '\n',
  'tab\there',
  'carriage\rreturn',
  '* ? [a-z] ~ ~root {a,b}',
  '; rm -rf /tmp/nothing && echo pwned | cat > /dev/null',
  '-n',
  '--help',
  '!event #comment %job &bg',
  'héllo ✓ 日本語 🙂',
  "mixed '\"$`\\\n everything",
];

describe('shell quoting round trip through sh -c', () => {
  it.each(NASTY.map((s) => [JSON.stringify(s), s]))('round trip of %s', async (_label, s) => {
    const r = await t.exec(sh`printf %s ${s}`);
    expect(r).toEqual({ code: 0, stdout: s, stderr: '' });
  });

  it('keeps words apart in arrays and survives the timeout and become wrappers (nested sh -c)', async () => {
    const r = await t.exec(sh`for w in ${NASTY}; do printf '<%s>' "$w"; done`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(NASTY.map((s) => `<${s}>`).join(''));
  });

  it('quote leaves safe words bare and refuses NUL', () => {
    expect(quote('/var/lib/docker').text).toBe('/var/lib/docker');
    expect(quote("a'b").text).toBe(`'a'\\''b'`);
    expect(() => quote('a\0b')).toThrow(/NUL/);
  });
});

describe('wrapCommand', () => {
  it('puts timeout inside sudo so it can kill the root processes', () => {
    const w = wrapCommand(script('echo hi'), { timeoutSeconds: 30, become: true }).text;
    expect(w).toBe(`sudo -n sh -c 'timeout --kill-after=10 30 sh -c '\\''echo hi'\\'''`);
    expect(wrapCommand(script('echo hi'), { timeoutSeconds: 30, become: false }).text).toBe(`timeout --kill-after=10 30 sh -c 'echo hi'`);
  });
});

describe('LocalTransport', () => {
  it('returns exit codes, stdout and stderr without throwing', async () => {
    expect(await t.exec(script('echo out; echo err >&2; exit 7'))).toEqual({ code: 7, stdout: 'out\n', stderr: 'err\n' });
    expect((await t.exec(script('true'))).code).toBe(0);
    expect((await t.exec(script('exit 255'))).code).toBe(255);
  });

  it('feeds stdin and closes it, so readers see EOF', async () => {
    const secret = 'p@ss word $(id) \'"\n';
    const r = await t.exec(script('IFS= read -r X; printf "%s|" "$X"; cat | wc -c'), { stdin: `${secret}rest` });
    expect(r.stdout).toBe(`p@ss word $(id) '"|4\n`);
    // No stdin given: stdin is closed at once, `cat` does not wait.
    expect((await t.exec(script('cat; echo done'))).stdout).toBe('done\n');
    expect((await t.exec(script('wc -c'), { stdin: '' })).stdout.trim()).toBe('0');
  });

  it('streams large stdin (buffer and Readable) byte-exact', async () => {
    const big = randomBytes(8 * 1024 * 1024);
    const digest = createHash('sha256').update(big).digest('hex');
    const r1 = await t.exec(script('sha256sum'), { stdin: big });
    expect(r1.stdout.split(' ')[0]).toBe(digest);
    const chunks = Array.from({ length: 64 }, (_, i) => big.subarray(i * 131072, (i + 1) * 131072));
    const r2 = await t.exec(script('sha256sum'), { stdin: Readable.from(chunks) });
    expect(r2.stdout.split(' ')[0]).toBe(digest);
  });

  it('decodes multi-byte output split across chunks', async () => {
    // 200k three-byte characters: pipe chunks (64 KiB) cut through characters.
    const r = await t.exec(script(`i=0; s=✓✓✓✓✓✓✓✓✓✓; while [ $i -lt 2000 ]; do printf %s "$s$s$s$s$s$s$s$s$s$s"; i=$((i+1)); done`));
    expect(r.stdout).toBe('✓'.repeat(200_000));
  });

  it('the timeout kills the command and everything it started (exit 124)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rf-local-'));
    const marker = path.join(dir, 'survived');
    const r = await t.exec(sh`(sleep 3; touch ${marker}) & sleep 30; wait`, { timeoutSeconds: 1 });
    expect(r.code).toBe(124);
    // If the background subshell survived it would create the marker after 3 s.
    const check = await t.exec(sh`sleep 4; test -e ${marker} && echo survived || echo killed`);
    expect(check.stdout).toBe('killed\n');
  });

  it('runs execs one at a time and counts stats', async () => {
    const lt = new LocalTransport('serial');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rf-serial-'));
    const lock = path.join(dir, 'busy');
    // Each exec fails if another one is inside the critical section at the same time.
    const body = sh`mkdir ${lock} 2>/dev/null || { echo overlap; exit 1; }; sleep 0.05; rmdir ${lock}; echo ok`;
    const results = await Promise.all(Array.from({ length: 12 }, () => lt.exec(body, { stdin: 'x' })));
    expect(results.map((r) => r.stdout)).toEqual(Array(12).fill('ok\n'));
    expect(lt.stats.roundTrips).toBe(12);
    expect(lt.stats.bytesReceived).toBe(12 * 3);
    expect(lt.stats.bytesSent).toBe(12 * (Buffer.byteLength(wrapCommand(body, { timeoutSeconds: 600, become: false }).text) + 1));
    await lt.close();
    expect((await lt.exec(script('echo late'))).code).toBeNull();
  });

  it('a command that ignores its stdin does not break the transport', async () => {
    const r = await t.exec(script('exit 3'), { stdin: randomBytes(4 * 1024 * 1024) });
    expect(r.code).toBe(3);
    expect((await t.exec(script('echo still-fine'))).stdout).toBe('still-fine\n');
  });
});
