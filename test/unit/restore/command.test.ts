import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDesired } from '../../../src/engine/load.js';
import { RESTORE_JOB_SCRIPT } from '../../../src/restore/job-script.js';
import { restoreCommand } from '../../../src/commands/restore.js';
import { setTag } from '../../../src/restore/select.js';
import { RestoreRefused, type RestoreRequest } from '../../../src/restore/types.js';
import type { ExecResult } from '../../../src/remote/transport.js';
import { FakeFleet, ok, scriptKind, type ScriptKind } from '../../support/fake-transport.js';
import { memoryLogger, remoteOptions, removeFleets, writeFleet } from '../../support/fleet-inventory.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const MOUNT = '/var/lib/docker/volumes/app_data/_data';
let root: string;
let slug: string;

beforeAll(async () => {
  root = await writeFleet({ clients: ['c1'] });
  const d = (await loadDesired(remoteOptions(root, new FakeFleet({})))).desired;
  slug = d.find((h) => h.name === 'c1')!.client!.sets[0]!.slug;
});
afterAll(removeFleets);

const snapshot = (id: string, time: string) => ({ id: id.repeat(64), short_id: id.repeat(8), time, paths: [MOUNT], hostname: 'c1', tags: [setTag(slug)] });

interface PreflightSpec {
  restic?: string;
  credentials?: boolean;
  snapshots?: { code: number; stdout?: string; stderr?: string };
  containers?: string;
  target?: { real: string; state: string };
}

/** The preflight's sections (src/restore/script.ts preflightCommand). */
function preflight(p: PreflightSpec = {}): string {
  const snaps = p.snapshots ?? { code: 0, stdout: JSON.stringify([snapshot('a', '2026-11-30T01:00:00Z'), snapshot('b', '2026-12-01T01:00:00Z')]) };
  const lines = [
    '@@rf restic', p.restic ?? 'restic 0.14.0 compiled with go1.19.8 on linux/amd64',
    '@@rf credentials', p.credentials === false ? 'no' : 'yes',
    '@@rf mountpoint', b64(MOUNT),
    '@@rf mountpoint-real', b64(MOUNT),
    '@@rf mountpoint-is-mount', 'no',
    '@@rf volume-driver', 'local 0',
    '@@rf containers', b64(p.containers ?? 'app running\n'),
    '@@rf snapshots', `${snaps.code} ${b64(snaps.stdout ?? '')} ${b64(snaps.stderr ?? '')}`,
  ];
  if (p.target) lines.push('@@rf target-real', b64(p.target.real), '@@rf target-state', p.target.state);
  return `${lines.join('\n')}\n`;
}

type Answers = Partial<Record<ScriptKind, Array<ExecResult | Error>>>;

/** c1 answers each kind of script from a queue (the last answer repeats); an Error makes the exec reject. */
function host(answers: Answers): FakeFleet {
  const used = new Map<ScriptKind, number>();
  return new FakeFleet(
    {
      c1: (script) => {
        const kind = scriptKind(script);
        const q = answers[kind];
        if (!q?.length) return { code: 97, stdout: '', stderr: `no answer for ${kind}` };
        const i = used.get(kind) ?? 0;
        used.set(kind, i + 1);
        const a = q[Math.min(i, q.length - 1)]!;
        if (a instanceof Error) throw a;
        return a;
      },
    },
    0,
  );
}

const req = (over: Partial<RestoreRequest> = {}): RestoreRequest => ({ host: 'c1', set: 'app data', snapshot: 'latest', target: 'in-place', dryRun: false, ...over });
const fast = { pollIntervalMs: 1, reconnectDelayMs: 1, reconnectAttempts: 2, now: () => new Date('2026-12-02T00:00:00Z') };
const status = (...lines: string[]) => ok(`${lines.join('\n')}\n`);
const RUNNING = status('run r', 'pid 4242', 'mode in-place', 'phase restore', 'outcome running', 'stopped app', 'alive yes');
const RESTORED = status('run r', 'pid 4242', 'mode in-place', 'phase finished', 'outcome restored', 'stopped app', 'started app', 'files 12', 'bytes 3400', 'safety 5afe5afe', 'verification 12 files, sha256 of every file matched', 'alive no');

