// Every fact read from what real hosts answered: the lab's bookworm host (restic 0.14), its trixie
// host (restic 0.18) and its rest-server host, fresh and converged, recorded through the project's
// SSH transport by test/fixtures/facts/record.ts (secret file hashes and htpasswd hashes replaced).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CRON_FILE, PASSWORD_FILE, REPOSITORY_FILE, RUNNER_PATH } from '../../../src/desired/runner-script.js';
import { buildDesired } from '../../../src/desired/build.js';
import type { DesiredHost } from '../../../src/desired/types.js';
import type { HostConfig } from '../../../src/inventory/config.js';
import { loadDesired } from '../../../src/engine/load.js';
import { parseCronSets, parseProbe } from '../../../src/facts/parse.js';
import { classifyRepo, parseRepoCheckLine } from '../../../src/facts/repo-check.js';
import { parseSnapshots } from '../../../src/facts/snapshots.js';
import type { RepoStatus } from '../../../src/facts/types.js';
import { buildPlan } from '../../../src/plan/build.js';
import { planServer, type PasswordHasher } from '../../../src/plan/server.js';
import { Secret } from '../../../src/secret.js';

const DIR = join(__dirname, '../../fixtures/facts');
const read = (kind: string, file: string): string => readFileSync(join(DIR, kind, file), 'utf8');
const quiet = { info() {}, warn() {}, error() {}, group() {} };

let hosts: Map<string, DesiredHost>;
let configs: HostConfig[];
beforeAll(async () => {
  // The lab's inventory as recorded; its secrets were never copied, so they load as placeholders.
  const loaded = await loadDesired({ repoRoot: join(DIR, 'inventory'), inventory: 'inventories/lab', env: {}, log: quiet, offline: true });
  hosts = new Map(loaded.desired.map((d) => [d.name, d]));
  configs = loaded.hosts;
});

const clients = [
  { kind: 'bookworm-0.14', host: 'client01.example.com', restic: '0.14.0', pkg: '0.14.0-1+b5' },
  { kind: 'trixie-0.18', host: 'client02.example.com', restic: '0.18.0', pkg: '0.18.0-1+b4' },
] as const;

describe.each(clients)('a $kind client', ({ kind, host, restic, pkg }) => {
  it('fresh: restic and docker installed by the distribution, nothing of restic-fleet yet', () => {
    const f = parseProbe(hosts.get(host)!, read(kind, 'probe-fresh.txt'));
    expect(f.uid).toBe(0);
    expect(f.generation).toBe('0');
    const c = f.client!;
    expect([c.resticVersion, c.resticPackageVersion]).toEqual([restic, pkg]);
    expect(c.dockerVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.values(c.dirs).every((x) => x === undefined)).toBe(true);
    expect(Object.values(c.files).every((x) => x === undefined)).toBe(true);
    expect(c.cronSets).toBeUndefined();
    expect(c.volumes).toEqual({
      app_data: { mountpoint: '/var/lib/docker/volumes/app_data/_data' },
      media_data: { mountpoint: '/var/lib/docker/volumes/media_data/_data' },
    });
    // Probed before its server converged: only the installed credentials would be tried, and there are none.
    expect(c.repo.status).toBe('unchecked');
  });

  it('converged: directories, files, the cron file as sets, and the repository verified', () => {
    const f = parseProbe(hosts.get(host)!, read(kind, 'probe-converged.txt'));
    expect(f.generation).toBe('1');
    const c = f.client!;
    expect(c.dirs['/etc/restic-fleet']).toEqual({ mode: 0o700, owner: 'root' });
    expect(c.files[REPOSITORY_FILE]).toMatchObject({ mode: 0o600, owner: 'root', group: 'root' });
    expect(c.files[PASSWORD_FILE]).toMatchObject({ mode: 0o600, owner: 'root', group: 'root' });
    expect(c.files[RUNNER_PATH]).toMatchObject({ mode: 0o755 });
    expect(c.files[PASSWORD_FILE]!.content).toBeUndefined(); // only the cron file's text is read
    expect(c.files[CRON_FILE]!.content).toContain(`${RUNNER_PATH} backup --host ${host} --set app-volume --volume app_data --tag app --tag lab`);
    expect(c.cronSets).toEqual([
      { slug: 'app-volume', id: 'app volume' },
      { slug: 'media-volume', id: 'media volume' },
    ]);
    expect(c.repo).toEqual({ status: 'initialised', detail: '' });
  });

  it('converged, planned from an inventory without one of its sets: the cron file change removes that set', async () => {
    const f = parseProbe(hosts.get(host)!, read(kind, 'probe-converged.txt'));
    const h = configs.find((x) => x.name === host)!;
    const edited = { ...h, client: { ...h.client!, sets: h.client!.sets.filter((x) => x.id !== 'media volume') } };
    const dropped = buildDesired([edited], 'inventory lab').hosts;
    const { plan } = await buildPlan(dropped, new Map([[host, { ok: true, facts: f }]]));
    const cron = plan.hosts[0]!.changes.find((c) => c.id === `file:${CRON_FILE}`)!;
    expect(cron.destructive).toBe('removes backup set "media volume" (its cron job; existing snapshots stay)');
  });

  const cases: Array<[string, RepoStatus]> = [
    ['initialised', 'initialised'],
    ['verified', 'initialised'],
    ['wrong-password', 'wrong-password'],
    ['absent', 'absent'],
    ['unauthorized', 'unauthorized'],
    ['unreachable', 'unreachable'],
    // The check reads with --no-lock: a held lock does not change its answer ...
    ['locked', 'initialised'],
  ];
  it.each(cases)('repository check, %s → %s', (file, status) => {
    expect(parseRepoCheckLine(read(kind, `repo-check-${file}.txt`), restic).status).toBe(status);
  });

  it('... a locking command (the runner\'s backup) reports it', () => {
    const [code, b64] = read(kind, 'backup-locked.txt').trim().split(' ');
    expect(classifyRepo(Number(code), Buffer.from(b64!, 'base64').toString('utf8'), restic).status).toBe('locked');
  });

  it('snapshots after one backup per set: the newest snapshot and the last run of each', () => {
    const recorded = read(kind, 'snapshots.txt');
    const at = /"end":"([^"]+)"/.exec(Buffer.from(recorded.split('@@rf status app-volume\n')[1]!.split('\n')[0]!, 'base64').toString('utf8'))![1]!;
    const s = parseSnapshots(hosts.get(host)!, recorded, new Date(Date.parse(at) + 60_000), 86_400);
    expect(s.status).toBe('ok');
    expect(s.sets.map((x) => [x.setId, x.slug, x.stale, x.failing, x.lastRun?.exitCode])).toEqual([
      ['app volume', 'app-volume', false, false, 0],
      ['media volume', 'media-volume', false, false, 0],
    ]);
    // The runner records the id `restic backup` prints: 0.14 prints the short id, 0.18 the full one.
    for (const x of s.sets) {
      expect(x.lastRun!.snapshotId!.startsWith(x.latest!.shortId)).toBe(true);
      expect(x.lastRun!.snapshotId).toHaveLength(restic === '0.14.0' ? 8 : 64);
    }
  });
});

