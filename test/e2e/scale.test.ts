// Issue 11 end to end, through the built action: a whole no-op apply uses one SSH connection
// and one round trip per host (counted by the hosts' own sshd), its snapshot rows come from
// the runner's status records, and a matrix of servers + 3 shards converges every host once.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { countSince } from '../../bench/sshd-count.js';
import type { SnapshotReport } from '../../src/results/types.js';
import { withoutMaskLines } from './support/action.js';
import { actionStep, cliConverge } from './support/doors.js';
import { copyLabInventory, type InventoryCopy } from './support/engine.js';
import { hostExec, labState, resetLab } from './support/lab.js';

const SERVER = 'server.example.com';
const clients = () => labState().hosts.filter((h) => h.name !== SERVER).map((h) => h.name).sort();

async function sh(host: string, cmd: string): Promise<string> {
  const r = await hostExec(host, cmd, { timeoutSeconds: 120 });
  if (r.code !== 0) throw new Error(`${host}: ${cmd} → exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Runs every backup job of the host's cron file, as cron would. */
async function backUpAll(host: string): Promise<void> {
  const cron = await sh(host, 'cat /etc/cron.d/restic-fleet');
  const jobs = [...cron.matchAll(/^\S+ \S+ \* \* \* root (\S+ backup .*?) >>/gm)].map((m) => m[1]!);
  expect(jobs.length).toBeGreaterThan(0);
  for (const job of jobs) expect((await hostExec(host, job, { timeoutSeconds: 120 })).code).toBe(0);
}

describe('one connection per host', () => {
  let copy: InventoryCopy;

  beforeAll(async () => {
    await resetLab();
    copy = copyLabInventory();
    const first = await actionStep(copy, 'apply', 'push.main');
    expect(first.code, withoutMaskLines(first.stdout)).toBe(0);
    await Promise.all(clients().map(backUpAll));
  });

  it('a no-op apply: one SSH connection and one session per host; each snapshot row is its status record', async () => {
    // Client02's record names a snapshot restic does not have: only the record can put it in the report.
    const c2 = clients()[1]!;
    const recFile = '/var/lib/restic-fleet/status/app-volume.json';
    const rec = JSON.parse(await sh(c2, `cat ${recFile}`));
    const forged = `feedc0de${'0'.repeat(56)}`;
    await sh(c2, `sed -i 's/"snapshot":"[0-9a-f]*"/"snapshot":"${forged}"/; s/"last_snapshot":"[0-9a-f]*"/"last_snapshot":"${forged}"/' ${recFile}`);

    await new Promise((r) => setTimeout(r, 1100)); // docker logs --since has one-second steps
    const since = new Date();
    const run = await actionStep(copy, 'apply', 'push.main');
    expect(run.code, withoutMaskLines(run.stdout)).toBe(0);
    expect(JSON.parse(run.outputs['changed-hosts']!)).toEqual([]);

    const counts = await countSince(labState().hosts, since);
    expect(counts.map((c) => [c.host, c.connections, c.sessions])).toEqual(labState().hosts.map((h) => [h.name, 1, 1]));

    const report = JSON.parse(run.outputs.snapshots!) as SnapshotReport;
    expect(report.hosts.map((h) => h.host)).toEqual(clients());
    const row = (host: string) => report.hosts.find((h) => h.host === host)!.sets.find((s) => s.slug === 'app-volume')!;
    expect(row(c2).latest?.id).toBe(forged);
    expect(row(c2).latest?.time).toBe(rec.last_snapshot_time ?? rec.start);
    for (const c of clients().filter((x) => x !== c2)) {
      const own = JSON.parse(await sh(c, `cat ${recFile}`));
      expect(row(c).latest?.id).toBe(own.snapshot);
      expect(row(c)).toMatchObject({ stale: false, failing: false, lastRun: { status: 'ok', exitCode: 0 } });
    }
  });
});

describe('a matrix: the servers job, then 3 client shards at once', () => {
  let copy: InventoryCopy;

  beforeAll(async () => {
    await resetLab();
    copy = copyLabInventory();
  });

  it('a client shard before the servers job fails clearly and changes nothing', async () => {
    const r = await actionStep(copy, 'apply', 'push.main', { inputs: { shard: '1/3' } });
    expect(r.code).toBe(1);
    expect(withoutMaskLines(r.stdout)).toContain(`its server ${SERVER} is not converged`);
    expect(JSON.parse(r.outputs['changed-hosts']!)).toEqual([]);
    for (const c of clients()) expect((await hostExec(c, 'test -e /etc/cron.d/restic-fleet')).code).toBe(1);
  });

  it('every host is converged exactly once, and the summary job combines the shards\' reports', async () => {
    const servers = await actionStep(copy, 'apply', 'push.main', { inputs: { shard: 'servers' } });
    expect(servers.code, withoutMaskLines(servers.stdout)).toBe(0);
    expect(JSON.parse(servers.outputs['changed-hosts']!)).toEqual([SERVER]);

    const shards = await Promise.all([1, 2, 3].map((i) => actionStep(copy, 'apply', 'push.main', { inputs: { shard: `${i}/3` } })));
    const changed = shards.flatMap((s) => {
      expect(s.code, withoutMaskLines(s.stdout)).toBe(0);
      return JSON.parse(s.outputs['changed-hosts']!) as string[];
    });
    expect([...changed].sort()).toEqual(clients());
    // Each apply that changes a host bumps its generation once: 1 means exactly one job converged it.
    for (const h of [SERVER, ...clients()]) expect((await sh(h, 'cat /var/lib/restic-fleet/generation')).trim(), h).toBe('1');
    const ids = await Promise.all(clients().map((c) => sh(SERVER, 'ls /srv/restic/backup/keys | wc -l').then((n) => [c, n.trim()])));
    expect(new Set(ids.map((x) => x[1]))).toEqual(new Set(['1'])); // one repository key: created once

    // The summary job: each shard's snapshots output saved as a file (an artifact), combined.
    const dir = path.join(copy.repoRoot, 'shard-snapshots');
    mkdirSync(dir, { recursive: true });
    shards.forEach((s, i) => writeFileSync(path.join(dir, `${i}.json`), s.outputs.snapshots!));
    const summary = await actionStep(copy, 'summary', 'workflow_dispatch', { inputs: { inventory: '', 'snapshots-dir': 'shard-snapshots' } });
    expect(summary.code, withoutMaskLines(summary.stdout)).toBe(0);
    expect((JSON.parse(summary.outputs.snapshots!) as SnapshotReport).hosts.map((h) => h.host)).toEqual(clients());
    for (const c of clients()) expect(summary.summary).toContain(c);

    // Nothing left to do for an unsharded run.
    const after = await cliConverge(copy, 'plan');
    expect(after.plan.hosts.flatMap((h) => h.changes)).toEqual([]);
  });
});
