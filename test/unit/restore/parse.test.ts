import { describe, expect, it } from 'vitest';
import { parseCaptured, parseContainerStates, parsePreflight, parseSnapshotsJson, parseStatus } from '../../../src/restore/parse.js';
import { plannedReport, reportFromStatus } from '../../../src/restore/report.js';
import type { JobStatus, ResticSnapshot } from '../../../src/restore/types.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const cap = (code: number, out: string, err = '') => `${code} ${b64(out)} ${b64(err)}`;

// Real `restic snapshots --json` output of restic 0.14 (one snapshot).
const SNAPSHOTS_JSON =
  '[{"time":"2026-11-27T08:59:02.731329121Z","tree":"5319355e9cda9bf889e0e7e07a392cb2b8642a29574206ced8121306d157b8fb","paths":["/var/lib/docker/volumes/app_data/_data"],"hostname":"client01.example.com","username":"root","tags":["restic-fleet:set=app-volume","app","lab"],"id":"9b526a849b553080984bfb7b69c53d7737e53d0b83c0b588fb8e2efafcb9edd8","short_id":"9b526a84"}]\n';

describe('parsePreflight', () => {
  it('reads every section, decoding base64 values', () => {
    const out = [
      '@@rf restic',
      'restic 0.14.0 compiled with go1.19.8 on linux/amd64',
      '@@rf credentials',
      'yes',
      '@@rf mountpoint',
      b64('/var/lib/docker/volumes/app_data/_data'),
      '@@rf mountpoint-real',
      b64('/var/lib/docker/volumes/app_data/_data\n'),
      '@@rf mountpoint-is-mount',
      'no',
      '@@rf containers',
      b64('app running\nold-app exited\n'),
      '@@rf snapshots',
      cap(0, SNAPSHOTS_JSON),
      '@@rf lookup',
      cap(0, '[]\n', 'Ignoring "deadbeef": no matching ID found for prefix "deadbeef"\n'),
      '@@rf target-real',
      b64('/srv/restore\n'),
      '@@rf target-state',
      'absent',
      '',
    ].join('\n');
    const p = parsePreflight(out);
    expect(p).toMatchObject({
      resticVersion: 'restic 0.14.0 compiled with go1.19.8 on linux/amd64',
      credentials: true,
      mountpoint: '/var/lib/docker/volumes/app_data/_data',
      mountpointReal: '/var/lib/docker/volumes/app_data/_data',
      mountpointIsMount: false,
      containers: [
        { name: 'app', state: 'running' },
        { name: 'old-app', state: 'exited' },
      ],
      target: { real: '/srv/restore', state: 'absent' },
    });
    expect(p.snapshots.code).toBe(0);
    expect(parseSnapshotsJson(p.snapshots.stdout)[0]!.short_id).toBe('9b526a84');
    expect(p.lookup?.stderr).toContain('no matching ID');
  });

  it('treats a missing volume, missing restic and missing credentials as such', () => {
    const p = parsePreflight(
      ['@@rf restic', '-', '@@rf credentials', 'no', '@@rf mountpoint', '', '@@rf mountpoint-real', '', '@@rf mountpoint-is-mount', 'no', '@@rf containers', '', '@@rf snapshots', cap(1, '', 'Fatal: unable to open config file: Stat: 401 Unauthorized\n')].join('\n'),
    );
    expect(p.resticVersion).toBeUndefined();
    expect(p.credentials).toBe(false);
    expect(p.mountpoint).toBeUndefined();
    expect(p.containers).toEqual([]);
    expect(p.snapshots).toEqual({ code: 1, stdout: '', stderr: 'Fatal: unable to open config file: Stat: 401 Unauthorized\n' });
    expect(p.lookup).toBeUndefined();
    expect(p.target).toBeUndefined();
  });

  it('does not let a value that looks like a marker forge a section', () => {
    // A container name cannot hold a newline, but values are base64 anyway: "@@rf credentials" inside stays data.
    const p = parsePreflight(['@@rf credentials', 'no', '@@rf containers', b64('@@rf credentials\nyes\n')].join('\n'));
    expect(p.credentials).toBe(false);
  });

  it('reports unreadable capture lines as a failed check', () => {
    expect(parseCaptured(undefined).code).toBe(-1);
    expect(parseCaptured('garbage').code).toBe(-1);
  });
});

describe('parseSnapshotsJson', () => {
  it('maps restic 0.14 fields and tolerates a snapshot without tags', () => {
    const [s] = parseSnapshotsJson('[{"time":"2026-11-27T08:59:02Z","paths":["/x"],"hostname":"h","id":"ab12cd34ef"}]');
    expect(s).toEqual({ id: 'ab12cd34ef', short_id: 'ab12cd34', time: '2026-11-27T08:59:02Z', paths: ['/x'], hostname: 'h', tags: [] });
    expect(parseSnapshotsJson('null')).toEqual([]);
    expect(parseSnapshotsJson('')).toEqual([]);
  });
  it('throws on output that is not a snapshot list', () => {
    expect(() => parseSnapshotsJson('{"id":"x"}')).toThrow(/not print a list/);
    expect(() => parseSnapshotsJson('[{"paths":[]}]')).toThrow(/no id or time/);
    expect(() => parseSnapshotsJson('Fatal: oops')).toThrow();
  });
});

