// The runner reads the installed restic's version when it runs: restic >= 0.16 gets
// --retry-lock (its own wait), >= 0.17 is known locked by exit 11; 0.14 keeps the retry loop
// on its stderr. The runner's version detection and restic_retry run here against a stub restic.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RUNNER_SCRIPT } from '../../../src/desired/runner-script.js';
import { run } from '../../../lab/run.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The runner's text from its version detection to the end of restic_retry. */
function lockBlock(): string {
  const start = RUNNER_SCRIPT.indexOf('RESTIC_VERSION=');
  const fn = RUNNER_SCRIPT.indexOf('restic_retry() {');
  const end = RUNNER_SCRIPT.indexOf('\n}\n', fn) + 3;
  expect(start).toBeGreaterThan(0);
  expect(fn).toBeGreaterThan(start);
  return RUNNER_SCRIPT.slice(start, end);
}

/**
 * Runs `restic_retry ARGS` with a stub restic of the given version that fails `lockedRuns`
 * times as a held lock does in that version, then succeeds. Returns the calls it received.
 */
async function retry(version: string, lockedRuns: number, args: string) {
  const dir = mkdtempSync(join(tmpdir(), 'rf-runner-'));
  dirs.push(dir);
  const locked =
    version >= '0.17'
      ? 'echo "Fatal: unable to create lock in backend: repository is already locked exclusively by PID 7 on h" >&2; exit 11'
      : 'echo "Fatal: unable to create lock in backend: repository is already locked exclusively by PID 7 on h" >&2; exit 1';
  writeFileSync(
    join(dir, 'restic'),
    `#!/bin/sh
[ "$1" = version ] && { echo "restic ${version} compiled with go1.24 on linux/amd64"; exit 0; }
echo "$*" >> ${dir}/calls
[ "$1" = unlock ] && exit 0
n=$(cat ${dir}/n 2>/dev/null || echo 0); echo $((n + 1)) > ${dir}/n
[ "$n" -lt ${lockedRuns} ] && { ${locked}; }
echo ok
`,
  );
  chmodSync(join(dir, 'restic'), 0o755);
  const harness = `set -u
LOCK_RETRIES=3 LOCK_WAIT=0
now() { echo T; }
${lockBlock()}
OUT=${dir}/out ERR=${dir}/err LOG=${dir}/log
restic_retry ${args}; echo "rc=$?"`;
  const r = await run('sh', ['-c', harness], { env: { PATH: `${dir}:${process.env.PATH}` }, timeoutSeconds: 10 });
  const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
  return { rc: /rc=(\d+)/.exec(r.stdout)?.[1], calls, stderr: r.stderr };
}

describe('runner: waiting for a held repository lock', () => {
  it('restic 0.14: no --retry-lock; retries on the stderr message, clearing stale locks in between', async () => {
    const r = await retry('0.14.0', 2, 'backup --json /v');
    expect(r.rc, r.stderr).toBe('0');
    expect(r.calls).toEqual(['backup --json /v', 'unlock', 'backup --json /v', 'unlock', 'backup --json /v']);
  });

  it('restic 0.14: gives up after LOCK_RETRIES with restic\'s exit code', async () => {
    const r = await retry('0.14.0', 10, 'backup --json /v');
    expect(r.rc).toBe('1');
    expect(r.calls.filter((c) => c.startsWith('backup'))).toHaveLength(4);
  });

  it('restic 0.18: --retry-lock for as long as the loop would wait, exit 11 read as locked, one more try', async () => {
    const r = await retry('0.18.0', 1, 'forget --host h --keep-daily 7');
    expect(r.rc, r.stderr).toBe('0');
    expect(r.calls).toEqual(['--retry-lock 0s forget --host h --keep-daily 7', 'unlock', '--retry-lock 0s forget --host h --keep-daily 7']);
    const stuck = await retry('0.18.0', 10, 'backup /v');
    expect(stuck.rc).toBe('11');
    expect(stuck.calls.filter((c) => c.includes('backup'))).toHaveLength(2);
  });

  it('restic 0.18: no --retry-lock beside --no-lock (nothing to wait for)', async () => {
    const r = await retry('0.18.0', 0, 'snapshots --json --no-lock --host h');
    expect(r.calls).toEqual(['snapshots --json --no-lock --host h']);
  });

  it('restic 0.16: --retry-lock, but exit codes are not yet meaningful (stderr decides)', async () => {
    const r = await retry('0.16.4', 1, 'backup /v');
    expect(r.rc, r.stderr).toBe('0');
    expect(r.calls[0]).toBe('--retry-lock 0s backup /v');
  });
});
