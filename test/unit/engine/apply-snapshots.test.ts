import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCommand } from '../../../src/commands/apply.js';
import type { DesiredHost } from '../../../src/desired/types.js';
import { loadDesired } from '../../../src/engine/load.js';
import { byKind, FakeFleet, fakeHost, ok, probeOutput } from '../../support/fake-transport.js';
import { remoteOptions, removeFleets, writeFleet } from '../../support/fleet-inventory.js';

const NOW = new Date('2026-12-02T02:00:00Z');
const b64 = (s: string) => Buffer.from(s).toString('base64');
let root: string;
let desired: DesiredHost[];

beforeAll(async () => {
  root = await writeFleet({ clients: ['c1', 'c2', 'c3'] });
  desired = (await loadDesired(remoteOptions(root, new FakeFleet({})))).desired;
});
afterAll(removeFleets);

/** A record as the runner writes it: a distinctive snapshot id per host, so the test sees where each row came from. */
const record = (host: string, over: object = {}) => ({
  name: 'x',
  status: 'ok',
  start: '2026-12-02T01:00:00Z',
  end: '2026-12-02T01:00:09Z',
  exit: 0,
  snapshot: `${host}`.padEnd(8, '0') + 'f'.repeat(56),
  message: '',
  ...over,
});

const recordsOf = (d: DesiredHost, over: object = {}) => Object.fromEntries(d.client!.sets.map((s) => [s.slug, record(d.name, over)]));

