// A failed restore drill is as loud as a failed backup (issue 13 item 3): the set is failing in
// the snapshot report, the log and the job summary say why, a warning annotation names it and
// fail-on-stale counts it. The repository check's record shows on the client that runs it.
import { describe, expect, it } from 'vitest';
import { buildDesired } from '../../../src/desired/build.js';
import { parseSnapshots } from '../../../src/facts/snapshots.js';
import { buildSnapshotsProbe } from '../../../src/facts/snapshots.js';
import { snapshotLogText, snapshotSummaryHtml, staleWarnings } from '../../../src/report/summary.js';
import type { SnapshotReport } from '../../../src/results/types.js';
import { clientHost, serverHost } from '../../support/host-config.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const now = new Date('2026-12-02T06:00:00Z');
const snaps = [
  { id: 'a'.repeat(64), short_id: 'aaaaaaaa', time: '2026-12-02T01:00:00Z', paths: ['/v/odoo'], tags: ['restic-fleet:set=odoo-volume'] },
  { id: 'c'.repeat(64), short_id: 'cccccccc', time: '2026-12-02T01:00:00Z', paths: ['/v/pg'], tags: ['restic-fleet:set=postgres-volume'] },
];
const record = (drill: string) =>
  `{"name":"odoo-volume","status":"ok","start":"2026-12-02T01:00:00Z","end":"2026-12-02T01:00:09Z","exit":0,"snapshot":"aaaaaaaa","message":"","type":"docker-volume","duration":9,"files_new":1,"files_changed":0,"bytes_added":10,"stopped":"","unlocked":"","drill":${drill},"check":null}`;
const FAILED_DRILL = '{"time":"2026-12-02T03:00:00Z","result":"failed","message":"content differs from the manifest: first at /v/odoo/a.txt (snapshot aaaa)","duration":4,"snapshot":"aaaa","files":3,"bytes":16}';

function report(drill: string, check?: string, jobs: Record<string, string> = {}, shared = false): SnapshotReport {
  const hosts = buildDesired([serverHost('server.example.com'), clientHost('c1'), ...(shared ? [clientHost('c2')] : [])]).hosts;
  const d = hosts.find((h) => h.name === 'c1')!;
  const out = [
    '@@rf snapshots-exit', '0', '@@rf snapshots', b64(JSON.stringify(snaps)), '@@rf snapshots-err', '',
    '@@rf status odoo-volume', b64(record(drill)), '@@rf status postgres-volume', '',
    ...(check === undefined ? [] : ['@@rf status check', b64(check)]),
    ...Object.entries(jobs).flatMap(([job, json]) => [`@@rf status ${job}`, b64(json)]), '',
  ].join('\n');
  return { generatedAt: now.toISOString(), staleAfterSeconds: 86400, hosts: [parseSnapshots(d, out, now, 86400)] };
}

