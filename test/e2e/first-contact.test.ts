// First contact, as a newcomer meets restic-fleet: the README's demo command on a lab of its
// own whose hosts were never converged and whose inner Docker engines never ran a container
// (the suite's lab has been used by then). The first run must pass; a second run reuses the
// lab. Then that lab is removed. Issue 9: the first apply on a fresh server used to fail
// because clients ran `restic init` before the new rest-server listened.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/action.js';
import { parseEnvFile } from '../../lab/state.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rf-first-contact-'));
// A second lab beside the suite's: its own names, subnet and state dir.
const env = { ...process.env, RF_LAB_PREFIX: 'rf-first', RF_LAB_SUBNET: '10.215.0.0/24', RF_LAB_DIR: path.join(dir, 'lab') };

function run(cmd: string, args: string[], seconds: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), seconds * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const demo = () => run('bash', [path.join(REPO_ROOT, 'scripts/demo.sh')], 420);

describe('first contact: npm run demo on a lab that was never converged', () => {
  afterAll(async () => {
    const down = await run('npm', ['run', '--silent', 'lab', '--', 'down'], 180);
    rmSync(dir, { recursive: true, force: true });
    expect(down.code, down.out).toBe(0);
  });

  it('passes on its first run, every set backed up, and again reusing the lab', async () => {
    const first = await demo();
    expect(first.code, first.out.slice(-4000)).toBe(0);
    expect(first.out).not.toContain('reusing the running lab');
    // The second apply of the demo: 1 server + 2 clients, nothing changed.
    expect(first.out).toMatch(/3 hosts: 0 changed, 3 ok, 0 failed, 0 skipped/);
    // The snapshot table: both clients, both sets each, none stale or failing.
    expect(first.out).toContain('2 hosts, 4 backup sets, 0 stale, 0 failing');
    for (const c of ['client01.example.com', 'client02.example.com']) expect(first.out).toContain(c);
    const secrets = Object.values(parseEnvFile(readFileSync(path.join(env.RF_LAB_DIR, 'secrets.env'), 'utf8')));
    expect(secrets.length).toBeGreaterThan(0);
    for (const v of secrets) expect(first.out).not.toContain(v);

    const again = await demo();
    expect(again.code, again.out.slice(-4000)).toBe(0);
    expect(again.out).toContain('reusing the running lab');
    expect(again.out).toMatch(/3 hosts: 0 changed, 3 ok, 0 failed, 0 skipped/);
  }, 900_000);
});