describe('apply reports snapshots from the status records its probe read', () => {
  it('a no-op apply: one connection and one round trip per host, rows from the records, no restic snapshots', async () => {
    const f = new FakeFleet(Object.fromEntries(desired.map((d) => [d.name, fakeHost(d, 'converged', d.client ? { statusRecords: recordsOf(d) } : {})])));
    const out = await applyCommand(remoteOptions(root, f), undefined, { staleAfterSeconds: 26 * 3600, now: NOW });
    for (const d of desired) expect(f.connects.get(d.name)).toBe(1);
    expect(f.execs.map((e) => `${e.host}:${e.kind}`).sort()).toEqual(desired.map((d) => `${d.name}:probe`).sort());
    const hosts = out.snapshots!.hosts;
    expect(hosts.map((h) => h.host)).toEqual(['c1', 'c2', 'c3']);
    for (const h of hosts) {
      expect(h.status).toBe('ok');
      const d = desired.find((x) => x.name === h.host)!;
      expect(h.sets.map((s) => s.slug)).toEqual(d.client!.sets.map((s) => s.slug));
      for (const s of h.sets) {
        expect(s.latest).toMatchObject({ shortId: h.host.padEnd(8, '0'), time: '2026-12-02T01:00:00Z', ageSeconds: 3600 });
        expect(s).toMatchObject({ stale: false, failing: false, lastRun: { status: 'ok', exitCode: 0 } });
      }
    }
  });

  it('the shared repository\'s prune and check records show on its one client, from the same probe', async () => {
    const rotation = 'restic_backup_rotation: {daily: 7, weekly: 4, monthly: 1}\n';
    const rotating = await writeFleet({ clients: ['c1', 'c2'], clientVars: { c1: rotation, c2: rotation } });
    const fleet = (await loadDesired(remoteOptions(rotating, new FakeFleet({})))).desired;
    const c1 = fleet.find((d) => d.name === 'c1')!;
    expect(c1.client!.prune).toBeDefined(); // c1 and c2 share one repository: c1 prunes and checks it
    const prune = { name: 'prune', status: 'failed', exit: 11, end: '2026-12-02T01:30:00Z', message: 'repository is already locked', type: 'prune' };
    const f = new FakeFleet(
      Object.fromEntries(fleet.map((d) => [d.name, fakeHost(d, 'converged', d.client ? { statusRecords: { ...recordsOf(d), ...(d === c1 ? { prune } : {}) } } : {})])),
    );
    const out = await applyCommand(remoteOptions(rotating, f), undefined, { staleAfterSeconds: 26 * 3600, now: NOW });
    expect(f.order('snapshots')).toEqual([]);
    const [h1, h2] = out.snapshots!.hosts;
    expect(h1!.prune).toMatchObject({ status: 'failed', exitCode: 11, message: 'repository is already locked' });
    expect(h1!.check).toMatchObject({ status: 'skipped', message: 'no check has run yet' });
    expect(h2!.prune).toBeUndefined();
    expect(h2!.check).toBeUndefined();
    // Every client has a rotation record slot; a shared repository's forget does not prune.
    expect(h2!.rotation).toMatchObject({ status: 'skipped', message: 'no rotation has run yet' });
    expect(h2!.rotation!.prunes).toBeUndefined();
  });

  it('a failed last run keeps the snapshot the runner carried over, and counts as failing', async () => {
    const c1 = desired.find((d) => d.name === 'c1')!;
    const failed = { status: 'failed', exit: 1, snapshot: '', message: 'repository locked', last_snapshot: 'abcdef12'.padEnd(64, '0'), last_snapshot_time: '2026-11-30T01:00:00Z' };
    const f = new FakeFleet(
      Object.fromEntries(desired.map((d) => [d.name, fakeHost(d, 'converged', d.client ? { statusRecords: d === c1 ? recordsOf(d, failed) : recordsOf(d) } : {})])),
    );
    const out = await applyCommand(remoteOptions(root, f), undefined, { staleAfterSeconds: 26 * 3600, now: NOW });
    expect(f.order('snapshots')).toEqual([]);
    expect(out.snapshots!.hosts[0]!.sets[0]).toMatchObject({ latest: { shortId: 'abcdef12', ageSeconds: 2 * 86400 + 3600 }, stale: true, failing: true, lastRun: { message: 'repository locked' } });
  });

  it('a set without a record gets restic snapshots over the same connection; a repository this run creates needs none', async () => {
    const snapshotsOut = ['@@rf snapshots-exit', '0', '@@rf snapshots', b64('[]'), '@@rf snapshots-err', '', ''].join('\n');
    const f = new FakeFleet(
      Object.fromEntries(
        desired.map((d) => [
          d.name,
          d.name === 'c2'
            ? byKind({ probe: () => ok(probeOutput(d, 'converged')), snapshots: () => ok(snapshotsOut) })
            : fakeHost(d, 'converged', d.client ? { statusRecords: recordsOf(d) } : {}),
        ]),
      ),
    );
    const out = await applyCommand(remoteOptions(root, f), undefined, { staleAfterSeconds: 3600, now: NOW });
    expect(f.order('snapshots')).toEqual(['c2']);
    expect(f.connects.get('c2')).toBe(1);
    expect(out.snapshots!.hosts[1]!.sets[0]).toMatchObject({ stale: true, latest: undefined });

    // A fresh fleet: every repository is created by this apply, so nobody runs restic snapshots.
    const fresh = new FakeFleet(Object.fromEntries(desired.map((d) => [d.name, fakeHost(d, 'fresh')])));
    const first = await applyCommand(remoteOptions(root, fresh), undefined, { staleAfterSeconds: 3600, now: NOW });
    expect(fresh.order('snapshots')).toEqual([]);
    expect(first.snapshots!.hosts.every((h) => h.status === 'ok' && h.sets.every((s) => s.stale && !s.latest && !s.lastRun))).toBe(true);
    for (const d of desired) expect(fresh.connects.get(d.name)).toBe(1);
  });

  it('without a report (the CLI), apply asks for no snapshots', async () => {
    const f = new FakeFleet(Object.fromEntries(desired.map((d) => [d.name, fakeHost(d, 'converged')])));
    const out = await applyCommand(remoteOptions(root, f));
    expect(out.snapshots).toBeUndefined();
    expect(f.order('snapshots')).toEqual([]);
  });
});
