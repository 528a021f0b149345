// Issue 13 items 2-3 end to end on the lab's two clients (client01 restic 0.14, client02 restic
// 0.18, one shared repository): restore drills of a volume set and of the real postgres dump
// (intact → ok), after one pack file in the repository's data on the server is corrupted and
// after the manifest is altered (→ the mismatch, failing in `snapshots`), the check job on exactly
// one client of the shared repository (ok, then failed on the corrupted pack), and what a
// drill costs compared with the backup for the lab's volumes (printed; no timed assertion).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { countRows, dbTarget, dropTable, ensureDatabases, insertRows, rowsDigest, sqlClient, tableExists } from './support/databases.js';
import type { DbEngine } from '../../lab/db-config.js';
import { actionStep, cli, cliConverge } from './support/doors.js';
import { copyLabInventory, type InventoryCopy } from './support/engine.js';
import { hostExec, labState, resetLab } from './support/lab.js';

const SERVER = 'server.example.com';
const CLIENTS = labState().hosts.filter((h) => h.name !== SERVER).map((h) => h.name).sort();
/** The lab's database hosts (client01: restic 0.14, client02: 0.18) get the drill inventory; the others keep the lab's. */
const DRILLED = CLIENTS.slice(0, 2);
const DATA = '/srv/restic/backup/data';

