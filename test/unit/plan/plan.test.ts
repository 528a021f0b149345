import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { buildDesired } from '../../../src/desired/build.js';
import type { DesiredHost } from '../../../src/desired/types.js';
import type { ClientFacts, HostFacts, ServerFacts } from '../../../src/facts/types.js';
import { renderApply } from '../../../src/apply/script.js';
import { buildPlan, type FactsResult } from '../../../src/plan/build.js';
import { packageSatisfied, versionAtLeast } from '../../../src/plan/client.js';
import { factsFromDesired, offlinePlan } from '../../../src/plan/offline.js';
import { planServer } from '../../../src/plan/server.js';
import { Secret } from '../../../src/secret.js';
import { clientHost, freshClientFacts, freshServerFacts, serverHost } from '../../support/host-config.js';

const emptyServer = freshServerFacts;
const emptyClient = (): ClientFacts => freshClientFacts();

/** Facts of a host that already matches its desired state (bcrypt at cost 4: the planner checks them with bcrypt). */
const convergedFacts = (d: DesiredHost): HostFacts => factsFromDesired(d, (p) => bcrypt.hashSync(p, 4));

const ok = (facts: HostFacts): FactsResult => ({ ok: true, facts });

describe('buildPlan', () => {
  const desired = buildDesired([serverHost('server.example.com'), clientHost('c1'), clientHost('c2')]).hosts;

  it('plans the whole first converge of a fresh server and its clients, one init per repository', async () => {
    const facts = new Map<string, FactsResult>([
      ['server.example.com', ok({ host: 'server.example.com', uid: 0, server: emptyServer() })],
      ['c1', ok({ host: 'c1', uid: 0, client: { ...emptyClient(), repo: { status: 'unchecked', detail: '' } } })],
      ['c2', ok({ host: 'c2', uid: 0, client: { ...emptyClient(), repo: { status: 'unchecked', detail: '' } } })],
    ]);
    const { plan, ops } = await buildPlan(desired, facts);
    const ids = (h: string) => plan.hosts.find((x) => x.host === h)!.changes.map((c) => c.id);
    expect(ids('server.example.com')).toEqual([
      'directory:/srv/restic',
      'htpasswd-user:admin',
      'file:/srv/restic/.htpasswd',
      'network:example.com',
      'container:restic01',
    ]);
    expect(ids('c1')).toContain('repository:http://server.example.com:8080/backup');
    expect(ids('c2')).not.toContain('repository:http://server.example.com:8080/backup');
    expect(ops.get('c1')!.filter((o) => o.op.op === 'repo-init')).toHaveLength(1);
    expect(ops.get('c2')!.map((o) => o.op.op)).toContain('repo-verify');
    expect(JSON.stringify(plan)).not.toMatch(/pass-123|pass-456/);
  });

  it('is empty for hosts that already match, with a stable hash', async () => {
    const facts = new Map(desired.map((d) => [d.name, ok(convergedFacts(d))]));
    const a = await buildPlan(desired, facts);
    const b = await buildPlan(desired, facts);
    expect(a.plan.hosts.every((h) => h.status === 'ok' && h.changes.length === 0)).toBe(true);
    expect([...a.ops.values()].every((o) => o.length === 0)).toBe(true);
    expect(a.plan.hash).toBe(b.plan.hash);
    expect(a.plan.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps an htpasswd hash that still matches and rewrites only the changed user', async () => {
    const hosts = buildDesired([
      serverHost('server.example.com', {
        users: [
          { user: 'admin', password: new Secret('server-pass-123', 't') },
          { user: 'other', password: new Secret('new-other-pass', 't') },
        ],
      }),
    ]).hosts;
    const f = convergedFacts(hosts[0]!);
    f.server!.htpasswd = `admin:${bcrypt.hashSync('server-pass-123', 4)}\nother:${bcrypt.hashSync('old-other-pass', 4)}\nstale:$2y$04$abc\n`;
    const { plan, ops } = await buildPlan(hosts, new Map([['server.example.com', ok(f)]]));
    const changes = plan.hosts[0]!.changes;
    expect(changes.map((c) => `${c.action} ${c.id}`)).toEqual(['update htpasswd-user:other', 'delete htpasswd-user:stale', 'update file:/srv/restic/.htpasswd']);
    expect(changes.find((c) => c.id === 'htpasswd-user:stale')!.destructive).toMatch(/removes htpasswd user stale/);
    const write = ops.get('server.example.com')!.find((o) => o.op.op === 'write-file')!.op as { content: string };
    const lines = write.content.trim().split('\n');
    expect(lines[0]).toBe(f.server!.htpasswd.split('\n')[0]); // admin's old hash kept byte for byte
    expect(lines[1]).toMatch(/^other:\$2[aby]\$10\$/);
    expect(lines).toHaveLength(2);
  });

  it('reloads a kept, running rest-server (SIGHUP) after rewriting .htpasswd; not one being recreated or unchanged', async () => {
    const hosts = buildDesired([serverHost('server.example.com', { users: [{ user: 'admin', password: new Secret('new-pass-456', 't') }] })]).hosts;
    const opsFor = async (edit: (f: ReturnType<typeof convergedFacts>) => void) => {
      const f = convergedFacts(hosts[0]!);
      f.server!.htpasswd = `admin:${bcrypt.hashSync('old-pass-123', 4)}\n`;
      edit(f);
      return (await buildPlan(hosts, new Map([['server.example.com', ok(f)]]))).ops.get('server.example.com')!.map((o) => o.op.op);
    };
    // Between the generation guard and bump (see buildPlan): a recreated container is awaited, a reloaded one keeps listening.
    expect(await opsFor(() => {})).toEqual(['guard-generation', 'write-file', 'container-reload', 'bump-generation']);
    expect(await opsFor((f) => (f.server!.container!.labels = { 'restic-fleet.spec-hash': 'old' }))).toEqual([
      'guard-generation', 'write-file', 'container-run', 'await-http', 'bump-generation',
    ]);
    const same = convergedFacts(hosts[0]!);
    expect((await buildPlan(hosts, new Map([['server.example.com', ok(same)]]))).ops.get('server.example.com')).toEqual([]);
    const script = renderApply((await buildPlan(hosts, new Map([['server.example.com', ok({ ...same, server: { ...same.server!, htpasswd: 'admin:$2y$04$x\n' } })]]))).ops.get('server.example.com')!);
    expect(script.command.text).toContain('docker kill --signal HUP restic01');
  });

  it('recreates the container when its spec changed and marks it destructive', async () => {
    const hosts = buildDesired([serverHost('server.example.com')]).hosts;
    const f = convergedFacts(hosts[0]!);
    f.server!.container!.labels = { 'restic-fleet.spec-hash': 'old' };
    const { plan } = await buildPlan(hosts, new Map([['server.example.com', ok(f)]]));
    const c = plan.hosts[0]!.changes.find((x) => x.kind === 'container')!;
    expect(c.action).toBe('update');
    expect(c.destructive).toMatch(/recreates container restic01/);
    expect(c.after).toContain('image: restic/rest-server:0.9.7');
  });

  it('changes only the cron file when a tag changes, and flags a removed set as destructive', async () => {
    const before = buildDesired([clientHost('c1')]).hosts;
    const facts = convergedFacts(before[0]!);
    const retag = buildDesired([clientHost('c1', { sets: [{ ...clientHost('c1').client!.sets[0]!, tags: ['odoo02'] }, clientHost('c1').client!.sets[1]!] })]).hosts;
    const p1 = (await buildPlan(retag, new Map([['c1', ok(facts)]]))).plan;
    expect(p1.hosts[0]!.changes.map((c) => c.id)).toEqual(['file:/etc/cron.d/restic-fleet']);
    expect(p1.hosts[0]!.changes[0]!.destructive).toBeUndefined();
    const removed = buildDesired([clientHost('c1', { sets: [clientHost('c1').client!.sets[0]!] })]).hosts;
    const p2 = (await buildPlan(removed, new Map([['c1', ok(facts)]]))).plan;
    expect(p2.hosts[0]!.changes[0]!.destructive).toMatch(/removes backup set "postgres volume"/);
    expect(p2.hash).not.toBe(p1.hash);
  });

  it('never initialises after a 401 or a wrong password, and changes nothing on such a host', async () => {
    for (const status of ['unauthorized', 'wrong-password'] as const) {
      const hosts = buildDesired([clientHost('c1')]).hosts;
      const f = convergedFacts(hosts[0]!);
      f.client!.repo = { status, detail: 'x' };
      f.client!.files['/etc/restic-fleet/password']!.sha256 = 'old';
      const { plan, ops } = await buildPlan(hosts, new Map([['c1', ok(f)]]));
      expect(plan.hosts[0]!.status).toBe('failed');
      expect(plan.hosts[0]!.reason).toMatch(status === 'unauthorized' ? /401 Unauthorized/ : /does not open it/);
      expect(ops.get('c1')).toBeUndefined();
    }
    const hosts = buildDesired([clientHost('c1')]).hosts;
    const f = convergedFacts(hosts[0]!);
    f.client!.repo = { status: 'unreachable', detail: 'dial tcp: connection refused' };
    const { plan, ops } = await buildPlan(hosts, new Map([['c1', ok(f)]]));
    expect(ops.get('c1')!.map((o) => o.op.op)).toEqual(['repo-verify']);
    expect(plan.hosts[0]!.warnings.join()).toContain('unreachable');
  });

  it('skips clients of a server that could not be read, and fails hosts with old restic', async () => {
    const facts = new Map<string, FactsResult>([
      ['server.example.com', { ok: false, reason: 'connection refused' }],
      ['c1', ok({ host: 'c1', uid: 0, client: emptyClient() })],
    ]);
    const { plan } = await buildPlan(desired.filter((d) => d.name !== 'c2'), facts);
    expect(plan.hosts.map((h) => [h.host, h.status])).toEqual([
      ['c1', 'skipped'],
      ['server.example.com', 'failed'],
    ]);
    const old = buildDesired([clientHost('c9', { package: undefined })]).hosts;
    const r = await buildPlan(old, new Map([['c9', ok({ host: 'c9', uid: 0, client: { ...emptyClient(), resticVersion: '0.9.6' } })]]));
    expect(r.plan.hosts[0]!.status).toBe('failed');
    expect(r.plan.hosts[0]!.reason).toMatch(/restic 0.9.6 found; restic-fleet needs ≥ 0.14.0/);
  });
});

describe('planServer', () => {
  it('hashes htpasswd passwords without blocking the event loop (bcrypt cost 10, async form)', async () => {
    const [d] = buildDesired([serverHost('server.example.com', { users: [{ user: 'admin', password: new Secret('server-pass-123', 't') }] })]).hosts;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      const part = await planServer(d!.server!, emptyServer());
      const write = part.ops.find((o) => o.op.op === 'write-file')!.op as { content: string };
      expect(write.content).toMatch(/^admin:\$2[aby]\$10\$/);
    } finally {
      clearInterval(timer);
    }
    // A synchronous hash would hold the loop until the plan is done: no timer could run in between.
    expect(ticks).toBeGreaterThan(0);
  });
});

