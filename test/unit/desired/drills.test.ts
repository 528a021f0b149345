// Restore drills and repository checks (issue 13 items 2-3): the schema (drill per set,
// restic_check per client) with file:line:col errors, the cron lines, the manifest flag of
// the backup, and the one client of a shared repository that checks it (the pruner).
import { describe, expect, it } from 'vitest';
import { buildDesired } from '../../../src/desired/build.js';
import { CRON_FILE } from '../../../src/desired/runner-script.js';
import { designatedClient } from '../../../src/desired/set-jobs.js';
import { drillSchedule, sizeField, subsetField, weekdayField } from '../../../src/inventory/drill-check.js';
import { InventoryError, loadConfig } from '../../../src/inventory/index.js';
import { Issue } from '../../../src/inventory/validators.js';
import type { BackupSetConfig } from '../../../src/inventory/config.js';
import { clientHost, serverHost } from '../../support/host-config.js';
import { clientInventory, where } from '../inventory/helpers.js';

const ENV = { PW: 'repo-pw-for-tests' };
const { config, problems } = clientInventory(ENV);

describe('schema: drill and restic_check', () => {
  it('reads drill: absent (default), false, true and a mapping; restic_check defaults to weekly 5 %', async () => {
    const { hosts } = await config(`restic_backup_sets:
  - {id: a, type: docker-volume, volume: av}
  - {id: b, type: docker-volume, volume: bv, drill: false}
  - {id: c, type: path, paths: [/etc], drill: yes}
  - {id: d, type: postgres, container: pg, drill: {weekday: "1-5", hour: 6, minute: "15", max_size: 2G, timeout: 600}}
`);
    const c = hosts[0]!.client!;
    expect(c.sets.map((s) => s.drill)).toEqual([undefined, false, {}, { weekday: '1-5', hour: '6', minute: '15', maxBytes: 2 * 1024 ** 3, timeoutSeconds: 600 }]);
    expect(c.check).toEqual({ weekday: '0', hour: '4', minute: '30', subset: '5%' });
  });

  it('reads restic_check as a mapping, and false', async () => {
    expect((await config('restic_check: {weekday: 3, hour: 2, minute: 5, subset: "1/10"}\n')).hosts[0]!.client!.check).toEqual({ weekday: '3', hour: '2', minute: '5', subset: '1/10' });
    expect((await config('restic_check: {subset: 12.5}\n')).hosts[0]!.client!.check).toMatchObject({ subset: '12.5%', weekday: '0' });
    expect((await config('restic_check: false\n')).hosts[0]!.client!.check).toBe(false);
  });

  it('reports bad fields at file:line:col with their key', async () => {
    const p = await problems(`restic_check: {weekday: monday, subset: "150%", every: 2}
restic_backup_sets:
  - {id: a, type: docker-volume, volume: av, drill: sometimes}
  - id: b
    type: docker-volume
    volume: bv
    drill:
      hour: 25
      max_size: lots
      timeout: 5
      when: never
`);
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^inv\/group_vars\/all\.yml:3:\d+ error restic_check\.weekday: .*weekday field/),
        expect.stringMatching(/^inv\/group_vars\/all\.yml:3:\d+ error restic_check\.subset: must be a percentage/),
        expect.stringMatching(/^inv\/group_vars\/all\.yml:3:\d+ error restic_check\.every: unknown key "every"/),
        expect.stringMatching(/^inv\/group_vars\/all\.yml:5:\d+ error restic_backup_sets\[0\]\.drill: must be false \(no drills\), true \(weekly\) or a mapping/),
        expect.stringMatching(/^inv\/group_vars\/all\.yml:10:\d+ error restic_backup_sets\[1\]\.drill\.hour: .*hour/),
        expect.stringMatching(/^inv\/group_vars\/all\.yml:11:\d+ error restic_backup_sets\[1\]\.drill\.max_size: must be a size/),
        expect.stringMatching(/^inv\/group_vars\/all\.yml:12:\d+ error restic_backup_sets\[1\]\.drill\.timeout: .*from 60/),
        expect.stringMatching(/^inv\/group_vars\/all\.yml:13:\d+ error restic_backup_sets\[1\]\.drill\.when: unknown key "when"/),
      ]),
    );
    expect(p, p.join("\n")).toHaveLength(8);
  });

  it('field checks', () => {
    expect(weekdayField('0,6')).toBe('0,6');
    expect(weekdayField('*/2')).toBe('*/2');
    expect(weekdayField('8')).toBeInstanceOf(Issue);
    expect(sizeField('500M')).toBe(500 * 1024 ** 2);
    expect(sizeField(4096)).toBe(4096);
    expect(sizeField('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(subsetField('5%')).toBe('5%');
    expect(subsetField('0%')).toBeInstanceOf(Issue);
    expect(subsetField('3/2')).toBeInstanceOf(Issue);
  });

  it('a drill runs on Sunday two hours after its backup unless told otherwise', () => {
    expect(drillSchedule({}, { hour: '23', minute: '10' })).toEqual({ weekday: '0', hour: '1', minute: '10' });
    expect(drillSchedule({}, { hour: '*/6', minute: '*/5' })).toEqual({ weekday: '0', hour: '5', minute: '0' });
    expect(drillSchedule({ weekday: '3', minute: '7' }, { hour: '1', minute: '0' })).toEqual({ weekday: '3', hour: '3', minute: '7' });
  });
});

