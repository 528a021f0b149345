import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DesiredHost } from '../../../src/desired/types.js';
import { applyCommand, PlanHashMismatch } from '../../../src/commands/apply.js';
import { planCommand } from '../../../src/commands/plan.js';
import { loadDesired } from '../../../src/engine/load.js';
import { applyAllOk, byKind, FakeFleet, fakeHost, ok, probeOutput, type HostAnswer } from '../../support/fake-transport.js';
import { remoteOptions, removeFleets, writeFleet } from '../../support/fleet-inventory.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
let root: string;
let desired: DesiredHost[];
const host = (name: string) => desired.find((d) => d.name === name)!;

beforeAll(async () => {
  root = await writeFleet({ clients: ['c1', 'c2', 'c3'] });
  desired = (await loadDesired(remoteOptions(root, new FakeFleet({})))).desired;
});
afterAll(removeFleets);

/** Every host fresh (or converged), with answers replaced for some hosts. */
function fleet(state: 'fresh' | 'converged', over: Record<string, HostAnswer | { connectError: string }> = {}): FakeFleet {
  return new FakeFleet(Object.fromEntries(desired.map((d) => [d.name, over[d.name] ?? fakeHost(d, state)])));
}

/** A fresh host whose apply script gets `apply` instead of success. */
const freshWithApply = (name: string, apply: (script: string) => { code: number | null; stdout: string; stderr: string }): HostAnswer =>
  byKind({ probe: () => ok(probeOutput(host(name), 'fresh')), apply });

const outcomes = (results: Array<{ host: string; outcome: string }>) => Object.fromEntries(results.map((r) => [r.host, r.outcome]));

