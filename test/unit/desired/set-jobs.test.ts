// Desired state of the set types (issue 13): cron lines per type, hook and ping files,
// runner.conf, and one prune per shared repository by its first client.
import { describe, expect, it } from 'vitest';
import { buildDesired } from '../../../src/desired/build.js';
import { CRON_FILE } from '../../../src/desired/runner-script.js';
import { pruneJob } from '../../../src/desired/set-jobs.js';
import type { BackupSetConfig } from '../../../src/inventory/config.js';
import { isSecret, Secret } from '../../../src/secret.js';
import { clientHost, serverHost } from '../../support/host-config.js';

const sets: BackupSetConfig[] = [
  { id: 'app', type: 'docker-volume', volume: 'appdata', stop: true, tags: [], hour: '1', minute: '0' },
  { id: 'web', type: 'docker-volume', volume: 'webdata', stopContainers: ['nginx'], tags: [], hour: '1', minute: '5' },
  { id: 'files', type: 'path', paths: ['/etc', '/srv/app'], exclude: ['*.tmp', 'cache dir'], tags: ['t1'], hour: '2', minute: '0' },
  {
    id: 'pg main',
    type: 'postgres',
    container: 'db',
    database: 'app',
    pre: 'echo before',
    post: 'echo after',
    hookTimeout: 60,
    pingUrl: new Secret('http://127.0.0.1:9/ping/uuid-in-test', 'test'),
    tags: [],
    hour: '3',
    minute: '0',
  },
  { id: 'maria', type: 'mariadb', container: 'maria', dumpTimeout: 7200, tags: [], hour: '3', minute: '30' },
];

const client = (name = 'c1', over = {}) => buildDesired([serverHost('server.example.com'), clientHost(name, { sets, ...over })]).hosts.find((h) => h.name === name)!.client!;

describe('desired state of the set types', () => {
  it('renders one cron line per set with its type options, never the hooks or the ping URL', () => {
    const c = client('c1', { textfilePath: '/var/lib/node/restic.prom' });
    const cron = c.files.find((f) => f.path === CRON_FILE)!.content as string;
    const jobs = cron.split('\n').filter((l) => l.includes(' root ') && !/\/run (drill|check) /.test(l));
    expect(jobs).toEqual([
      '0 1 * * * root /usr/local/lib/restic-fleet/run backup --host c1 --set app --volume appdata --stop --manifest >> /var/log/restic-fleet/app.log 2>&1',
      '5 1 * * * root /usr/local/lib/restic-fleet/run backup --host c1 --set web --volume webdata --stop-container nginx --manifest >> /var/log/restic-fleet/web.log 2>&1',
      "0 2 * * * root /usr/local/lib/restic-fleet/run backup --host c1 --set files --type path --path /etc --path /srv/app --exclude '*.tmp' --exclude 'cache dir' --manifest --tag t1 >> /var/log/restic-fleet/files.log 2>&1",
      '0 3 * * * root /usr/local/lib/restic-fleet/run backup --host c1 --set pg-main --type postgres --container db --database app --pre --post --hook-timeout 60 --ping >> /var/log/restic-fleet/pg-main.log 2>&1',
      '30 3 * * * root /usr/local/lib/restic-fleet/run backup --host c1 --set maria --type mariadb --container maria --dump-timeout 7200 >> /var/log/restic-fleet/maria.log 2>&1',
      '17 23 * * * root /usr/local/lib/restic-fleet/run forget --host c1 --daily 7 --weekly 4 --monthly 1 --prune >> /var/log/restic-fleet/rotation.log 2>&1',
    ]);
    expect(cron).toContain('# backup set "pg main" (postgres: db app)');
    expect(cron).not.toContain('uuid-in-test');
    expect(cron).not.toContain('echo before');
  });

  it('installs hooks (0700), the ping URL as a secret (0600) and runner.conf, all root-only', () => {
    const c = client('c1', { textfilePath: '/var/lib/node/restic.prom' });
    const byPath = new Map(c.files.map((f) => [f.path, f]));
    expect(byPath.get('/etc/restic-fleet/pg-main.pre')).toMatchObject({ mode: 0o700, content: 'echo before\n' });
    expect(byPath.get('/etc/restic-fleet/pg-main.post')).toMatchObject({ mode: 0o700, content: 'echo after\n' });
    const ping = byPath.get('/etc/restic-fleet/pg-main.ping')!;
    expect(ping.mode).toBe(0o600);
    expect(isSecret(ping.content)).toBe(true);
    expect(JSON.stringify(c)).not.toContain('uuid-in-test');
    expect(byPath.get('/etc/restic-fleet/runner.conf')).toMatchObject({ mode: 0o600, content: "# Managed by restic-fleet: settings the runner reads.\nTEXTFILE=/var/lib/node/restic.prom\n" });
    expect(client('c2').files.find((f) => f.path === '/etc/restic-fleet/runner.conf')!.content).toContain("TEXTFILE=''");
  });
});

describe('shared repositories: every client forgets, one prunes', () => {
  const hosts = () =>
    buildDesired([
      serverHost('server.example.com'),
      clientHost('b-client', { rotation: { daily: 7, weekly: 4, monthly: 1, hour: '23', minute: '40', prune: true } }),
      clientHost('a-client', { rotation: { daily: 7, weekly: 4, monthly: 1, hour: '22', minute: '10', prune: true } }),
    ]).hosts;
  const cronOf = (name: string) =>
    (hosts().find((h) => h.name === name)!.client!.files.find((f) => f.path === CRON_FILE)!.content as string).split('\n').filter((l) => l.includes(' root '));

  it('no client rotates with --prune; the first client by name prunes an hour after the latest forget', () => {
    for (const name of ['a-client', 'b-client']) expect(cronOf(name).filter((l) => l.includes('--prune'))).toEqual([]);
    expect(cronOf('a-client').filter((l) => l.includes(' prune '))).toEqual(['40 0 * * * root /usr/local/lib/restic-fleet/run prune --host a-client >> /var/log/restic-fleet/prune.log 2>&1']);
    expect(cronOf('b-client').filter((l) => l.includes(' prune '))).toEqual([]);
    expect(hosts().find((h) => h.name === 'a-client')!.client!.prune).toEqual({ hour: '0', minute: '40' });
  });

  it('an unshared repository keeps forget --prune and has no prune job', () => {
    const c = buildDesired([serverHost('server.example.com'), clientHost('solo')]).hosts.find((h) => h.name === 'solo')!.client!;
    const cron = c.files.find((f) => f.path === CRON_FILE)!.content as string;
    expect(cron).toContain('--monthly 1 --prune >>');
    expect(cron).not.toContain(' run prune ');
    expect(c.prune).toBeUndefined();
  });

  it('prunes at 04:00 when a forget time is not a plain number, and not at all when no client asks for prune', () => {
    const repo = { key: 'k', url: 'u', password: new Secret('p', 't'), display: 'd', sharedBy: ['a', 'b'] };
    const r = (hour: string, prune = true) => ({ daily: 1, weekly: 0, monthly: 0, hour, minute: '0', prune });
    expect(pruneJob('a', repo, new Map([['a', r('*/6')], ['b', r('1')]]))).toEqual({ hour: '4', minute: '0' });
    expect(pruneJob('a', repo, new Map([['a', r('1', false)], ['b', r('2', false)]]))).toBeUndefined();
    expect(pruneJob('b', repo, new Map([['a', r('1')], ['b', r('2')]]))).toBeUndefined();
  });
});
