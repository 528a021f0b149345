import { describe, expect, it } from 'vitest';
import { parseShard, selectShard, type ShardSpec } from '../../../src/desired/shard.js';
import type { DesiredHost } from '../../../src/desired/types.js';

const server = (name: string): DesiredHost => ({ name, connection: {} as DesiredHost['connection'], server: {} as DesiredHost['server'] });
const client = (name: string, serverHost?: string): DesiredHost => ({
  name,
  connection: {} as DesiredHost['connection'],
  client: { repository: { serverHost } } as DesiredHost['client'],
});

describe('parseShard', () => {
  it('reads servers and i/n', () => {
    expect(parseShard('servers')).toEqual({ kind: 'servers' });
    expect(parseShard(' 2/4 ')).toEqual({ kind: 'clients', index: 2, count: 4 });
    expect(parseShard('256/256')).toEqual({ kind: 'clients', index: 256, count: 256 });
  });
  it.each(['0/3', '4/3', '1/257', '1/0', 'a/b', '1', '1/2/3', '', 'server', '-1/2'])('refuses %j', (t) => {
    expect(() => parseShard(t)).toThrow(/shard must be "servers" or "i\/n"/);
  });
});

describe('selectShard', () => {
  const hosts = [
    server('s1'),
    server('s2'),
    ...Array.from({ length: 10 }, (_, i) => client(`c${String(9 - i).padStart(2, '0')}`, i % 2 ? 's1' : 's2')),
  ];
  it('covers every host exactly once across servers + n shards, balanced', () => {
    for (const n of [1, 2, 3, 7, 10, 11]) {
      const specs: ShardSpec[] = [{ kind: 'servers' }, ...Array.from({ length: n }, (_, i) => ({ kind: 'clients' as const, index: i + 1, count: n }))];
      const seen = specs.flatMap((s) => selectShard(hosts, s).converge.map((d) => d.name));
      expect(seen.sort()).toEqual(hosts.map((d) => d.name).sort());
      const sizes = specs.slice(1).map((s) => selectShard(hosts, s).converge.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });
  it('repeats the same split whatever the inventory order', () => {
    const spec: ShardSpec = { kind: 'clients', index: 2, count: 3 };
    const a = selectShard(hosts, spec).converge.map((d) => d.name);
    const b = selectShard([...hosts].reverse(), spec).converge.map((d) => d.name);
    expect(a).toEqual(b);
    expect(a).toEqual(['c01', 'c04', 'c07']);
  });
  it('reads the servers of its clients without converging them', () => {
    const sel = selectShard(hosts, { kind: 'clients', index: 1, count: 10 });
    expect(sel.converge.map((d) => d.name)).toEqual(['c00']);
    expect(sel.readOnly.map((d) => d.name)).toEqual(['s1']);
    expect(selectShard(hosts, { kind: 'servers' })).toEqual({ converge: [hosts[0], hosts[1]], readOnly: [] });
  });
});
