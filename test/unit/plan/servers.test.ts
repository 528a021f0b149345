import bcrypt from 'bcryptjs';
// Server planning before the clients are probed (src/plan/servers.ts): what the engine asks
// plan/ instead of planning servers itself.
import { describe, expect, it } from 'vitest';
import { buildDesired } from '../../../src/desired/build.js';
import type { FactsResult } from '../../../src/plan/build.js';
import { factsFromDesired } from '../../../src/plan/offline.js';
import { checksRepository, planServers } from '../../../src/plan/servers.js';
import { clientHost, freshServerFacts, serverHost } from '../../support/host-config.js';

const desired = buildDesired([serverHost('server.example.com'), clientHost('c1')]).hosts;
const server = desired.find((d) => d.server)!;
const client = desired.find((d) => d.name === 'c1')!;
const fresh = new Map<string, FactsResult>([[server.name, { ok: true, facts: { host: server.name, uid: 0, server: freshServerFacts() } }]]);
const converged = new Map<string, FactsResult>([[server.name, { ok: true, facts: factsFromDesired(server, (p) => bcrypt.hashSync(p, 4)) }]]);

describe('planServers', () => {
  it('a server with changes is changing: its clients skip the live repository check', async () => {
    const plans = await planServers([server], fresh);
    expect(plans.parts.get(server.name)!.changes.length).toBeGreaterThan(0);
    expect([...plans.changing]).toEqual([server.name]);
    expect(checksRepository(client, plans)).toBe(false);
  });

  it('a converged server is not changing: its clients check their repository', async () => {
    const plans = await planServers([server], converged);
    expect(plans.parts.get(server.name)!.changes).toEqual([]);
    expect(plans.changing.size).toBe(0);
    expect(checksRepository(client, plans)).toBe(true);
  });

  it('a server that could not be read is left to buildPlan; a moved repository is not checked', async () => {
    const plans = await planServers([server], new Map([[server.name, { ok: false, reason: 'unreachable' }]]));
    expect(plans.parts.size).toBe(0);
    expect(checksRepository(client, plans)).toBe(true);
    expect(checksRepository(client, plans, { offline: new Map(), noRepoCheck: new Map([['c1', 'moved']]) })).toBe(false);
  });

  it('servers not contacted (a pull request\'s new destinations) are planned from their synthesised facts', async () => {
    const plans = await planServers([], new Map(), { hosts: [server], facts: fresh });
    expect(plans.parts.get(server.name)!.changes.length).toBeGreaterThan(0);
    expect(plans.changing.size).toBe(0);
  });
});
