// Issue 9: a rest-server that is slow to listen after its container starts (a fresh engine, a
// slow disk) must not fail the first converge; one that never listens fails with its state and
// log, and its clients are skipped with that reason and left untouched. Uses the lab's
// test-only images: rest-server:lab-slow (sleeps before starting) and :lab-dead (never listens).
import { beforeEach, describe, expect, it } from 'vitest';
import { cliConverge } from './support/doors.js';
import { copyLabInventory, editYaml, type InventoryCopy } from './support/engine.js';
import { hostExec, labState, resetLab } from './support/lab.js';

const SERVER = 'server.example.com';
const clients = () => labState().hosts.filter((h) => h.name !== SERVER).map((h) => h.name).sort();

function withImage(image: string, vars: Record<string, unknown> = {}): InventoryCopy {
  const copy = copyLabInventory();
  editYaml(copy, 'group_vars/server/vars.yml', (doc) => {
    doc.set('restic_server_image', image);
    for (const [k, v] of Object.entries(vars)) doc.set(k, v);
  });
  return copy;
}

describe('a rest-server that is slow to listen, or never does', () => {
  beforeEach(resetLab);

  it('first apply waits for a server that listens only seconds after its container started', async () => {
    const out = await cliConverge(withImage('restic-fleet/rest-server:lab-slow'), 'apply');
    expect(out.results.map((r) => [r.host, r.outcome, r.reason ?? ''])).toEqual([SERVER, ...clients()].sort().map((h) => [h, 'changed', '']));
    expect(out.code).toBe(0);
    // The repository was initialised exactly once, after the server answered.
    const keys = await hostExec(SERVER, 'ls /srv/restic/backup/keys | wc -l');
    expect(keys.stdout.trim()).toBe('1');
    const started = await hostExec(SERVER, "docker logs restic01 2>&1 | head -n 3");
    expect(started.stdout).toMatch(/starting in \d+s \(lab-slow image\)/);
  });

  it('a server that never answers fails with its state and log; its clients are skipped and untouched', async () => {
    const out = await cliConverge(withImage('restic-fleet/rest-server:lab-dead', { restic_server_ready_timeout: 4 }), 'apply');
    expect(out.code).toBe(1);
    const server = out.results.find((r) => r.host === SERVER)!;
    expect(server.outcome).toBe('failed');
    expect(server.reason).toMatch(/container restic01 did not answer HTTP on port 8080 within 4 s \(state: running/);
    expect(server.reason).toContain('cannot start (lab-dead image)');
    for (const c of clients()) {
      const r = out.results.find((x) => x.host === c)!;
      expect([r.outcome, r.reason]).toEqual(['skipped', expect.stringMatching(/^its server server\.example\.com failed: container:restic01: container restic01 did not answer HTTP/)]);
      expect((await hostExec(c, 'test -e /etc/restic-fleet || test -e /etc/cron.d/restic-fleet; echo $?')).stdout.trim()).toBe('1');
    }
  });
});