describe('versions and packages', () => {
  it('compares versions and package pins', async () => {
    expect(versionAtLeast('0.14.0', '0.14.0')).toBe(true);
    expect(versionAtLeast('0.16.4', '0.14.0')).toBe(true);
    expect(versionAtLeast('0.9.6', '0.14.0')).toBe(false);
    expect(packageSatisfied('restic', '0.14.0-1')).toBe(true);
    expect(packageSatisfied('restic=0.14.0-1', '0.14.0-1')).toBe(true);
    expect(packageSatisfied('restic=0.8.3+ds-1', '0.14.0-1')).toBe(false);
    expect(packageSatisfied('restic', undefined)).toBe(false);
  });
});

describe('offlinePlan', () => {
  it('diffs the pull request against the base branch: an added client, nothing else', async () => {
    const base = buildDesired([serverHost('server.example.com'), clientHost('c1')]).hosts;
    const head = buildDesired([serverHost('server.example.com'), clientHost('c1'), clientHost('c2')]).hosts;
    const { plan, removedHosts } = await offlinePlan(head, base);
    expect(plan.offline).toBe(true);
    expect(removedHosts).toEqual([]);
    const byHost = Object.fromEntries(plan.hosts.map((h) => [h.host, h.changes.map((c) => c.id)]));
    // The repository becomes shared: c1, its first client, now prunes it once for both (its cron only).
    expect(byHost['c1']).toEqual(['file:/etc/cron.d/restic-fleet']);
    expect(byHost['server.example.com']).toEqual([]); // c2 uses the same admin user: no htpasswd change
    expect(byHost['c2']).toEqual(expect.arrayContaining(['file:/etc/cron.d/restic-fleet', 'file:/etc/restic-fleet/password']));
    expect(byHost['c2']).not.toContain('repository:http://server.example.com:8080/backup'); // joins the existing repository
  });
});