describe('restoreCommand through the fake transport', () => {
  it('dry-run: reads the host once and says what it would do, changing nothing', async () => {
    const f = host({ preflight: [ok(preflight())] });
    const r = await restoreCommand(remoteOptions(root, f), req({ dryRun: true }), fast);
    expect(r.outcome).toBe('planned');
    expect(r.snapshot.shortId).toBe('bbbbbbbb'); // latest
    expect(r.message).toContain('stop container(s) app');
    expect(r.message).toContain('safety snapshot of /var/lib/docker/volumes/app_data/_data (kept until 2026-12');
    expect(f.execs.map((e) => e.kind)).toEqual(['preflight']);
    expect(f.closed).toEqual(['c1']);
  });

  it.each([
    ['restic is missing', { restic: '-' }, /restic is not installed on c1/],
    ['no credentials', { credentials: false }, /has no restic-fleet repository credentials/],
    ['a wrong repository password', { snapshots: { code: 1, stderr: 'Fatal: wrong password or no key found\n' } }, /cannot list the snapshots of "app data" on c1 \(repository wrong-password\)/],
    ['no snapshot of the set', { snapshots: { code: 0, stdout: '[]' } }, /^no snapshot of set "app data" .* on host c1 yet: run a backup of the set first$/],
  ])('refuses before anything changes when %s', async (_what, spec: PreflightSpec, message) => {
    const f = host({ preflight: [ok(preflight(spec))] });
    const err = await restoreCommand(remoteOptions(root, f), req(), fast).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestoreRefused);
    expect((err as Error).message).toMatch(message);
    expect(f.execs.map((e) => e.kind)).toEqual(['preflight']);
  });

  it('refuses a host it cannot inspect, and unknown hosts or sets before connecting', async () => {
    const f = host({ preflight: [{ code: 2, stdout: '', stderr: 'sh: docker: not found' }] });
    await expect(restoreCommand(remoteOptions(root, f), req(), fast)).rejects.toThrow(/could not inspect c1 \(exit 2\): sh: docker: not found/);
    const g = host({});
    await expect(restoreCommand(remoteOptions(root, g), req({ host: 'srv' }), fast)).rejects.toThrow(/not a backup client/);
    await expect(restoreCommand(remoteOptions(root, g), req({ set: 'nope' }), fast)).rejects.toThrow(/has no backup set "nope"/);
    expect(g.connects.size).toBe(0);
  });

  it('refuses a target path inside the live volume or not empty', async () => {
    const inside = host({ preflight: [ok(preflight({ target: { real: `${MOUNT}/x`, state: 'absent' } }))] });
    await expect(restoreCommand(remoteOptions(root, inside), req({ target: `${MOUNT}/x` }), fast)).rejects.toThrow(/is inside the live volume app_data/);
    const full = host({ preflight: [ok(preflight({ target: { real: '/srv/out', state: 'non-empty' } }))] });
    await expect(restoreCommand(remoteOptions(root, full), req({ target: '/srv/out' }), fast)).rejects.toThrow(/target \/srv\/out is not empty/);
  });

  it('in place: launches the job with its script on stdin, follows it, reports the verified result', async () => {
    const f = host({ preflight: [ok(preflight())], launch: [ok('launched\n')], poll: [RUNNING, RUNNING, RESTORED] });
    const r = await restoreCommand(remoteOptions(root, f), req(), fast);
    expect(r).toMatchObject({ outcome: 'restored', files: 12, safetySnapshotId: '5afe5afe', containersStopped: ['app'], containersStarted: ['app'] });
    const launch = f.execs.find((e) => e.kind === 'launch')!;
    expect(launch.stdin).toBe(RESTORE_JOB_SCRIPT);
    expect(launch.script).toContain('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb');
    expect(f.execs.map((e) => e.kind)).toEqual(['preflight', 'launch', 'poll', 'poll', 'poll']);
    expect(f.connects.get('c1')).toBe(1);
  });

  it('reconnects when the connection drops while following, and says so', async () => {
    const f = host({ preflight: [ok(preflight())], launch: [ok('launched\n')], poll: [RUNNING, { code: null, stdout: '', stderr: '' }, RESTORED] });
    const log = memoryLogger();
    const r = await restoreCommand(remoteOptions(root, f, { log }), req(), fast);
    expect(r.outcome).toBe('restored');
    expect(r.message).toContain('the SSH connection dropped 1 time(s) during the restore');
    expect(f.connects.get('c1')).toBe(2);
    expect(log.lines.some((l) => /^warn c1: the connection to c1 dropped during a command; reconnecting \(1\/2\)$/.test(l))).toBe(true);
  });

  it('gives up following after the bounded reconnects: the job keeps running on the host', async () => {
    const f = host({ preflight: [ok(preflight())], launch: [ok('launched\n')], poll: [RUNNING, { code: null, stdout: '', stderr: '' }] });
    const r = await restoreCommand(remoteOptions(root, f), req(), fast);
    expect(r.outcome).toBe('failed');
    expect(r.message).toMatch(/^lost the connection to c1 .*the restore job keeps running there on its own/);
    expect(f.order('poll')).toHaveLength(4); // the first poll, then one try and 2 retries
  });

  it('a job that died is settled by recover; a verified swap counts as restored', async () => {
    const died = status('run r', 'pid 4242', 'mode in-place', 'phase start', 'outcome running', 'stopped app', 'verification 12 files', 'alive no');
    const f = host({
      preflight: [ok(preflight())],
      launch: [ok('launched\n')],
      poll: [died],
      recover: [status('outcome restored', 'recovered volume restored', 'container app true')],
    });
    const r = await restoreCommand(remoteOptions(root, f), req(), fast);
    expect(r.outcome).toBe('restored');
    expect(r.containersStarted).toEqual(['app']);
    expect(r.message).toContain('the restore job died in phase start');
    expect(f.execs.map((e) => e.kind)).toEqual(['preflight', 'launch', 'poll', 'recover']);
  });

  it('a failed job: its log tail goes to the log and the report says failed', async () => {
    const failed = status('run r', 'phase verify', 'outcome failed', 'stopped app', 'started app', 'message verification failed: 3 files differ', 'volume unchanged', 'alive no');
    const f = host({ preflight: [ok(preflight())], launch: [ok('launched\n')], poll: [failed], 'log-tail': [ok('line one\nline two\n')] });
    const log = memoryLogger();
    const r = await restoreCommand(remoteOptions(root, f, { log }), req(), fast);
    expect(r.outcome).toBe('failed');
    expect(r.message).toContain('verification failed: 3 files differ');
    expect(log.lines).toContain('line two');
  });

  it('a launch that fails or whose connection drops before the job started changes nothing', async () => {
    const refused = host({ preflight: [ok(preflight())], launch: [{ code: 1, stdout: '', stderr: 'setsid (util-linux) is missing on this host' }] });
    await expect(restoreCommand(remoteOptions(root, refused), req(), fast)).rejects.toThrow(/could not be started \(exit 1\): setsid/);
    const dropped = host({ preflight: [ok(preflight())], launch: [new Error('channel closed')], poll: [status('outcome missing', 'alive no')] });
    await expect(restoreCommand(remoteOptions(root, dropped), req(), fast)).rejects.toThrow(/could not be started \(channel closed\); nothing was changed/);
  });

  it('a launch whose connection dropped after the job started is followed to its end', async () => {
    const f = host({ preflight: [ok(preflight())], launch: [new Error('channel closed')], poll: [RUNNING, RESTORED] });
    const r = await restoreCommand(remoteOptions(root, f), req(), fast);
    expect(r.outcome).toBe('restored');
    expect(f.connects.get('c1')).toBe(2);
  });

  it('stops following at the time limit and says where to look', async () => {
    const f = host({ preflight: [ok(preflight())], launch: [ok('launched\n')], poll: [RUNNING] });
    const r = await restoreCommand(remoteOptions(root, f), req(), { ...fast, timeoutSeconds: 0 });
    expect(r.outcome).toBe('failed');
    expect(r.message).toMatch(/still running \(phase restore\) after the time limit; follow it on the host \(status \/var\/lib\/restic-fleet\/restore\//);
  });
});
