import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCommand } from '../../../src/commands/apply.js';
import { planCommand } from '../../../src/commands/plan.js';
import type { DesiredHost } from '../../../src/desired/types.js';
import { loadDesired } from '../../../src/engine/load.js';
import { FakeFleet, fakeHost } from '../../support/fake-transport.js';
import { remoteOptions, removeFleets, writeFleet } from '../../support/fleet-inventory.js';

let root: string;
let desired: DesiredHost[];
const CLIENTS = ['c1', 'c2', 'c3', 'c4', 'c5'];

beforeAll(async () => {
  root = await writeFleet({ clients: CLIENTS });
  desired = (await loadDesired(remoteOptions(root, new FakeFleet({})))).desired;
});
afterAll(removeFleets);

const fleet = (state: (name: string) => 'fresh' | 'converged') => new FakeFleet(Object.fromEntries(desired.map((d) => [d.name, fakeHost(d, state(d.name))])));

describe('shard: servers first, then n client jobs', () => {
  it('servers + 3 shards apply every host exactly once; a client shard reads its server and never applies it', async () => {
    const applied: string[] = [];
    const f = fleet(() => 'fresh');
    const servers = await applyCommand(remoteOptions(root, f, { shard: { kind: 'servers' } }));
    expect(servers.results.map((r) => r.host)).toEqual(['srv']);
    applied.push(...f.order('apply'));
    for (let i = 1; i <= 3; i++) {
      // The server converged by the servers job; the clients still fresh.
      const g = fleet((n) => (n === 'srv' ? 'converged' : 'fresh'));
      const out = await applyCommand(remoteOptions(root, g, { shard: { kind: 'clients', index: i, count: 3 } }));
      expect(g.order('probe')).toContain('srv');
      expect(g.order('apply')).not.toContain('srv');
      expect(out.results.every((r) => r.outcome === 'changed')).toBe(true);
      applied.push(...g.order('apply'));
    }
    expect(applied.sort()).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'srv']);
  });

  it('only the repository\'s first client creates it, whichever shard holds it', async () => {
    const g = fleet((n) => (n === 'srv' ? 'converged' : 'fresh'));
    const { run } = await planCommand(remoteOptions(root, g, { shard: { kind: 'clients', index: 2, count: 2 } }));
    expect(run.plan.hosts.map((h) => h.host)).toEqual(['c2', 'c4']);
    expect(run.plan.hosts.flatMap((h) => h.changes.filter((c) => c.kind === 'repository'))).toEqual([]);
    expect(run.plan.hosts[0]!.warnings.join('\n')).toContain('is created by c1 (another shard)');
    // Nothing to verify yet (c1's job may run later): no op that would fail on the absent repository.
    expect(run.ops.get('c2')!.some((p) => p.op.op === 'repo-verify')).toBe(false);
    const first = await planCommand(remoteOptions(root, fleet((n) => (n === 'srv' ? 'converged' : 'fresh')), { shard: { kind: 'clients', index: 1, count: 2 } }));
    expect(first.run.plan.hosts.find((h) => h.host === 'c1')!.changes.some((c) => c.kind === 'repository')).toBe(true);
  });

  it('a client shard whose server is not converged fails its clients clearly and changes nothing', async () => {
    const g = fleet(() => 'fresh');
    const out = await applyCommand(remoteOptions(root, g, { shard: { kind: 'clients', index: 1, count: 2 } }));
    expect(g.order('apply')).toEqual([]);
    expect(out.results.map((r) => [r.host, r.outcome])).toEqual([['c1', 'failed'], ['c3', 'failed'], ['c5', 'failed']]);
    expect(out.results[0]!.reason).toMatch(/^its server srv is not converged \(\d+ pending changes\): the servers job \(shard: servers\) must apply it before the client shards run$/);
  });
});
