import { describe, expect, it } from 'vitest';
import { buildDesired } from '../../../src/desired/build.js';
import { parseProbe } from '../../../src/facts/parse.js';
import { classifyRepo } from '../../../src/facts/repo-check.js';
import { parseSnapshots } from '../../../src/facts/snapshots.js';
import { clientHost, serverHost } from '../../support/host-config.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('classifyRepo (restic 0.14 exits 1 for everything)', () => {
  it.each([
    [0, '', 'initialised'],
    [1, 'Fatal: unable to open config file: <config/> does not exist\nIs there a repository at the following location?', 'absent'],
    [1, 'Fatal: unable to open config file: client.Head: 401 Unauthorized', 'unauthorized'],
    [1, 'Fatal: wrong password or no key found', 'wrong-password'],
    [1, 'Fatal: unable to create lock in backend: repository is already locked by PID 12', 'locked'],
    [1, 'Fatal: unable to open config file: Head "http://x:8080/backup/config": dial tcp: lookup x: no such host', 'unreachable'],
    [124, '', 'unreachable'],
    [1, 'something new', 'error'],
  ])('exit %i %j → %s', (code, stderr, status) => {
    expect(classifyRepo(code, stderr).status).toBe(status);
  });
});

describe('parseProbe', () => {
  it('reads a client probe', () => {
    const d = buildDesired([clientHost('c1')]).hosts[0]!;
    const cron = '# cron\n';
    const out = [
      '@@rf uid x', '0',
      '@@rf docker x', '20.10.24+dfsg1',
      '@@rf restic x', 'restic 0.14.0 compiled with go1.19.8 on linux/amd64',
      '@@rf restic-package x', '0.14.0-1',
      '@@rf dir /etc/restic-fleet', '700 root',
      '@@rf file /etc/cron.d/restic-fleet', `644 root root ${'a'.repeat(64)}`,
      '@@rf content /etc/cron.d/restic-fleet', b64(cron),
      '@@rf file /etc/restic-fleet/password', '-',
      '@@rf volume odoo_data01', '/var/lib/docker/volumes/odoo_data01/_data',
      '@@rf volume postgres_data01', '-',
      '@@rf repo x', `1 ${b64('Fatal: wrong password or no key found\n')}`,
      '',
    ].join('\n');
    const f = parseProbe(d, out);
    expect(f.uid).toBe(0);
    expect(f.client).toMatchObject({
      resticVersion: '0.14.0',
      resticPackageVersion: '0.14.0-1',
      dirs: { '/etc/restic-fleet': { mode: 0o700, owner: 'root' } },
      files: { '/etc/cron.d/restic-fleet': { mode: 0o644, owner: 'root', group: 'root', content: cron } },
      volumes: { odoo_data01: { mountpoint: '/var/lib/docker/volumes/odoo_data01/_data' } },
      repo: { status: 'wrong-password' },
    });
    expect(f.client!.files['/etc/restic-fleet/password']).toBeUndefined();
    expect(f.client!.volumes['postgres_data01']).toBeUndefined();
  });

  it('refuses output of a probe that did not run to completion', () => {
    const d = buildDesired([serverHost('s')]).hosts[0]!;
    expect(() => parseProbe(d, 'sudo: a password is required\n')).toThrow(/did not run to completion/);
  });
});

describe('parseSnapshots', () => {
  const d = buildDesired([clientHost('c1')]).hosts[0]!;
  const now = new Date('2026-11-27T12:00:00Z');
  const snaps = [
    { id: 'a'.repeat(64), short_id: 'aaaaaaaa', time: '2026-11-27T01:00:00.5Z', paths: ['/v/odoo'], tags: ['restic-fleet:set=odoo-volume', 'odoo01'] },
    { id: 'b'.repeat(64), short_id: 'bbbbbbbb', time: '2026-11-27T11:00:00Z', paths: ['/v/odoo'], tags: ['restic-fleet:set=odoo-volume', 'restic-fleet:pre-restore'] },
    { id: 'c'.repeat(64), short_id: 'cccccccc', time: '2026-11-20T01:00:00Z', paths: ['/v/pg'], tags: ['restic-fleet:set=postgres-volume'] },
  ];
  const out = (status: string) =>
    ['@@rf snapshots-exit', '0', '@@rf snapshots', b64(JSON.stringify(snaps)), '@@rf snapshots-err', '', '@@rf status odoo-volume', b64(status), '@@rf status postgres-volume', '', ''].join('\n');

  it('takes the newest regular snapshot of each set, flags stale and failing sets', () => {
    const h = parseSnapshots(d, out('{"name":"odoo-volume","status":"failed","start":"x","end":"y","exit":1,"snapshot":"","message":"boom"}'), now, 26 * 3600);
    expect(h.status).toBe('ok');
    const [odoo, pg] = h.sets;
    expect(odoo).toMatchObject({ setId: 'odoo volume', stale: false, failing: true, latest: { shortId: 'aaaaaaaa', tags: ['odoo01'], ageSeconds: 39599 } });
    expect(odoo!.lastRun).toMatchObject({ status: 'failed', exitCode: 1, message: 'boom' });
    expect(pg).toMatchObject({ setId: 'postgres volume', stale: true, failing: false, lastRun: undefined });
  });

  it('reports a host whose snapshots cannot be listed', () => {
    const h = parseSnapshots(d, ['@@rf snapshots-exit', '1', '@@rf snapshots', '', '@@rf snapshots-err', b64('Fatal: 401 Unauthorized'), ''].join('\n'), now, 3600);
    expect(h).toMatchObject({ status: 'failed', reason: 'restic snapshots failed: Fatal: 401 Unauthorized' });
  });
});
