import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotsCommand } from '../../../src/commands/snapshots.js';
import { SET_TAG_PREFIX } from '../../../src/desired/runner-script.js';
import { loadDesired } from '../../../src/engine/load.js';
import { FakeFleet, ok } from '../../support/fake-transport.js';
import { remoteOptions, removeFleets, writeFleet } from '../../support/fleet-inventory.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const NOW = new Date('2026-12-02T02:00:00Z');
let root: string;
let slug: string;

beforeAll(async () => {
  root = await writeFleet({ clients: ['c1', 'c2', 'c3'] });
  slug = (await loadDesired(remoteOptions(root, new FakeFleet({})))).desired.find((d) => d.name === 'c1')!.client!.sets[0]!.slug;
});
afterAll(removeFleets);

/** The snapshots probe's sections (src/facts/snapshots.ts). */
function snapshotsOutput(time: string, status: object): string {
  const snaps = [{ id: 'd'.repeat(64), short_id: 'dddddddd', time, paths: ['/v'], tags: [`${SET_TAG_PREFIX}${slug}`, 'app'] }];
  return [
    '@@rf snapshots-exit', '0',
    '@@rf snapshots', b64(JSON.stringify(snaps)),
    '@@rf snapshots-err', '',
    `@@rf status ${slug}`, b64(JSON.stringify(status)),
    '',
  ].join('\n');
}

describe('snapshotsCommand through the fake transport', () => {
  it('asks every client once (never the server) and reports each set; a failing host does not hide the others', async () => {
    const f = new FakeFleet({
      c1: () => ok(snapshotsOutput('2026-12-02T01:00:00Z', { status: 'ok', start: '2026-12-02T01:00:00Z', exit: 0, snapshot: 'dddddddd' })),
      c2: () => ok(snapshotsOutput('2026-11-28T01:00:00Z', { status: 'failed', exit: 1, message: 'repository locked' })),
      c3: { connectError: 'connection refused' },
      srv: () => ({ code: 97, stdout: '', stderr: 'the server was asked' }),
    });
    const report = await snapshotsCommand(remoteOptions(root, f), 26 * 3600, NOW);
    expect(report.generatedAt).toBe(NOW.toISOString());
    expect(f.connects.has('srv')).toBe(false);
    expect(f.order('snapshots').sort()).toEqual(['c1', 'c2']);
    const [c1, c2, c3] = report.hosts;
    expect(c1).toMatchObject({ host: 'c1', status: 'ok' });
    expect(c1!.sets[0]).toMatchObject({ slug, stale: false, failing: false, latest: { shortId: 'dddddddd', ageSeconds: 3600, tags: ['app'] } });
    expect(c2!.sets[0]).toMatchObject({ stale: true, failing: true, lastRun: { status: 'failed', message: 'repository locked' } });
    expect(c3).toEqual({ host: 'c3', status: 'failed', reason: 'connection refused', sets: [] });
    expect(f.closed.sort()).toEqual(['c1', 'c2']);
  });

  it('a probe that exits non-zero or a restic failure fails that host with the reason', async () => {
    const f = new FakeFleet({
      c1: () => ({ code: 255, stdout: '', stderr: 'ssh: broken pipe' }),
      c2: () => ok(['@@rf snapshots-exit', '1', '@@rf snapshots', '', '@@rf snapshots-err', b64('Fatal: unable to open config file\n'), ''].join('\n')),
      c3: () => ok(['@@rf snapshots-exit', '0', '@@rf snapshots', b64('not json'), ''].join('\n')),
      srv: () => ok(''),
    });
    const report = await snapshotsCommand(remoteOptions(root, f), 3600, NOW);
    expect(report.hosts.map((h) => [h.host, h.status, h.reason])).toEqual([
      ['c1', 'failed', 'probe exited 255: ssh: broken pipe'],
      ['c2', 'failed', 'restic snapshots failed: Fatal: unable to open config file'],
      ['c3', 'failed', 'restic snapshots printed no JSON'],
    ]);
  });
});