describe('the restic versions differ where the lab shows they do', () => {
  it('0.14 exits 1 for every failure; 0.18 exits 10 (absent), 11 (locked), 12 (wrong password)', () => {
    const code = (kind: string, file: string) => Number(read(kind, file).split(' ')[0]);
    expect(['repo-check-absent.txt', 'repo-check-wrong-password.txt', 'backup-locked.txt'].map((f) => code('bookworm-0.14', f))).toEqual([1, 1, 1]);
    expect(['repo-check-absent.txt', 'backup-locked.txt', 'repo-check-wrong-password.txt'].map((f) => code('trixie-0.18', f))).toEqual([10, 11, 12]);
    // 0.18 retries a refused connection until the check's own timeout ends it (exit 124).
    expect([code('bookworm-0.14', 'repo-check-unreachable.txt'), code('trixie-0.18', 'repo-check-unreachable.txt')]).toEqual([1, 124]);
  });
});

describe('the rest-server host', () => {
  const cheap: PasswordHasher = { hash: () => Promise.resolve('$2y$04$new'), matches: (h, p) => import('bcryptjs').then((b) => b.default.compare(p, h)) };

  it('fresh: docker, nothing else', () => {
    const f = parseProbe(hosts.get('server.example.com')!, read('server-bookworm', 'probe-fresh.txt'));
    expect(f.server).toEqual({ dockerVersion: expect.stringMatching(/^\d+\./), dataDir: undefined, htpasswd: undefined, container: undefined, networkExists: false });
  });

  it('converged: the container as docker inspect shows it, and a plan with nothing to change', async () => {
    const d = hosts.get('server.example.com')!;
    const f = parseProbe(d, read('server-bookworm', 'probe-converged.txt')).server!;
    expect(f.networkExists).toBe(true);
    expect(f.dataDir).toEqual({ mode: 0o700, owner: 'root' });
    const c = f.container!;
    expect([c.image, c.running, c.restartPolicy, c.logDriver]).toEqual(['restic-fleet/rest-server:lab', true, 'unless-stopped', 'json-file']);
    expect(c.ports).toEqual(['8000/tcp -> 0.0.0.0:8080']);
    expect(c.networks).toEqual(['restic-fleet']);
    expect(c.labels['restic-fleet.spec-hash']).toBe(d.server!.container.specHash);
    // The recording's htpasswd hashes are of this password (see record.ts).
    const server = { ...d.server!, users: d.server!.users.map((u) => ({ ...u, password: new Secret('fixture-password', 'test') })) };
    const part = await planServer(server, f, cheap);
    expect(part.changes).toEqual([]);
  });
});

describe('parseCronSets', () => {
  it('reads each backup job by its --set word, with the id noted above it when there is one', () => {
    const text = [
      '# backup set "a b" (docker-volume: v)',
      `0 1 * * * root ${RUNNER_PATH} backup --host h --set a-b --volume v >> /var/log/restic-fleet/a-b.log 2>&1`,
      `5 1 * * * root ${RUNNER_PATH} backup --host h --set edited --volume w`,
      '# rotation: keep daily 7',
      `2 23 * * * root ${RUNNER_PATH} forget --host h --daily 7`,
    ].join('\n');
    expect(parseCronSets(text)).toEqual([{ slug: 'a-b', id: 'a b' }, { slug: 'edited' }]);
  });
});