describe('planCommand through the fake transport', () => {
  it('a converged fleet plans no change, probing each host once over one connection', async () => {
    const f = fleet('converged');
    const { run, results } = await planCommand(remoteOptions(root, f));
    expect(run.plan.hosts.map((h) => [h.host, h.status, h.changes.length])).toEqual([
      ['c1', 'ok', 0],
      ['c2', 'ok', 0],
      ['c3', 'ok', 0],
      ['srv', 'ok', 0],
    ]);
    expect(f.order('probe').sort()).toEqual(['c1', 'c2', 'c3', 'srv']);
    expect(f.execs.every((e) => e.kind === 'probe')).toBe(true);
    expect([...f.connects.values()]).toEqual([1, 1, 1, 1]);
    expect(f.closed.sort()).toEqual(['c1', 'c2', 'c3', 'srv']);
    expect(results.every((r) => r.outcome === 'ok' && r.roundTrips === 1)).toBe(true);
  });

  it('probes the server before its clients, and a changing server makes clients skip the live repository check', async () => {
    const f = fleet('fresh');
    const { run } = await planCommand(remoteOptions(root, f));
    expect(f.order('probe')[0]).toBe('srv');
    const clientProbes = f.execs.filter((e) => e.kind === 'probe' && e.host !== 'srv');
    expect(clientProbes).toHaveLength(3);
    for (const p of clientProbes) {
      expect(p.script).toContain('sec repo-installed x');
      expect(p.stdin).toBeUndefined();
    }
    expect(run.ops.get('c1')!.some((o) => o.op.op === 'repo-init')).toBe(true);
    expect(run.ops.get('c2')!.some((o) => o.op.op === 'repo-init')).toBe(false);
  });

  it('an unchanged server lets its clients check the repository with the desired credentials on stdin only', async () => {
    const f = fleet('converged');
    await planCommand(remoteOptions(root, f));
    const p = f.execs.find((e) => e.host === 'c1')!;
    expect(p.script).toContain('sec repo x;');
    expect(p.stdin).toContain('repo-pass-2c9f');
    expect(p.stdin).toContain('http-pass-7d1e');
    expect(p.script).not.toContain('repo-pass-2c9f');
    expect(p.script).not.toContain('http-pass-7d1e');
  });

  it('a host whose connect fails is failed with the reason; the others are planned', async () => {
    const f = fleet('converged', { c2: { connectError: 'host key mismatch for c2' } });
    const { run, results } = await planCommand(remoteOptions(root, f));
    const c2 = run.plan.hosts.find((h) => h.host === 'c2')!;
    expect(c2.status).toBe('failed');
    expect(c2.reason).toContain('host key mismatch for c2');
    expect(outcomes(results)).toEqual({ c1: 'ok', c2: 'failed', c3: 'ok', srv: 'ok' });
    expect(f.execs.some((e) => e.host === 'c2')).toBe(false);
  });

  it('a probe whose connection drops (code null) fails that host only', async () => {
    const f = fleet('converged', { c3: () => ({ code: null, stdout: '', stderr: 'Connection reset' }) });
    const { run } = await planCommand(remoteOptions(root, f));
    const c3 = run.plan.hosts.find((h) => h.host === 'c3')!;
    expect(c3.status).toBe('failed');
    expect(c3.reason).toMatch(/^probe failed \(connection dropped\): Connection reset/);
  });

  it('never has more than `concurrency` hosts in flight', async () => {
    const many = await writeFleet({ clients: ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8'] });
    const d = (await loadDesired(remoteOptions(many, new FakeFleet({})))).desired;
    for (const concurrency of [1, 3]) {
      const f = new FakeFleet(Object.fromEntries(d.map((h) => [h.name, fakeHost(h, 'converged')])));
      await planCommand(remoteOptions(many, f, { concurrency }));
      expect(f.execs).toHaveLength(9);
      expect(f.maxHostsInFlight).toBe(concurrency);
    }
  });
});

describe('planCommand on a pull request: untrusted destinations', () => {
  it("a client whose repository moved is probed without credentials; a host new in the PR is never connected", async () => {
    const head = await writeFleet({ clients: ['c1', 'c2', 'c3', 'c4'], clientVars: { c2: 'restic_repo: elsewhere.test:8000/stolen\n' } });
    const headDesired = (await loadDesired(remoteOptions(head, new FakeFleet({})))).desired;
    const f = new FakeFleet(Object.fromEntries(headDesired.map((h) => [h.name, fakeHost(h, 'converged')])));
    const { run } = await planCommand(remoteOptions(head, f), { hosts: desired });

    expect(f.connects.has('c4')).toBe(false);
    const c2probe = f.execs.find((e) => e.host === 'c2')!;
    expect(c2probe.stdin).toBeUndefined();
    expect(c2probe.script).not.toContain('sec repo x;');
    const c1probe = f.execs.find((e) => e.host === 'c1')!;
    expect(c1probe.stdin).toContain('repo-pass-2c9f');
    const warn = (name: string) => run.plan.hosts.find((h) => h.host === name)!.warnings.join('\n');
    expect(warn('c2')).toContain('restic_repo changed in this pull request to http://elsewhere.test:8000/stolen');
    expect(warn('c4')).toContain('a host new in this pull request');
  });

  it('with no readable base, no host is contacted', async () => {
    const f = fleet('converged');
    const { run } = await planCommand(remoteOptions(root, f), { unavailable: 'git show failed' });
    expect(f.connects.size).toBe(0);
    expect(run.plan.hosts.every((h) => h.warnings.some((w) => w.includes('git show failed')))).toBe(true);
  });
});

describe('applyCommand through the fake transport', () => {
  it('applies servers, then the initialiser, then the other clients, over the connection the probe used', async () => {
    const f = fleet('fresh');
    const { results } = await applyCommand(remoteOptions(root, f));
    const applies = f.order('apply');
    expect(applies.slice(0, 2)).toEqual(['srv', 'c1']);
    expect(applies.slice(2).sort()).toEqual(['c2', 'c3']);
    expect(outcomes(results)).toEqual({ c1: 'changed', c2: 'changed', c3: 'changed', srv: 'changed' });
    expect([...f.connects.values()]).toEqual([1, 1, 1, 1]);
    expect(results.every((r) => r.roundTrips === 2)).toBe(true);
  });

  it('skips every client of a server whose apply failed', async () => {
    const why = 'container restic01 did not answer HTTP on port 8080 within 30 s';
    const f = fleet('fresh', { srv: freshWithApply('srv', () => ({ code: 1, stdout: `@@rf fail container:restic01 ${b64(why)}`, stderr: '' })) });
    const { results } = await applyCommand(remoteOptions(root, f));
    expect(f.order('apply')).toEqual(['srv']);
    expect(outcomes(results)).toEqual({ c1: 'skipped', c2: 'skipped', c3: 'skipped', srv: 'failed' });
    expect(results.find((r) => r.host === 'c3')!.reason).toBe(`its server srv failed: container:restic01: ${why}`);
  });

  it("skips the repository's other clients when its initialiser fails", async () => {
    const f = fleet('fresh', { c1: freshWithApply('c1', () => ok(`@@rf repo 1 ${b64('Fatal: unable to open config file: dial tcp: connection refused')}`)) });
    const { results } = await applyCommand(remoteOptions(root, f));
    expect(f.order('apply')).toEqual(['srv', 'c1']);
    expect(outcomes(results)).toEqual({ c1: 'failed', c2: 'skipped', c3: 'skipped', srv: 'changed' });
    expect(results.find((r) => r.host === 'c2')!.reason).toMatch(/^its repository's initialiser c1 failed: repository is unreachable/);
  });

  it('a host another run changed meanwhile (@@rf stale) is skipped and its clients still apply', async () => {
    const f = fleet('fresh', { srv: freshWithApply('srv', () => ok('@@rf stale 4')) });
    const { results } = await applyCommand(remoteOptions(root, f));
    expect(outcomes(results)).toEqual({ c1: 'changed', c2: 'changed', c3: 'changed', srv: 'skipped' });
    expect(results.find((r) => r.host === 'srv')!.reason).toMatch(/^another restic-fleet run changed this host/);
  });

  it('a host that drops mid-apply (code null) fails; hosts of the same phase go on', async () => {
    const f = fleet('fresh', { c2: freshWithApply('c2', (s) => ({ ...applyAllOk(s), code: null, stdout: '@@rf ok directory:/etc/restic-fleet' })) });
    const { results } = await applyCommand(remoteOptions(root, f));
    expect(outcomes(results)).toEqual({ c1: 'changed', c2: 'failed', c3: 'changed', srv: 'changed' });
    const c2 = results.find((r) => r.host === 'c2')!;
    expect(c2.reason).toBe('the connection dropped or the remote command was killed');
    expect(c2.changed).toBe(1);
  });

  it('a client whose connect fails is failed; a server whose connect fails skips its clients', async () => {
    const one = await applyCommand(remoteOptions(root, fleet('fresh', { c3: { connectError: 'connection refused' } })));
    expect(outcomes(one.results)).toEqual({ c1: 'changed', c2: 'changed', c3: 'failed', srv: 'changed' });
    const f = fleet('fresh', { srv: { connectError: 'connection refused' } });
    const all = await applyCommand(remoteOptions(root, f));
    expect(outcomes(all.results)).toEqual({ c1: 'skipped', c2: 'skipped', c3: 'skipped', srv: 'failed' });
    expect(f.order('apply')).toEqual([]);
    expect(f.connects.get('srv')).toBe(1); // a failed connect is not retried within the run
  });

  it('refuses with PlanHashMismatch when the live plan is not the reviewed one, applying nothing', async () => {
    const reviewed = (await planCommand(remoteOptions(root, fleet('converged')))).run.plan.hash;
    const f = fleet('fresh');
    const err = await applyCommand(remoteOptions(root, f), reviewed).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlanHashMismatch);
    expect((err as Error).message).toContain(`differs from the reviewed plan-hash ${reviewed}`);
    expect(f.order('apply')).toEqual([]);
    expect(f.closed).toHaveLength(4);
  });

  it('applies when the live plan hash equals the reviewed one', async () => {
    const reviewed = (await planCommand(remoteOptions(root, fleet('fresh')))).run.plan.hash;
    const f = fleet('fresh');
    const { run } = await applyCommand(remoteOptions(root, f), reviewed);
    expect(run.plan.hash).toBe(reviewed);
    expect(f.order('apply')).toHaveLength(4);
  });

  it('a converged fleet sends no apply script', async () => {
    const f = fleet('converged');
    const { results } = await applyCommand(remoteOptions(root, f));
    expect(f.order('apply')).toEqual([]);
    expect(outcomes(results)).toEqual({ c1: 'ok', c2: 'ok', c3: 'ok', srv: 'ok' });
  });
});

describe('--limit and the default transport', () => {
  it('limits to named hosts or groups; an unknown name is an error', async () => {
    const f = fleet('converged');
    const { run } = await planCommand(remoteOptions(root, f, { limit: ['c2, srv'] }));
    expect(run.plan.hosts.map((h) => h.host)).toEqual(['c2', 'srv']);
    expect([...f.connects.keys()].sort()).toEqual(['c2', 'srv']);
    const byGroup = await planCommand(remoteOptions(root, fleet('converged'), { limit: ['client'] }));
    expect(byGroup.run.plan.hosts.map((h) => h.host)).toEqual(['c1', 'c2', 'c3']);
    await expect(planCommand(remoteOptions(root, fleet('converged'), { limit: ['c9'] }))).rejects.toThrow('--limit names no host or group: c9');
  });

  it('without a transportFactory, hosts are reached over SSH: a key that is not a private key fails every host before any connection', async () => {
    const { run } = await planCommand(remoteOptions(root, fleet('converged'), { transportFactory: undefined }));
    expect(run.plan.hosts.map((h) => h.status)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(run.plan.hosts[0]!.reason).toMatch(/private key/i);
  });
});