const STATUS = `run 20261127T090102Z-1a2b3c
pid 4242
mode in-place
phase finished
outcome restored
snapshot 9b526a849b553080984bfb7b69c53d7737e53d0b83c0b588fb8e2efafcb9edd8
safety 0c1d2e3f
files 2005
dirs 106
symlinks 1
bytes 123456789
verification restic restore --verify re-read the content of 2005 files; the staged tree matches the snapshot listing
stopped app worker
started app worker
recovered
volume restored
start 2026-11-27T09:01:02Z
end 2026-11-27T09:01:30Z
message
alive no
`;

describe('parseStatus', () => {
  it('reads the job status file and the liveness line', () => {
    const s = parseStatus(STATUS);
    expect(s).toMatchObject({
      run: '20261127T090102Z-1a2b3c',
      pid: 4242,
      phase: 'finished',
      outcome: 'restored',
      safety: '0c1d2e3f',
      files: 2005,
      dirs: 106,
      symlinks: 1,
      bytes: 123456789,
      stopped: ['app', 'worker'],
      started: ['app', 'worker'],
      volumeState: 'restored',
      alive: false,
    });
    expect(s.recovered).toBeUndefined();
    expect(s.message).toBeUndefined();
  });

  it('handles the launcher\'s first status, a missing file and stray text', () => {
    expect(parseStatus('run r1\nphase queued\noutcome running\nalive no\n')).toMatchObject({ phase: 'queued', outcome: 'running', pid: undefined, alive: false, stopped: [] });
    expect(parseStatus('outcome missing\nalive no\n').outcome).toBe('missing');
    expect(parseStatus('outcome exploded\n').outcome).toBe('missing');
    expect(parseStatus('message ; the volume is fine').message).toBe('the volume is fine');
    expect(parseStatus('recovered swap of run x had completed: volume restored; ').recovered).toBe('swap of run x had completed: volume restored');
  });

  it('reads the container states a recover prints', () => {
    const m = parseContainerStates('outcome restored\ncontainer app true\ncontainer gone missing\ncontainer media false\n');
    expect([...m]).toEqual([
      ['app', true],
      ['gone', false],
      ['media', false],
    ]);
  });
});

describe('reports', () => {
  const snapshot: ResticSnapshot = {
    id: '9b526a849b553080984bfb7b69c53d7737e53d0b83c0b588fb8e2efafcb9edd8',
    short_id: '9b526a84',
    time: '2026-11-27T08:59:02Z',
    paths: ['/var/lib/docker/volumes/app_data/_data'],
    hostname: 'client01.example.com',
    tags: [],
  };
  const base = { host: 'client01.example.com', setId: 'app volume', snapshot, target: 'in-place', durationMs: 1500 };

  it('is restored only when the job restored and every stopped container runs again', () => {
    const ok = reportFromStatus(base, parseStatus(STATUS));
    expect(ok).toMatchObject({ outcome: 'restored', files: 2005, bytes: 123456789, safetySnapshotId: '0c1d2e3f', containersStopped: ['app', 'worker'] });
    expect(ok.snapshot).toEqual({ id: snapshot.id, shortId: '9b526a84', time: snapshot.time });
    const st: JobStatus = { ...parseStatus(STATUS), started: ['app'] };
    const partial = reportFromStatus(base, st);
    expect(partial.outcome).toBe('failed');
    expect(partial.message).toMatch(/container\(s\) worker are not running again/);
  });

  it('says what the volume holds after a failure, and what recovery did', () => {
    const st: JobStatus = { ...parseStatus(STATUS), outcome: 'failed', volumeState: 'unchanged', recovered: 'rolled back the interrupted swap of run x: volume unchanged', message: 'cannot rename' };
    const r = reportFromStatus(base, st, ['the SSH connection dropped 1 time(s)']);
    expect(r.message).toBe('cannot rename. volume: unchanged. recovery: rolled back the interrupted swap of run x: volume unchanged. the SSH connection dropped 1 time(s)');
  });

  it('plans without stopping anything on a dry-run', () => {
    const r = plannedReport(base, { mountpoint: '/var/lib/docker/volumes/app_data/_data', running: ['app'], keepUntil: '2026-12-11' });
    expect(r).toMatchObject({ outcome: 'planned', dryRun: true, containersStopped: [], containersStarted: [] });
    expect(r.message).toBe(
      'dry-run: would stop container(s) app, take a safety snapshot of /var/lib/docker/volumes/app_data/_data (kept until 2026-12-11), restore snapshot 9b526a84 (2026-11-27T08:59:02Z, /var/lib/docker/volumes/app_data/_data) into a staging directory and verify it, swap it in as the volume\'s exact contents, start app again',
    );
    const p = plannedReport({ ...base, target: '/srv/restore' }, { running: ['app'], keepUntil: 'x', targetPath: '/srv/restore' });
    expect(p.message).toMatch(/under \/srv\/restore and verify it; the live volume and its containers are not touched/);
  });
});
