import { describe, expect, it } from 'vitest';
import { buildDesired } from '../../../src/desired/build.js';
import type { DesiredHost } from '../../../src/desired/types.js';
import type { HostFacts } from '../../../src/facts/types.js';
import { applyRun, type PlanRun } from '../../../src/engine/converge.js';
import { Sessions } from '../../../src/engine/sessions.js';
import { buildPlan, type FactsResult } from '../../../src/plan/build.js';
import type { ExecResult } from '../../../src/remote/transport.js';
import { applyAllOk as allOk, FakeFleet } from '../../support/fake-transport.js';
import { clientHost, freshClientFacts, freshServerFacts, serverHost } from '../../support/host-config.js';

const server = freshServerFacts;
const client = () => freshClientFacts('unchecked');
const ok = (facts: HostFacts): FactsResult => ({ ok: true, facts });
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Sessions over a fake fleet whose every host answers apply scripts with `answer(host, script)`. */
function fakeSessions(answer: (host: string, script: string) => ExecResult): { sessions: Sessions; fleet: FakeFleet } {
  const names = ['server.example.com', 'c1', 'c2'];
  const fleet = new FakeFleet(Object.fromEntries(names.map((h) => [h, (script: string) => answer(h, script)])));
  return { sessions: new Sessions(fleet.factory), fleet };
}

async function firstConverge(desired: DesiredHost[]): Promise<PlanRun> {
  const facts = new Map<string, FactsResult>(
    desired.map((d) => [d.name, ok(d.server ? { host: d.name, uid: 0, server: server() } : { host: d.name, uid: 0, client: client() })]),
  );
  return { ...(await buildPlan(desired, facts)), facts, durationMs: 0, factsMs: new Map() };
}

describe('applyRun: a fresh server and its clients', () => {
  const desired = buildDesired([serverHost('server.example.com', { readyTimeoutSeconds: 45 }), clientHost('c1'), clientHost('c2')]).hosts;

  it('waits for the new container to answer HTTP on its published port before its change counts', async () => {
    const run = await firstConverge(desired);
    const ops = run.ops.get('server.example.com')!.map((o) => o.op);
    const i = ops.findIndex((o) => o.op === 'container-run');
    expect(ops[i + 1]).toEqual({ op: 'await-http', container: 'restic01', port: 8080, timeoutSeconds: 45 });
  });

  it('applies servers, then the initialiser, then the other clients', async () => {
    const { sessions, fleet } = fakeSessions((_h, s) => allOk(s));
    const results = await applyRun({ desired, sessions, concurrency: 4 }, await firstConverge(desired));
    expect(fleet.order('apply')).toEqual(['server.example.com', 'c1', 'c2']);
    expect(results.map((r) => r.outcome)).toEqual(['changed', 'changed', 'changed']);
  });

  it('skips the clients of a server that never answers, with its reason', async () => {
    const why = 'container restic01 did not answer HTTP on port 8080 within 45 s (state: running)';
    const { sessions, fleet } = fakeSessions(
      (h, s) => (h === 'server.example.com' ? { code: 1, stdout: `@@rf fail container:restic01 ${b64(why)}`, stderr: '' } : allOk(s)),
    );
    const results = await applyRun({ desired, sessions, concurrency: 4 }, await firstConverge(desired));
    expect(fleet.order('apply')).toEqual(['server.example.com']);
    const byHost = Object.fromEntries(results.map((r) => [r.host, r]));
    expect(byHost['server.example.com']!.outcome).toBe('failed');
    expect(byHost['server.example.com']!.reason).toContain('did not answer HTTP on port 8080');
    for (const c of ['c1', 'c2']) {
      expect(byHost[c]!.outcome).toBe('skipped');
      expect(byHost[c]!.reason).toBe(`its server server.example.com failed: container:restic01: ${why}`);
    }
  });

  it('skips the other clients of a repository whose initialiser failed, saying so', async () => {
    const { sessions, fleet } = fakeSessions(
      (h, s) => (h === 'c1' ? { code: 0, stdout: `@@rf repo 1 ${b64('Fatal: unable to open config file: dial tcp: connection refused')}`, stderr: '' } : allOk(s)),
    );
    const results = await applyRun({ desired, sessions, concurrency: 4 }, await firstConverge(desired));
    expect(fleet.order('apply')).toEqual(['server.example.com', 'c1']);
    const c2 = results.find((r) => r.host === 'c2')!;
    expect(c2.outcome).toBe('skipped');
    expect(c2.reason).toMatch(/^its repository's initialiser c1 failed: repository is /);
    expect(results.find((r) => r.host === 'c1')!.outcome).toBe('failed');
  });

  it('a host another run changed since this run read it is skipped as stale, and does not block its clients', async () => {
    const run = await firstConverge(desired);
    const serverOps = run.ops.get('server.example.com')!.map((o) => o.op.op);
    expect([serverOps[0], serverOps.at(-1)]).toEqual(['guard-generation', 'bump-generation']);
    const { sessions, fleet } = fakeSessions((h, s) => (h === 'server.example.com' ? { code: 0, stdout: '@@rf stale 1', stderr: '' } : allOk(s)));
    const results = await applyRun({ desired, sessions, concurrency: 4 }, run);
    expect(fleet.order('apply')).toEqual(['server.example.com', 'c1', 'c2']);
    expect(results.map((r) => [r.host, r.outcome])).toEqual([['c1', 'changed'], ['c2', 'changed'], ['server.example.com', 'skipped']]);
    expect(results.find((r) => r.host === 'server.example.com')!.reason).toMatch(/^another restic-fleet run changed this host/);
  });
});
