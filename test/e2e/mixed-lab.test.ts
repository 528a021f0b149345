// Issue 9, "the real rest-server in the lab": the server runs rest-server 0.13.0, and after a
// converge a restic 0.14 client (bookworm) and a restic 0.18 client (trixie) back up into ONE
// shared repository, which `restic check` passes from both. The 0.18 client's repository
// states are read from its exit codes (10, 12) in the plan.
import { beforeAll, describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/commands/apply.js';
import { planCommand } from '../../src/commands/plan.js';
import { copyLabInventory, editYaml, labOptions, type InventoryCopy } from './support/engine.js';
import { hostExec, labState, resetLab } from './support/lab.js';

const SERVER = 'server.example.com';
const RUNNER_ENV = 'RESTIC_REPOSITORY_FILE=/etc/restic-fleet/repository RESTIC_PASSWORD_FILE=/etc/restic-fleet/password';

async function sh(host: string, cmd: string, timeoutSeconds = 180): Promise<string> {
  const r = await hostExec(host, cmd, { timeoutSeconds });
  if (r.code !== 0) throw new Error(`${host}: ${cmd} → exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** The first client of a kind, as state.json records it. */
function clientOf(kind: 'bookworm' | 'trixie'): { name: string; restic: string } {
  const h = labState().hosts.find((x) => x.name !== SERVER && x.kind === kind);
  if (!h) throw new Error(`the lab has no ${kind} client: run it mixed (the default) with at least 2 clients`);
  return h;
}

describe('mixed lab: restic 0.14 and 0.18 clients, the real rest-server', () => {
  let copy: InventoryCopy;
  const old = () => clientOf('bookworm');
  const modern = () => clientOf('trixie');

  beforeAll(async () => {
    await resetLab();
    copy = copyLabInventory();
  });

  it('has both kinds of clients, each running the restic state.json records', async () => {
    expect(old().restic).toBe('0.14.0');
    expect(modern().restic).toBe('0.18.0');
    expect(await sh(old().name, 'restic version')).toMatch(/^restic 0\.14\.0 /);
    expect(await sh(modern().name, 'restic version')).toMatch(/^restic 0\.18\.0 /);
  });

  it('converges, then both clients back up into one repository and restic check passes from both', async () => {
    const out = await applyCommand(labOptions(copy));
    expect(out.results.filter((r) => r.outcome !== 'changed').map((r) => [r.host, r.outcome, r.reason])).toEqual([]);

    // The server's container runs the real rest-server.
    expect(await sh(SERVER, 'docker exec restic01 rest-server --version')).toContain('0.13.0');

    // Each client's cron command for the app volume backs up (the runner picks its restic's features).
    for (const c of [old(), modern()]) {
      const cron = await sh(c.name, 'cat /etc/cron.d/restic-fleet');
      const job = /^0 1 \* \* \* root (.*--set app-volume.*?) >>/m.exec(cron)![1]!;
      const r = await hostExec(c.name, job, { timeoutSeconds: 180 });
      expect(r.code, `${c.name}: ${await sh(c.name, 'tail -n 20 /var/log/restic-fleet/app-volume.log')}`).toBe(0);
      expect(JSON.parse(await sh(c.name, 'cat /var/lib/restic-fleet/status/app-volume.json'))).toMatchObject({ status: 'ok', exit: 0 });
    }

    // One repository: the same config id from both, and each sees the other's snapshot.
    const ids = await Promise.all([old(), modern()].map(async (c) => JSON.parse(await sh(c.name, `${RUNNER_ENV} restic cat config --no-lock`)).id));
    expect(ids[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(ids[1]).toBe(ids[0]);
    for (const c of [old(), modern()]) {
      const snaps = JSON.parse(await sh(c.name, `${RUNNER_ENV} restic snapshots --json --no-lock --tag restic-fleet:set=app-volume`)) as Array<{ hostname: string }>;
      expect(snaps.map((s) => s.hostname)).toEqual(expect.arrayContaining([old().name, modern().name])); // --host: the inventory name
    }

    // The 0.18 client's rotation job (forget --prune under --retry-lock) runs on the shared repository.
    const rotation = /^\d+ 23 \* \* \* root (.*forget.*?) >>/m.exec(await sh(modern().name, 'cat /etc/cron.d/restic-fleet'))![1]!;
    expect((await hostExec(modern().name, rotation, { timeoutSeconds: 240 })).code).toBe(0);
    expect(JSON.parse(await sh(modern().name, 'cat /var/lib/restic-fleet/status/rotation.json'))).toMatchObject({ status: 'ok', exit: 0 });

    // restic check from both (one after the other: check takes the repository's lock).
    for (const c of [old(), modern()]) {
      const r = await hostExec(c.name, `${RUNNER_ENV} restic check`, { timeoutSeconds: 240 });
      expect(r.code, `${c.name}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('no errors were found');
    }
  });

  it('reads the 0.18 client\'s repository states from its exit codes: absent (10) and wrong password (12)', async () => {
    const t = modern().name;
    // Its own, never initialised repository on the same server: planned as an init, and
    // applied (the init decision on restic 0.18 reads exit code 10).
    const repo = `absent-${Date.now()}`;
    editYaml(copy, `host_vars/${t}.yml`, (doc) => doc.set('restic_repo', `${SERVER}:8080/${repo}`));
    const absent = await planCommand(labOptions(copy));
    const host = absent.run.plan.hosts.find((h) => h.host === t)!;
    expect(host.status).toBe('ok');
    expect(host.changes.map((c) => c.summary)).toEqual(expect.arrayContaining([expect.stringMatching(/^restic init .*\(absent\)$/)]));
    const applied = await applyCommand(labOptions(copy));
    expect(applied.results.find((r) => r.host === t)).toMatchObject({ outcome: 'changed' });
    expect((await sh(SERVER, `ls /srv/restic/${repo}/keys | wc -l`)).trim()).toBe('1');

    // The shared repository with a password that does not open it: refused, nothing changed.
    editYaml(copy, `host_vars/${t}.yml`, (doc) => doc.delete('restic_repo'));
    const env = { ...labState().secretsEnv, VAULT_RESTIC_REPO_PASSWORD: 'not-the-repository-password' };
    const wrong = await planCommand(labOptions(copy, { env }));
    for (const c of [old().name, t]) {
      const h = wrong.run.plan.hosts.find((x) => x.host === c)!;
      expect([h.status, h.reason]).toEqual(['failed', expect.stringMatching(/wrong password/)]);
    }
  });
});