describe('drill results in the snapshot report', () => {
  it('the probe reads the check record only on the client that runs the check', () => {
    const hosts = buildDesired([serverHost('server.example.com'), clientHost('a1'), clientHost('b1')]).hosts;
    // The check and prune jobs' records are named after them: asked for with the sets' records,
    // only on the repository's designated client; every client with a policy has a rotation record.
    expect(buildSnapshotsProbe(hosts.find((h) => h.name === 'a1')!).text).toMatch(/^status_of odoo-volume postgres-volume check prune rotation$/m);
    expect(buildSnapshotsProbe(hosts.find((h) => h.name === 'b1')!).text).toMatch(/^status_of odoo-volume postgres-volume rotation$/m);
  });

  it('an ok drill keeps the set ok and shows in the last-run column', () => {
    const r = report('{"time":"2026-12-02T03:00:00Z","result":"ok","message":"3 files","duration":4}');
    const s = r.hosts[0]!.sets[0]!;
    expect(s).toMatchObject({ failing: false, lastRun: { drill: { result: 'ok', durationSeconds: 4 } } });
    expect(snapshotLogText(r)).toContain('drill ok 2026-12-02 03:00 UTC');
    expect(staleWarnings(r).filter((w) => w.setId === 'odoo volume')).toEqual([]);
  });

  it('a failed drill makes the set failing: log, summary and a warning annotation with the first mismatch', () => {
    const r = report(FAILED_DRILL);
    const s = r.hosts[0]!.sets[0]!;
    expect(s.failing).toBe(true);
    expect(s.lastRun?.status).toBe('ok'); // the backup itself was fine
    const log = snapshotLogText(r);
    expect(log).toMatch(/odoo volume\s+FAILING/);
    expect(log).toContain('drill said: content differs from the manifest: first at /v/odoo/a.txt');
    expect(snapshotSummaryHtml(r)).toContain('drill FAILED 2026-12-02 03:00 UTC: content differs from the manifest');
    expect(snapshotSummaryHtml(r)).toContain('❌ failing');
    const w = staleWarnings(r).find((x) => x.setId === 'odoo volume')!;
    expect(w.problems).toEqual(['failing']);
    expect(w.message).toContain('restore drill FAILED');
  });

  it('the check record shows on its client; a failed check is a warning', () => {
    const ok = report('null', '{"name":"check","status":"ok","start":"2026-12-02T04:30:00Z","end":"2026-12-02T04:31:00Z","exit":0,"message":"read 5% of the data: no errors","type":"check","duration":60}');
    expect(ok.hosts[0]!.check).toMatchObject({ status: 'ok', type: 'check' });
    expect(snapshotLogText(ok)).toContain('repository check (restic check --read-data-subset): ok 2026-12-02 04:31 UTC');
    const bad = report('null', '{"name":"check","status":"failed","exit":1,"end":"2026-12-02T04:31:00Z","message":"Pack ID does not match","type":"check"}');
    expect(snapshotSummaryHtml(bad)).toContain('❌ repository check (restic check --read-data-subset): failed (exit 1)');
    expect(staleWarnings(bad).find((w) => w.title.startsWith('Repository check'))?.message).toContain('Pack ID does not match');
    const none = report('null', '');
    expect(none.hosts[0]!.check).toMatchObject({ status: 'skipped', message: 'no check has run yet' });
  });

  it('the prune shows on the shared repository\'s one pruner; rotation when it prunes or failed', () => {
    const PRUNE_OK = '{"name":"prune","status":"ok","start":"2026-12-02T00:30:00Z","end":"2026-12-02T00:30:07Z","exit":0,"message":"","type":"prune","duration":7}';
    const ROTATION_OK = '{"name":"rotation","status":"ok","start":"2026-12-01T23:30:00Z","end":"2026-12-01T23:30:02Z","exit":0,"message":"","type":"rotation","duration":2}';
    const shared = report('null', '', { prune: PRUNE_OK, rotation: ROTATION_OK }, true);
    expect(shared.hosts[0]!.prune).toMatchObject({ status: 'ok', type: 'prune', durationSeconds: 7 });
    const log = snapshotLogText(shared);
    expect(log).toContain('repository prune (restic prune, once for every client): ok 2026-12-02 00:30 UTC, in 7 s');
    // A shared repository's forget does not prune: a working one is not worth a line per client.
    expect(log).not.toContain('rotation');
    expect(snapshotSummaryHtml(shared)).toContain('✅ repository prune (restic prune, once for every client): ok');
    expect(staleWarnings(shared)).toEqual([]);

    const neverPruned = report('null', '', {}, true);
    expect(neverPruned.hosts[0]!.prune).toMatchObject({ status: 'skipped', message: 'no prune has run yet' });
    expect(snapshotSummaryHtml(neverPruned)).toContain('⏳ repository prune (restic prune, once for every client): skipped: no prune has run yet');

    const failed = report('null', '', { prune: '{"name":"prune","status":"failed","exit":11,"end":"2026-12-02T00:31:00Z","message":"repository is already locked exclusively","type":"prune"}' }, true);
    expect(snapshotSummaryHtml(failed)).toContain('❌ repository prune (restic prune, once for every client): failed (exit 11)');
    // The overview line at the top counts it too, not only the sets.
    expect(snapshotLogText(failed).trim().split('\n').at(-1)).toBe('1 host, 2 backup sets, 0 stale, 0 failing, 1 repository job failing');
    expect(snapshotLogText(shared).trim().split('\n').at(-1)).toBe('1 host, 2 backup sets, 0 stale, 0 failing');
    const w = staleWarnings(failed).find((x) => x.title === 'Repository prune failing on c1')!;
    expect(w.problems).toEqual(['failing']);
    expect(w.message).toContain('already locked exclusively');

    // A repository of its own: the client's forget --prune is its prune, shown always.
    const own = report('null', '', { rotation: ROTATION_OK });
    expect(own.hosts[0]!.prune).toBeUndefined();
    expect(own.hosts[0]!.rotation).toMatchObject({ status: 'ok', prunes: true });
    expect(snapshotLogText(own)).toContain('rotation and prune (restic forget --prune): ok 2026-12-01 23:30 UTC, in 2 s');
    const badForget = report('null', '', { rotation: '{"name":"rotation","status":"failed","exit":1,"end":"2026-12-01T23:30:02Z","message":"Fatal: wrong password","type":"rotation"}' }, true);
    expect(snapshotLogText(badForget)).toContain('rotation (restic forget): failed (exit 1) 2026-12-01 23:30 UTC: Fatal: wrong password');
    expect(staleWarnings(badForget).map((x) => x.title)).toContain('Rotation failing on c1');
  });
});