async function sh(host: string, cmd: string): Promise<string> {
  const r = await hostExec(host, cmd, { timeoutSeconds: 280 });
  if (r.code !== 0) throw new Error(`${host}: ${cmd} → exit ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

function writeHostVars(copy: InventoryCopy, host: string, port: number): void {
  writeFileSync(
    path.join(copy.dir, 'host_vars', `${host}.yml`),
    `ansible_host: 127.0.0.1
ansible_port: ${port}
ansible_user: root
restic_check: {subset: 100%}
restic_backup_sets:
  - {id: app volume, type: docker-volume, volume: app_data, hour: "1"}
  - {id: media volume, type: docker-volume, volume: media_data, hour: "1", minute: "5", drill: {weekday: 3, max_size: 1G, timeout: 600}}
  - {id: pg volume, type: docker-volume, volume: postgres_data, stop: true, hour: "2"}
  - {id: pg dump, type: postgres, container: postgres, database: appdb, hour: "3"}
  - {id: no drill, type: path, paths: [/etc/ssh], drill: false, hour: "4"}
${host === 'client02.example.com' ? '  - {id: maria dump, type: mariadb, container: mariadb, database: appdb, hour: "3", minute: "30"}\n' : ''}restic_backup_rotation: {daily: 7, weekly: 4, monthly: 1}
`,
  );
}

/** Runs the cron command of a set's job (backup or drill) as cron would; exit code and wall time. */
async function runJob(host: string, kind: 'backup' | 'drill' | 'check', slug = ''): Promise<{ code: number | null; ms: number }> {
  const cron = await sh(host, 'cat /etc/cron.d/restic-fleet');
  const re = kind === 'check' ? /^\S+ \S+ \* \* \S+ root (\S+ check .*?) >>/m : new RegExp(`^\\S+ \\S+ \\* \\* \\S+ root (\\S+ ${kind} --host \\S+ --set ${slug} .*?) >>`, 'm');
  const job = re.exec(cron)?.[1];
  expect(job, cron).toBeDefined();
  const t0 = Date.now();
  const r = await hostExec(host, `${job} >> /var/log/restic-fleet/${slug || 'check'}.${kind}.log 2>&1`, { timeoutSeconds: 280 });
  return { code: r.code, ms: Date.now() - t0 };
}
const status = async (host: string, slug: string) => JSON.parse(await sh(host, `cat /var/lib/restic-fleet/status/${slug}.json`)) as Record<string, any>;
const drillOf = async (host: string, slug: string) => (await status(host, slug)).drill as { result: string; message: string; files?: number; bytes?: number };

let copy: InventoryCopy;
beforeAll(async () => {
  await resetLab();
  await ensureDatabases();
  copy = copyLabInventory();
  for (const h of labState().hosts.filter((x) => DRILLED.includes(x.name))) writeHostVars(copy, h.name, h.sshPort);
  const r = await cliConverge(copy, 'apply', { env: labState().secretsEnv });
  expect(r.code, r.stderr + r.stdout.slice(-3000)).toBe(0);
}, 600_000);

const costs: string[] = [];
const firstBackupMs = new Map<string, number>();

describe.each(DRILLED)('restore drills on %s', (host) => {
  it('cron: one drill per set that did not opt out; the backups of volume sets record a root-only manifest', async () => {
    const cron = await sh(host, 'cat /etc/cron.d/restic-fleet');
    expect(cron.match(/\/run drill /g)).toHaveLength(host === 'client02.example.com' ? 5 : 4);
    expect(cron).not.toMatch(/run drill .*--set no-drill/);
    expect(cron).toMatch(/^0 3 \* \* 0 root \S+ drill --host \S+ --set app-volume --type docker-volume --volume app_data >>/m);
    expect(cron).toMatch(/^5 3 \* \* 3 root \S+ drill --host \S+ --set media-volume .* --drill-max-bytes 1073741824 --drill-timeout 600 >>/m);
    for (const slug of ['app-volume', 'media-volume', 'pg-volume', 'pg-dump']) {
      const b = await runJob(host, 'backup', slug);
      expect(b.code, slug).toBe(0);
      firstBackupMs.set(`${host} ${slug}`, b.ms);
    }
    expect((await sh(host, 'stat -c "%a %U" /var/lib/restic-fleet/manifest /var/lib/restic-fleet/manifest/app-volume.manifest')).trim().split('\n')).toEqual(['700 root', '600 root']);
    expect(await sh(host, 'cat /var/lib/restic-fleet/manifest/app-volume.manifest')).toMatch(/^files [1-9]\d*$/m);
    expect((await hostExec(host, 'test -e /var/lib/restic-fleet/manifest/pg-dump.manifest')).code).not.toBe(0);
  });

  it('intact sets: every drill reports ok (file count, size, sha256; the dump complete) and leaves no scratch space', async () => {
    for (const slug of ['app-volume', 'media-volume', 'pg-volume']) {
      const t0 = Date.now();
      const b = await runJob(host, 'backup', slug);
      const backupMs = Date.now() - t0;
      const d = await runJob(host, 'drill', slug);
      expect(b.code).toBe(0);
      expect(d.code, JSON.stringify(await drillOf(host, slug))).toBe(0);
      const drill = await drillOf(host, slug);
      expect(drill).toMatchObject({ result: 'ok' });
      expect(drill.message).toMatch(/sha256 of every file matched/);
      const first = firstBackupMs.get(`${host} ${slug}`)!;
      costs.push(`${host} ${slug}: ${drill.files} files, ${drill.bytes} bytes; first backup ${first} ms, unchanged backup ${backupMs} ms, drill ${d.ms} ms (${(d.ms / first).toFixed(2)}× the first backup)`);
    }
    const pg = await runJob(host, 'drill', 'pg-dump');
    expect(pg.code).toBe(0);
    expect((await drillOf(host, 'pg-dump')).message).toMatch(/^dump of \d+ bytes, complete \(end marker found/);
    if (host === 'client02.example.com') {
      // The real mariadb-dump: "-- Dump completed on <date>" at its end.
      expect((await runJob(host, 'backup', 'maria-dump')).code).toBe(0);
      expect((await runJob(host, 'drill', 'maria-dump')).code).toBe(0);
      expect((await drillOf(host, 'maria-dump')).message).toMatch(/^dump of \d+ bytes, complete/);
    }
    expect((await sh(host, 'ls -A /var/lib/restic-fleet/drill')).trim()).toBe('');
    expect((await sh(host, 'stat -c %a /var/lib/restic-fleet/drill')).trim()).toBe('700');
  });

  it('an altered manifest (a file hash changed, its digest recomputed) is reported as the first mismatch', async () => {
    const m = '/var/lib/restic-fleet/manifest/app-volume.manifest';
    await sh(
      host,
      `cp ${m} /root/manifest.keep
awk 'f && !done { $1 = "0000000000000000000000000000000000000000000000000000000000000000"; done = 1 } /^--$/ { f = 1 } { print }' OFS='  ' /root/manifest.keep > /root/m.1
d=$(sed '1,/^--$/d' /root/m.1 | sha256sum | cut -d' ' -f1); sed "s/^digest .*/digest $d/" /root/m.1 > ${m}`,
    );
    try {
      expect((await runJob(host, 'drill', 'app-volume')).code).toBe(1);
      expect(await drillOf(host, 'app-volume')).toMatchObject({ result: 'failed', message: expect.stringMatching(/^content differs from the manifest: first at \/var\/lib\/docker\/volumes\/app_data\/_data\//) });
      // A manifest edited without its digest is caught as altered.
      await sh(host, `sed -i 's/^files .*/files 999/' ${m}`);
      expect((await runJob(host, 'drill', 'app-volume')).code).toBe(1);
      expect((await drillOf(host, 'app-volume')).message).toMatch(/^file count differs: restored \d+, manifest 999/);
    } finally {
      await sh(host, `cp /root/manifest.keep ${m}`);
    }
    expect((await runJob(host, 'drill', 'app-volume')).code).toBe(0);
  });

  it('one corrupted pack file of the set in the repository on the server: the drill reports it, `snapshots` shows the set failing', async () => {
    // New data of this set only, in packs this backup writes: the newest data file on the server.
    await sh(host, 'docker run --rm -v app_data:/d restic-fleet/app:lab sh -c "head -c 3000000 /dev/urandom > /d/drill-$(date +%s%N).bin"');
    await sh(SERVER, `sleep 2 && touch /root/before-backup && sleep 1`); // older than the backup: not volatile
    expect((await runJob(host, 'backup', 'app-volume')).code).toBe(0);
    const pack = (await sh(SERVER, `find ${DATA} -type f -newer /root/before-backup -size +1000k -printf '%s %p\\n' | sort -n | tail -n 1 | cut -d' ' -f2`)).trim();
    expect(pack).toMatch(/^\/srv\/restic\/backup\/data\/[0-9a-f]{2}\/[0-9a-f]{64}$/);
    await sh(SERVER, `cp ${pack} /root/pack.keep && printf 'CORRUPTED-BY-THE-DRILL-TEST' | dd of=${pack} bs=1 seek=100000 conv=notrunc 2> /dev/null`);
    try {
      expect((await runJob(host, 'drill', 'app-volume')).code).toBe(1);
      const d = await drillOf(host, 'app-volume');
      expect(d.result).toBe('failed');
      console.log(`${host}: drill after the corrupted pack: ${d.message}`);
      expect(d.message).toMatch(/^(restore failed \(exit \d+\)|content differs from the manifest|file count differs|total size differs)/);

      const r = await cli(copy, 'snapshots', ['--json'], { env: labState().secretsEnv });
      const report = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { hosts: Array<{ host: string; sets: Array<{ slug: string; failing: boolean; lastRun?: { status: string; drill?: { result: string; message?: string } } }> }> };
      const set = report.hosts.find((h) => h.host === host)!.sets.find((s) => s.slug === 'app-volume')!;
      expect(set).toMatchObject({ failing: true, lastRun: { status: 'ok', drill: { result: 'failed' } } });
      const text = await cli(copy, 'snapshots', [], { env: labState().secretsEnv });
      expect(text.stdout + text.stderr).toMatch(/app volume\s+FAILING/);
      expect(text.stdout + text.stderr).toContain('drill said: ');

      if (host === CLIENTS[0]) {
        // The check job (100 % of the data in this inventory) finds the corrupted pack.
        expect((await runJob(host, 'check')).code).not.toBe(0);
        expect(await status(host, 'check')).toMatchObject({ status: 'failed', type: 'check' });
      }
    } finally {
      await sh(SERVER, `cp /root/pack.keep ${pack}`);
    }
    expect((await runJob(host, 'drill', 'app-volume')).code).toBe(0);
  });
});

// The "Postgres" and mariadb lines: a dump restored from its snapshot brings dropped rows back.
describe('database sets restore their rows (restic 0.14 on client01, 0.18 on client02)', () => {
  const RESTIC = 'RESTIC_REPOSITORY_FILE=/etc/restic-fleet/repository RESTIC_PASSWORD_FILE=/etc/restic-fleet/password';
  const cases: Array<[string, DbEngine, string]> = [
    [CLIENTS[0]!, 'postgres', 'pg-dump'],
    [CLIENTS[1]!, 'postgres', 'pg-dump'],
    [CLIENTS[1]!, 'mariadb', 'maria-dump'],
  ];
  it.each(cases)('%s %s: insert rows, back up, drop the table, restore the dump from the snapshot: the rows are back', async (host, engine, slug) => {
    const t = dbTarget(host, engine);
    await insertRows(t, 7001, 25);
    const rows = await countRows(t);
    const digest = await rowsDigest(t);
    expect((await runJob(host, 'backup', slug)).code).toBe(0);
    await dropTable(t);
    expect(await tableExists(t)).toBe(false);
    // restic dump of the set's newest snapshot, piped into the database's own client.
    await sh(host, `${RESTIC} restic dump --no-lock --host ${host} --tag restic-fleet:set=${slug} latest /${slug}-appdb.sql | ${sqlClient(t).text}`);
    expect(await countRows(t)).toBe(rows);
    expect(await rowsDigest(t)).toBe(digest);
  });
});

describe('the check job of the shared repository', () => {
  it('runs on exactly one client (the pruner); its result shows in `snapshots`', async () => {
    const withCheck: string[] = [];
    for (const host of CLIENTS) {
      const cron = await sh(host, 'cat /etc/cron.d/restic-fleet');
      if (cron.includes('/run check ')) withCheck.push(host);
      expect(cron.includes('/run check ')).toBe(cron.includes('/run prune '));
    }
    expect(withCheck).toEqual([CLIENTS[0]]);
    expect(await sh(CLIENTS[0]!, 'cat /etc/cron.d/restic-fleet')).toMatch(/^30 4 \* \* 0 root \S+ check --host client01\.example\.com --subset 100 >>/m);
    expect((await runJob(CLIENTS[0]!, 'check')).code).toBe(0);
    expect(await status(CLIENTS[0]!, 'check')).toMatchObject({ status: 'ok', type: 'check', message: 'read 100% of the data: no errors' });
    const r = await cli(copy, 'snapshots', ['--json'], { env: labState().secretsEnv });
    const report = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { hosts: Array<{ host: string; check?: { status: string } }> };
    expect(report.hosts.filter((h) => h.check).map((h) => [h.host, h.check!.status])).toEqual([[CLIENTS[0], 'ok']]);
    const text = await cli(copy, 'snapshots', [], { env: labState().secretsEnv });
    expect(text.stdout + text.stderr).toContain('repository check (restic check --read-data-subset): ok');
    // The action's job summary: the check's line under its one client.
    const step = await actionStep(copy, 'snapshots', 'push.main');
    expect(step.code, step.stdout.slice(-3000)).toBe(0);
    expect(step.summary.match(/repository check/g)).toHaveLength(1);
    expect(step.summary).toMatch(new RegExp(`<h3><code>${CLIENTS[0]!.replace(/\./g, '\\.')}</code></h3>[^]*?<p>✅ repository check \\(restic check --read-data-subset\\): ok \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC, in \\d+ s</p>[^]*?<h3>`));
  });

  it('prints what a drill costs compared with the backup', () => {
    expect(costs.length).toBe(DRILLED.length * 3);
    console.log(`drill cost vs backup (lab volumes):\n  ${costs.join('\n  ')}`);
  });
});