const sets: BackupSetConfig[] = [
  { id: 'app', type: 'docker-volume', volume: 'appdata', tags: [], hour: '1', minute: '0' },
  { id: 'off', type: 'docker-volume', volume: 'offdata', tags: [], hour: '1', minute: '0', drill: false },
  { id: 'files', type: 'path', paths: ['/etc'], exclude: ['*.tmp'], tags: [], hour: '2', minute: '0', drill: { weekday: '6', maxBytes: 1000, timeoutSeconds: 120 } },
  { id: 'pg', type: 'postgres', container: 'db', database: 'app', tags: [], hour: '3', minute: '0' },
];
const cronOf = (hosts: ReturnType<typeof buildDesired>['hosts'], name: string) =>
  (hosts.find((h) => h.name === name)!.client!.files.find((f) => f.path === CRON_FILE)!.content as string).split('\n');

describe('desired: drill and check jobs', () => {
  it('one drill line per set that did not opt out, backups of file sets record a manifest, the check on the one client', () => {
    const hosts = buildDesired([serverHost('server.example.com'), clientHost('c1', { sets })]).hosts;
    const lines = cronOf(hosts, 'c1');
    expect(lines.filter((l) => l.includes('/run drill '))).toEqual([
      '0 3 * * 0 root /usr/local/lib/restic-fleet/run drill --host c1 --set app --type docker-volume --volume appdata >> /var/log/restic-fleet/app.drill.log 2>&1',
      "0 4 * * 6 root /usr/local/lib/restic-fleet/run drill --host c1 --set files --type path --path /etc --exclude '*.tmp' --drill-max-bytes 1000 --drill-timeout 120 >> /var/log/restic-fleet/files.drill.log 2>&1",
      '0 5 * * 0 root /usr/local/lib/restic-fleet/run drill --host c1 --set pg --type postgres --container db --database app >> /var/log/restic-fleet/pg.drill.log 2>&1',
    ]);
    const backups = lines.filter((l) => l.includes('/run backup '));
    expect(backups.filter((l) => l.includes(' --manifest '))).toHaveLength(2); // app and files; not the opted-out set, not the dump
    expect(backups.find((l) => l.includes('--set off '))).not.toContain('--manifest');
    expect(lines).toContain('# check: restic check --read-data-subset (5 percent), once for the repository');
    expect(lines.filter((l) => l.includes('/run check '))).toEqual(['30 4 * * 0 root /usr/local/lib/restic-fleet/run check --host c1 --subset 5 >> /var/log/restic-fleet/check.log 2>&1']);
    expect(lines.join('\n')).not.toMatch(/^[^#].*%/m);
  });

  it('a shared repository is checked by exactly one client: the one that prunes it', () => {
    const hosts = buildDesired([
      serverHost('server.example.com'),
      clientHost('b-client', { check: { weekday: '1', hour: '3', minute: '0', subset: '1/4' } }),
      clientHost('a-client'),
      clientHost('c-client', { check: false }),
    ]).hosts;
    const checkers = hosts.filter((h) => h.client && cronOf(hosts, h.name).some((l) => l.includes('/run check ')));
    expect(checkers.map((h) => h.name)).toEqual(['a-client']);
    const repo = hosts.find((h) => h.name === 'a-client')!.client!.repository;
    expect(designatedClient(repo)).toBe('a-client');
    expect(hosts.find((h) => h.name === 'a-client')!.client!.prune).toBeDefined();
    expect(hosts.find((h) => h.name === 'a-client')!.client!.check).toEqual({ weekday: '0', hour: '4', minute: '30', subset: '5%' });
    expect(hosts.find((h) => h.name === 'b-client')!.client!.check).toBeUndefined();
  });

  it('restic_check: false on the designated client means no check job', () => {
    const hosts = buildDesired([serverHost('server.example.com'), clientHost('c1', { check: false })]).hosts;
    expect(cronOf(hosts, 'c1').some((l) => l.includes('/run check '))).toBe(false);
  });
});
