// The README's demo command, end to end on the suite's lab: the CLI bundle validates, plans
// and applies the lab's inventory, a second apply changes nothing, every set's cron command
// backs up, and the snapshot list shows every set of every client.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { labState, resetLab } from './support/lab.js';

function runDemo(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [path.join(__dirname, '../../scripts/demo.sh')], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 280_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('npm run demo', () => {
  beforeAll(resetLab);

  it('converges the lab, backs up every set through its cron command and lists the snapshots', async () => {
    const { code, out } = await runDemo();
    expect(code, out.slice(-3000)).toBe(0);
    expect(out).toContain('reusing the running lab');
    const clients = labState().hosts.filter((h) => h.name.startsWith('client')).map((h) => h.name);
    // The second apply: every host ok, nothing changed.
    expect(out).toMatch(new RegExp(`${clients.length + 1} hosts: 0 changed, ${clients.length + 1} ok, 0 failed, 0 skipped`));
    // restic-fleet snapshots: no stale or failing set after the triggered backups.
    expect(out).toContain(`${clients.length} hosts, ${clients.length * 2} backup sets, 0 stale, 0 failing`);
    for (const v of Object.values(labState().secretsEnv)) expect(out).not.toContain(v);
  }, 300_000);
});
