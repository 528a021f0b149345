// Issue 4 end to end: converge the lab's real hosts over SSH, then prove idempotence,
// targeted changes, one init per shared repository, and that no secret leaks on hosts.
// Driven through the doors users meet: the built CLI (`--json`) and the built action.
import { beforeAll, describe, expect, it } from 'vitest';
import { withoutMaskLines } from './support/action.js';
import { actionStep, cli, cliConverge } from './support/doors.js';
import { copyLabInventory, editYaml, type InventoryCopy } from './support/engine.js';
import { hostExec, labState, resetLab } from './support/lab.js';

const SERVER = 'server.example.com';
const RUNNER_ENV = 'RESTIC_REPOSITORY_FILE=/etc/restic-fleet/repository RESTIC_PASSWORD_FILE=/etc/restic-fleet/password';

const clients = () => labState().hosts.filter((h) => h.name !== SERVER).map((h) => h.name);

async function sh(host: string, cmd: string): Promise<string> {
  const r = await hostExec(host, cmd);
  if (r.code !== 0) throw new Error(`${host}: ${cmd} → exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** mtime (ns) of every file restic-fleet manages on a host, and the server's container id. */
async function fingerprint(host: string): Promise<string> {
  return sh(
    host,
    'for f in /etc/restic-fleet/* /etc/cron.d/restic-fleet /usr/local/lib/restic-fleet/run /srv/restic/.htpasswd; do [ -e "$f" ] && stat -c "%n %Y.%y" "$f"; done; ' +
      'docker ps -q --no-trunc --filter name=restic01 2>/dev/null; true',
  );
}

/** Samples every process's argv on the hosts while `during` runs (bounded: at most 120 s). */
async function sampleArgv<T>(hosts: string[], during: () => Promise<T>): Promise<{ result: T; argv: string }> {
  await Promise.all(hosts.map((h) => hostExec(h, 'rm -f /tmp/rf-ps /tmp/rf-ps-stop')));
  const samplers = hosts.map((h) =>
    hostExec(h, 'i=0; while [ ! -e /tmp/rf-ps-stop ] && [ $i -lt 2400 ]; do ps -eo args >> /tmp/rf-ps; i=$((i+1)); sleep 0.05; done', { timeoutSeconds: 150 }),
  );
  const result = await during();
  await Promise.all(hosts.map((h) => hostExec(h, 'touch /tmp/rf-ps-stop')));
  await Promise.all(samplers);
  const argv = (await Promise.all(hosts.map((h) => sh(h, 'cat /tmp/rf-ps; rm -f /tmp/rf-ps /tmp/rf-ps-stop')))).join('\n');
  return { result, argv };
}

describe('converge the lab', () => {
  let copy: InventoryCopy;
  let secrets: string[];

  beforeAll(async () => {
    await resetLab();
    copy = copyLabInventory();
    secrets = Object.values(labState().secretsEnv);
  });

  it('first apply: server container, initialised repository (exactly once for all clients), cron jobs that back up', async () => {
    const hosts = [SERVER, ...clients()];
    const { result: out, argv } = await sampleArgv(hosts, () => cliConverge(copy, 'apply'));
    expect(out.code, out.stderr).toBe(0);
    expect(out.results.map((r) => [r.host, r.outcome, r.reason ?? ''])).toEqual([...hosts].sort().map((h) => [h, 'changed', '']));

    // Exactly one client planned the init of the shared repository; the repository has one key.
    const inits = out.plan.hosts.filter((h) => h.changes.some((c) => c.kind === 'repository'));
    expect(inits.map((h) => h.host)).toEqual([clients().sort()[0]]);
    expect((await sh(SERVER, 'ls /srv/restic/backup/keys | wc -l')).trim()).toBe('1');

    // The rest-server container has the inventory's spec.
    const inspect = JSON.parse(await sh(SERVER, 'docker inspect restic01'))[0];
    expect(inspect.Config.Image).toBe('restic-fleet/rest-server:lab');
    expect(inspect.State.Running).toBe(true);
    expect(inspect.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
    expect(inspect.HostConfig.PortBindings['8000/tcp'][0].HostPort).toBe('8080');
    expect(inspect.HostConfig.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-file': '3', 'max-size': '10m' } });
    expect(Object.keys(inspect.NetworkSettings.Networks)).toEqual(['restic-fleet']);
    expect(inspect.Mounts.map((m: { Source: string; Destination: string }) => `${m.Source}:${m.Destination}`)).toEqual(['/srv/restic:/data']);
    expect(await sh(SERVER, 'cut -d: -f1 /srv/restic/.htpasswd')).toBe('admin\n');
    expect(await sh(SERVER, 'stat -c %a /srv/restic/.htpasswd')).toBe('600\n');

    // Each client reaches the repository with the installed credentials; the set's cron command backs up.
    const c1 = clients()[0]!;
    const cron = await sh(c1, 'cat /etc/cron.d/restic-fleet');
    const job = /^0 1 \* \* \* root (.*--set app-volume.*?) >>/m.exec(cron)![1]!;
    expect((await hostExec(c1, job)).code).toBe(0);
    const snaps = JSON.parse(await sh(c1, `${RUNNER_ENV} restic snapshots --json --no-lock --host ${c1}`));
    expect(snaps).toHaveLength(1);
    expect(snaps[0].tags).toEqual(expect.arrayContaining(['app', 'lab', 'restic-fleet:set=app-volume']));
    expect(snaps[0].paths).toEqual(['/var/lib/docker/volumes/app_data/_data']);
    const status = JSON.parse(await sh(c1, 'cat /var/lib/restic-fleet/status/app-volume.json'));
    expect(status).toMatchObject({ status: 'ok', exit: 0 });
    expect(snaps[0].id.startsWith(status.snapshot)).toBe(true);
    for (const c of clients()) expect((await hostExec(c, `${RUNNER_ENV} restic snapshots --no-lock -q`)).code).toBe(0);

    // The rotation job runs.
    const rotation = /^\d+ 23 \* \* \* root (.*forget.*?) >>/m.exec(cron)![1]!;
    expect((await hostExec(c1, rotation)).code).toBe(0);
    expect(JSON.parse(await sh(c1, 'cat /var/lib/restic-fleet/status/rotation.json'))).toMatchObject({ status: 'ok' });
    expect((await hostExec(c1, `${RUNNER_ENV} restic check`)).code).toBe(0);

    // No secret in any argv during apply, in any cron file, or in any file readable by non-root.
    expect(argv.length).toBeGreaterThan(1000);
    for (const s of secrets) expect(argv).not.toContain(s);
    for (const h of hosts) {
      const readable = await sh(
        h,
        'find /etc /usr/local/lib/restic-fleet /var/lib/restic-fleet /var/log/restic-fleet /srv /root /tmp -xdev -type f -perm -o=r 2>/dev/null | xargs -r cat 2>/dev/null; cat /etc/cron.d/* 2>/dev/null',
      );
      for (const s of secrets) expect(readable, `${h} has a readable file with a secret`).not.toContain(s);
    }
    expect(await sh(c1, 'stat -c "%a %U" /etc/restic-fleet/repository /etc/restic-fleet/password /etc/restic-fleet')).toBe('600 root\n600 root\n700 root\n');
  });

  it('second apply: no changes, nothing rewritten, at most 2 round trips per host', async () => {
    const hosts = [SERVER, ...clients()];
    const before = await Promise.all(hosts.map(fingerprint));
    const out = await cliConverge(copy, 'apply');
    expect(out.code, out.stderr).toBe(0);
    expect(out.results.map((r) => [r.host, r.outcome, r.changed])).toEqual([...hosts].sort().map((h) => [h, 'ok', 0]));
    for (const r of out.results) expect(r.roundTrips).toBeLessThanOrEqual(2);
    expect(out.plan.hosts.every((h) => h.changes.length === 0)).toBe(true);
    expect(await Promise.all(hosts.map(fingerprint))).toEqual(before);

    // The action on a push to main: the same no-op, as its outputs and exit code say.
    const step = await actionStep(copy, 'apply', 'push.main');
    expect(step.code, withoutMaskLines(step.stdout)).toBe(0);
    expect(JSON.parse(step.outputs['changed-hosts']!)).toEqual([]);
    expect(JSON.parse(step.outputs['failed-hosts']!)).toEqual([]);
    expect(await Promise.all(hosts.map(fingerprint))).toEqual(before);
  });

  it('changing one tag changes only the cron file on that host; removing a set removes its job', async () => {
    const c2 = clients()[1]!;
    editYaml(copy, `host_vars/${c2}.yml`, (doc) => doc.setIn(['restic_backup_sets', 0, 'tags', 1], 'retagged'));
    const plan = await cliConverge(copy, 'plan');
    const changed = plan.plan.hosts.filter((h) => h.changes.length);
    expect(changed.map((h) => [h.host, h.changes.map((c) => c.id)])).toEqual([[c2, ['file:/etc/cron.d/restic-fleet']]]);
    const passwordMtime = await sh(c2, 'stat -c %Y /etc/restic-fleet/password');
    expect((await cliConverge(copy, 'apply', { planHash: plan.plan.hash })).code).toBe(0);
    expect(await sh(c2, 'cat /etc/cron.d/restic-fleet')).toContain('--tag app --tag retagged');
    expect(await sh(c2, 'stat -c %Y /etc/restic-fleet/password')).toBe(passwordMtime);

    editYaml(copy, `host_vars/${c2}.yml`, (doc) => doc.deleteIn(['restic_backup_sets', 1]));
    const removed = await cliConverge(copy, 'plan');
    const change = removed.plan.hosts.find((h) => h.host === c2)!.changes[0]!;
    expect(change.destructive).toMatch(/removes backup set "media volume"/);
    expect((await cliConverge(copy, 'apply')).code).toBe(0);
    const cron = await sh(c2, 'cat /etc/cron.d/restic-fleet');
    expect(cron).toContain('--set app-volume');
    expect(cron).not.toContain('media');
  });

  it('a reviewed plan hash that no longer matches refuses to apply', async () => {
    const r = await cli(copy, 'apply', ['--plan-hash', '0'.repeat(64)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/differs from the reviewed plan-hash/);
    const step = await actionStep(copy, 'apply', 'push.main', { inputs: { 'plan-hash': '0'.repeat(64) } });
    expect(step.code).toBe(1);
    expect(step.stdout).toMatch(/differs from the reviewed plan-hash/);
  });

  it('changing a password rewrites only that htpasswd line and the client credential files', async () => {
    const htBefore = await sh(SERVER, 'cat /srv/restic/.htpasswd');
    const env = { ...labState().secretsEnv, VAULT_RESTIC_CLIENT_PASSWORD: 'new-client-pass-e2e', VAULT_RESTIC_SERVER_PASSWORD: 'new-client-pass-e2e' };
    const plan = await cliConverge(copy, 'plan', { env });
    const ids = Object.fromEntries(plan.plan.hosts.map((h) => [h.host, h.changes.map((c) => c.id)]));
    expect(ids[SERVER]).toEqual(['htpasswd-user:admin', 'file:/srv/restic/.htpasswd']);
    for (const c of clients()) expect(ids[c]).toEqual(['file:/etc/restic-fleet/repository']);
    const out = await cliConverge(copy, 'apply', { env });
    expect(out.results.filter((r) => r.outcome === 'failed')).toEqual([]);
    const htAfter = await sh(SERVER, 'cat /srv/restic/.htpasswd');
    expect(htAfter.split('\n').filter(Boolean)).toHaveLength(1);
    expect(htAfter).not.toBe(htBefore);
    expect(htAfter).toMatch(/^admin:\$2[aby]\$10\$/);
    // The server reloads its users (rest-server re-reads .htpasswd): clients work with the new password.
    let code: number | null = -1;
    for (let i = 0; i < 15 && code !== 0; i++) {
      code = (await hostExec(clients()[0]!, `${RUNNER_ENV} restic snapshots --no-lock -q`)).code;
      if (code !== 0) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(code).toBe(0);
    // Put the lab's password back for the tests after this one.
    expect((await cliConverge(copy, 'apply')).code).toBe(0);
  });

  it('changing the image recreates the container; the same spec keeps it', async () => {
    const idBefore = (await sh(SERVER, 'docker inspect -f {{.Id}} restic01')).trim();
    editYaml(copy, 'group_vars/server/vars.yml', (doc) => doc.set('restic_server_image', 'restic-fleet/rest-server:lab2'));
    const plan = await cliConverge(copy, 'plan');
    const server = plan.plan.hosts.find((h) => h.host === SERVER)!;
    expect(server.changes.map((c) => [c.id, c.action, Boolean(c.destructive)])).toEqual([['container:restic01', 'update', true]]);
    expect((await cliConverge(copy, 'apply')).code).toBe(0);
    const idAfter = (await sh(SERVER, 'docker inspect -f {{.Id}} restic01')).trim();
    expect(idAfter).not.toBe(idBefore);
    expect((await sh(SERVER, 'docker inspect -f {{.Config.Image}} restic01')).trim()).toBe('restic-fleet/rest-server:lab2');
    const again = await cliConverge(copy, 'apply');
    expect(again.results.every((r) => r.outcome === 'ok')).toBe(true);
    expect((await sh(SERVER, 'docker inspect -f {{.Id}} restic01')).trim()).toBe(idAfter);
  });
});
