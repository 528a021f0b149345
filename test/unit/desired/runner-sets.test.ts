// The runner script (src/sh/runner.sh) run for real by sh against fake restic/docker/curl
// (test/support/fake-host.ts): set types, stop-during-backup, database dumps on restic 0.14
// (fifo + interrupt) and 0.18 (--stdin-from-command), hooks, pings, stale locks, textfile.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeHost, type FakeHost } from '../../support/fake-host.js';

const hosts: FakeHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.cleanup();
});
const host = (version?: string) => {
  const h = fakeHost(version);
  hosts.push(h);
  return h;
};
const lines = (s: string) => s.trim().split('\n').filter(Boolean);

describe('runner: docker-volume sets', () => {
  it('keeps the seed behaviour: volume mountpoint backed up, status ok with the new fields', async () => {
    const h = host();
    const r = await h.runner(['backup', '--host', 'c1', '--set', 'app', '--volume', 'appdata', '--tag', 'prod']);
    expect(r.code).toBe(0);
    expect(h.read('restic.calls')).toContain(`backup --json --host c1 --tag restic-fleet:set=app --tag prod ${h.dir}/vol`);
    const s = h.status('app');
    expect(s).toMatchObject({ name: 'app', status: 'ok', exit: 0, type: 'docker-volume', files_new: 3, files_changed: 1, bytes_added: 4096, drill: null, check: null });
    expect(s.snapshot).toMatch(/^[0-9a-f]{16}$/);
    expect(typeof s.duration).toBe('number');
  });

  it('stop: true stops the running containers of the volume and starts them again, also when restic fails', async () => {
    const h = host();
    h.write('ps', 'web\nworker\n');
    expect((await h.runner(['backup', '--host', 'c1', '--set', 'app', '--volume', 'appdata', '--stop'])).code).toBe(0);
    expect(lines(h.read('docker.calls'))).toEqual(['stop web', 'stop worker', 'start web', 'start worker']);
    expect(h.status('app').stopped).toBe('web worker');

    h.write('docker.calls', '');
    h.write('restic-fail', '');
    const r = await h.runner(['backup', '--host', 'c1', '--set', 'app', '--volume', 'appdata', '--stop']);
    expect(r.code).toBe(1);
    expect(lines(h.read('docker.calls'))).toEqual(['stop web', 'stop worker', 'start web', 'start worker']);
    expect(h.status('app')).toMatchObject({ status: 'failed', exit: 1, snapshot: '' });
    expect(h.has('lib/stopped/app')).toBe(false);
  });

  it('a failed run keeps the last good snapshot in its record (the apply report reads it there)', async () => {
    const h = host();
    expect((await h.runner(['backup', '--host', 'c1', '--set', 'app', '--volume', 'appdata'])).code).toBe(0);
    const good = h.status('app');
    expect(good).toMatchObject({ last_snapshot: good.snapshot, last_snapshot_time: good.start });
    h.write('restic-fail', '');
    expect((await h.runner(['backup', '--host', 'c1', '--set', 'app', '--volume', 'appdata'])).code).toBe(1);
    expect(h.status('app')).toMatchObject({ status: 'failed', snapshot: '', last_snapshot: good.snapshot, last_snapshot_time: good.start });
  });

  it('stop_containers stops only the named running containers', async () => {
    const h = host();
    h.write('ps', 'web\nworker\n');
    await h.runner(['backup', '--host', 'c1', '--set', 'app', '--volume', 'appdata', '--stop-container', 'db']);
    expect(lines(h.read('docker.calls'))).toEqual(['stop db', 'start db']);
  });

  it('a killed runner leaves its stopped containers recorded; the next run starts them first', async () => {
    const h = host();
    h.write('ps', 'web\n');
    h.write('restic-sleep', '30');
    const child = spawn('sh', [join(h.dir, 'run'), 'backup', '--host', 'c1', '--set', 'app', '--volume', 'appdata', '--stop'], {
      detached: true,
      stdio: 'ignore',
      env: { PATH: process.env.PATH },
    });
    for (let i = 0; i < 100 && !h.read('restic.calls').includes('backup'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(h.read('restic.calls')).toContain('backup');
    process.kill(-child.pid!, 'SIGKILL'); // the runner and its restic: no trap runs
    await new Promise((r) => setTimeout(r, 200));
    expect(lines(h.read('docker.calls'))).toEqual(['stop web']);
    expect(h.read('lib/stopped/app').trim()).toBe('web');

    h.write('docker.calls', '');
    h.write('ps', ''); // the container is stopped now: nothing to stop this time
    h.write('restic-sleep', '0');
    expect((await h.runner(['backup', '--host', 'c1', '--set', 'app', '--volume', 'appdata', '--stop'])).code).toBe(0);
    expect(lines(h.read('docker.calls'))).toEqual(['start web']);
    expect(h.has('lib/stopped/app')).toBe(false);
  });

  it('SIGTERM during the backup still starts the containers (trap)', async () => {
    const h = host();
    h.write('ps', 'web\n');
    h.write('restic-sleep', '1');
    const child = spawn('sh', [join(h.dir, 'run'), 'backup', '--host', 'c1', '--set', 'app', '--volume', 'appdata', '--stop'], { stdio: 'ignore', env: { PATH: process.env.PATH } });
    for (let i = 0; i < 100 && !h.read('restic.calls').includes('backup'); i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(143);
    expect(lines(h.read('docker.calls'))).toEqual(['stop web', 'start web']);
  });
});

describe('runner: path sets', () => {
  it('backs up the paths with the exclude patterns in a file', async () => {
    const h = host();
    const r = await h.runner(['backup', '--host', 'c1', '--set', 'etc', '--type', 'path', '--path', '/etc', '--path', '/srv/app', '--exclude', '*.tmp', '--exclude', 'cache dir']);
    expect(r.code).toBe(0);
    const call = lines(h.read('restic.calls')).find((l) => l.startsWith('backup'))!;
    expect(call).toMatch(/--exclude-file \S+ \/etc \/srv\/app$/);
    expect(h.status('etc')).toMatchObject({ status: 'ok', type: 'path' });
  });

  it('refuses a relative path', async () => {
    const h = host();
    const r = await h.runner(['backup', '--host', 'c1', '--set', 'x', '--type', 'path', '--path', 'etc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not an absolute path');
  });
});

describe.each(['0.14.0', '0.18.0'])('runner: database sets on restic %s', (version) => {
  const pg = ['backup', '--host', 'c1', '--set', 'db', '--type', 'postgres', '--container', 'pg', '--database', 'app'];

  it('dumps through docker exec as the postgres user, the password from the container environment', async () => {
    const h = host(version);
    const r = await h.runner(pg);
    expect(r.code).toBe(0);
    expect(h.read('stdin.data')).toContain('-- PostgreSQL database dump complete');
    expect(h.read('dump.calls')).toContain('pg_dump -U postgres --no-password app PGPASSWORD=pg-env-secret');
    expect(h.read('docker.calls')).toContain('exec-user postgres');
    expect(h.read('restic.calls')).toContain('--stdin-filename db-app.sql');
    expect(h.read('restic.calls')).toContain(version === '0.18.0' ? '--stdin-from-command' : '--stdin');
    expect(h.read('restic.calls')).not.toContain('pg-env-secret');
    expect(lines(h.read('snapshots'))).toHaveLength(1);
    expect(h.status('db')).toMatchObject({ status: 'ok', type: 'postgres', bytes_added: 4096 });
  });

  it('a failing dump fails the run and leaves no snapshot', async () => {
    const h = host(version);
    h.write('dump-fail', '');
    const r = await h.runner(pg);
    expect(r.code).not.toBe(0);
    expect(h.read('snapshots')).toBe('');
    const s = h.status('db');
    expect(s).toMatchObject({ status: 'failed', snapshot: '' });
    expect(String(s.message)).toMatch(/dump in container pg failed|unable to save snapshot/);
    expect(String(s.message)).toContain('pg_dump: error: connection to server failed');
    expect(String(s.message)).not.toContain('[2K');
    // The dump's own words come first, whatever order restic relayed them in.
    if (version === '0.18.0') expect(String(s.message)).toMatch(/^pg_dump: error: connection to server failed; restic: .*exit status 1/);
  });

  it('a dump from a container that is not there fails the run and leaves no snapshot', async () => {
    const h = host(version);
    const r = await h.runner(['backup', '--host', 'c1', '--set', 'db', '--type', 'postgres', '--container', 'gone', '--database', 'app']);
    expect(r.code).not.toBe(0);
    expect(h.read('snapshots')).toBe('');
    expect(h.status('db')).toMatchObject({ status: 'failed', snapshot: '' });
    expect(String(h.status('db').message)).toMatch(/^(dump in container gone failed \(exit 1\): )?Error response from daemon: No such container: gone/);
  });

  it('a dump past dump_timeout is ended inside the container, fails the run and leaves no snapshot', async () => {
    const h = host(version);
    h.write('dump-hang', '');
    const t0 = Date.now();
    const r = await h.runner([...pg, '--dump-timeout', '1']);
    expect(Date.now() - t0).toBeLessThan(20_000); // not the dump's 30 s
    expect(r.code).not.toBe(0);
    expect(h.read('snapshots')).toBe('');
    expect(h.status('db')).toMatchObject({ status: 'failed', snapshot: '', message: 'dump in container pg timed out after 1s' });
  });

  it('refuses a dump timeout that is not a number of seconds', async () => {
    const r = await host(version).runner([...pg, '--dump-timeout', '1h']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--dump-timeout needs seconds');
  });

  it('all databases (pg_dumpall, mariadb --all-databases) when no database is named', async () => {
    const h = host(version);
    expect((await h.runner(['backup', '--host', 'c1', '--set', 'db', '--type', 'postgres', '--container', 'pg'])).code).toBe(0);
    expect(h.read('dump.calls')).toContain('pg_dumpall -U postgres --no-password');
    expect((await h.runner(['backup', '--host', 'c1', '--set', 'm', '--type', 'mariadb', '--container', 'maria'])).code).toBe(0);
    expect(h.read('dump.calls')).toContain('mariadb-dump -uroot --single-transaction --routines --events --all-databases PGPASSWORD= MYSQL_PWD=maria-env-secret');
    expect(h.read('restic.calls')).toContain('--stdin-filename m-all-databases.sql');
  });
});

describe('runner: hooks', () => {
  it('a failing pre hook skips the backup and records why; post runs after a backup with RF_EXIT', async () => {
    const h = host();
    h.write('etc/app.pre', 'echo pre-ran; exit 7\n');
    const r = await h.runner(['backup', '--host', 'c1', '--set', 'app', '--volume', 'v1', '--pre']);
    expect(r.code).toBe(1);
    expect(h.read('restic.calls')).not.toContain('backup');
    expect(h.status('app')).toMatchObject({ status: 'failed', message: 'backup skipped: pre hook failed with exit code 7' });

    h.write('etc/app.pre', 'true\n');
    h.write('etc/app.post', `echo "post $RF_PHASE $RF_EXIT" > ${h.dir}/post.out\n`);
    expect((await h.runner(['backup', '--host', 'c1', '--set', 'app', '--volume', 'v1', '--pre', '--post'])).code).toBe(0);
    expect(h.read('post.out').trim()).toBe('post post 0');
  });

  it('a hook past its timeout is killed and reported', async () => {
    const h = host();
    h.write('etc/app.pre', 'sleep 20\n');
    const r = await h.runner(['backup', '--host', 'c1', '--set', 'app', '--volume', 'v1', '--pre', '--hook-timeout', '1']);
    expect(r.code).toBe(1);
    expect(h.status('app').message).toBe('backup skipped: pre hook timed out after 1s');
  });

  it('never runs a hook file the flags do not ask for (a removed hook left on the host)', async () => {
    const h = host();
    h.write('etc/app.pre', 'exit 9\n');
    expect((await h.runner(['backup', '--host', 'c1', '--set', 'app', '--volume', 'v1'])).code).toBe(0);
  });
});

describe('runner: pings', () => {
  it('pings start and success, or the exit code, with the URL on stdin only', async () => {
    const h = host();
    h.write('etc/app.ping', 'http://127.0.0.1:9/ping/secret-uuid');
    await h.runner(['backup', '--host', 'c1', '--set', 'app', '--volume', 'v1', '--ping']);
    const calls = h.read('curl.calls');
    expect(calls).toContain('url = "http://127.0.0.1:9/ping/secret-uuid/start"');
    expect(calls).toContain('url = "http://127.0.0.1:9/ping/secret-uuid"\n');
    for (const argv of lines(calls).filter((l) => l.startsWith('ARGV'))) expect(argv).not.toContain('secret-uuid');

    h.write('curl.calls', '');
    h.write('restic-fail', '');
    await h.runner(['backup', '--host', 'c1', '--set', 'app', '--volume', 'v1', '--ping']);
    expect(h.read('curl.calls')).toContain('url = "http://127.0.0.1:9/ping/secret-uuid/1"');
    expect(h.read('log/app.log')).not.toContain('secret-uuid');
    expect(JSON.stringify(h.status('app'))).not.toContain('secret-uuid');
  });
});

describe('runner: stale locks', () => {
  const lock = (h: FakeHost, id: string, hostname: string, pid: number, ageSeconds: number) => {
    h.write('locks', `${h.read('locks')}${id}\n`);
    const time = new Date(Date.now() - ageSeconds * 1000).toISOString().replace('Z', '123456Z');
    h.write(`lock-${id}.json`, JSON.stringify({ time, exclusive: false, hostname, username: 'root', pid, uid: 0, gid: 0 }, null, 2));
  };
  const me = async () => (await import('node:os')).hostname();

  it('unlocks (plain unlock) a lock older than the age held by a dead process of this host, and records it', async () => {
    const h = host();
    lock(h, 'aaaa1111bbbb2222', await me(), 999999, 3 * 3600);
    expect((await h.runner(['backup', '--host', 'c1', '--set', 'app', '--volume', 'v1'])).code).toBe(0);
    expect(h.read('unlocked')).toBe('unlock\n');
    expect(h.read('restic.calls')).not.toContain('--remove-all');
    expect(String(h.status('app').unlocked)).toMatch(/^removed stale lock aaaa1111 \(pid 999999, since /);
    expect(h.status('app').message).toBe(h.status('app').unlocked);
  });

  it('leaves young locks, locks of other hosts and locks of live processes alone', async () => {
    const h = host();
    lock(h, 'aaaa1111bbbb2222', await me(), 999999, 60);
    lock(h, 'cccc3333dddd4444', 'other-host', 999999, 3 * 3600);
    lock(h, 'eeee5555ffff6666', await me(), process.pid, 3 * 3600);
    await h.runner(['backup', '--host', 'c1', '--set', 'app', '--volume', 'v1']);
    expect(h.read('unlocked')).toBe('');
    expect(h.status('app').unlocked).toBe('');
  });
});

describe('runner: rotation, prune and logs', () => {
  it('forget without --prune for shared repositories, and a prune job with its own status', async () => {
    const h = host();
    expect((await h.runner(['forget', '--host', 'c1', '--daily', '7', '--weekly', '4', '--monthly', '6'])).code).toBe(0);
    expect(h.read('restic.calls')).toMatch(/forget --host c1 --group-by host,paths --keep-tag restic-fleet:pre-restore --keep-daily 7 --keep-weekly 4 --keep-monthly 6\n/);
    expect((await h.runner(['prune', '--host', 'c1'])).code).toBe(0);
    expect(lines(h.read('restic.calls'))).toContain('prune');
    expect(h.status('prune')).toMatchObject({ name: 'prune', status: 'ok', type: 'prune' });
  });

  it('caps each log: past the size it is copied to .log.1 and emptied', async () => {
    const h = host();
    h.write('log/app.log', 'x'.repeat(5000));
    await h.runner(['backup', '--host', 'c1', '--set', 'app', '--volume', 'v1'], { RESTIC_FLEET_LOG_MAX_BYTES: '1000' });
    expect(h.read('log/app.log.1')).toHaveLength(5000);
    expect(h.read('log/app.log').length).toBeLessThan(5000);
    expect(h.read('log/app.log')).toContain('backup app (docker-volume) starting');
  });
});

describe('runner: node_exporter textfile', () => {
  it('writes every job into one file in Prometheus text format, keeping the last success across failures', async () => {
    const h = host();
    h.write('etc/runner.conf', `TEXTFILE='${h.dir}/node/restic.prom'\n`);
    await h.runner(['backup', '--host', 'c1', '--set', 'app', '--volume', 'v1']);
    await h.runner(['backup', '--host', 'c1', '--set', 'db', '--type', 'postgres', '--container', 'pg']);
    await h.runner(['forget', '--host', 'c1', '--daily', '7', '--weekly', '0', '--monthly', '0']);
    h.write('restic-fail', '');
    await h.runner(['backup', '--host', 'c1', '--set', 'app', '--volume', 'v1']);
    const text = h.read('node/restic.prom');
    const { statSync } = await import('node:fs');
    expect(statSync(join(h.dir, 'node')).mode & 0o777).toBe(0o755); // node_exporter is not root
    expect(statSync(join(h.dir, 'node/restic.prom')).mode & 0o777).toBe(0o644);
    expect(lines(text).length).toBeGreaterThan(10);

    // Strict reading: TYPE once per family, before its samples; every sample line well formed.
    const seen = new Set<string>();
    let current = '';
    for (const line of lines(text)) {
      const t = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) gauge$/.exec(line);
      if (t) {
        expect(seen.has(t[1]!)).toBe(false);
        seen.add(t[1]!);
        current = t[1]!;
        continue;
      }
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(job="[A-Za-z0-9_.@:=+-]+",type="[a-z-]+")\} (\d+)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(m![1]).toBe(current);
    }

    const families = Object.fromEntries(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
    const value = (name: string, job: string) => families[name]?.metrics.find((s) => s.labels?.job === job)?.value;
    expect(families['restic_fleet_last_exit_code']!.type).toBe('GAUGE');
    expect(value('restic_fleet_last_exit_code', 'app')).toBe('1');
    expect(value('restic_fleet_last_exit_code', 'db')).toBe('0');
    expect(value('restic_fleet_last_exit_code', 'rotation')).toBe('0');
    expect(Number(value('restic_fleet_last_success_timestamp_seconds', 'app'))).toBeGreaterThan(Date.now() / 1000 - 120);
    expect(value('restic_fleet_last_bytes_added', 'db')).toBe('4096');
  });

  it('leaves out the jobs the cron file no longer schedules (a removed set would look like a stopped backup)', async () => {
    const h = host();
    h.write('etc/runner.conf', `TEXTFILE='${h.dir}/node/restic.prom'\n`);
    await h.runner(['backup', '--host', 'c1', '--set', 'old', '--volume', 'v1']);
    await h.runner(['forget', '--host', 'c1', '--daily', '7', '--weekly', '0', '--monthly', '0']);
    expect(h.read('node/restic.prom')).toContain('job="old"'); // no cron file yet: every fragment
    // Apply removed the set "old": its cron line is gone, its fragment stays on disk.
    h.write('cron', [
      '0 1 * * * root /usr/local/lib/restic-fleet/run backup --host c1 --set app --volume v1 --manifest >> /var/log/restic-fleet/app.log 2>&1',
      '0 3 * * 0 root /usr/local/lib/restic-fleet/run drill --host c1 --set app --type docker-volume --volume v1 >> /var/log/restic-fleet/app.drill.log 2>&1',
      '17 23 * * * root /usr/local/lib/restic-fleet/run forget --host c1 --daily 7 --weekly 0 --monthly 0 >> /var/log/restic-fleet/rotation.log 2>&1',
      '',
    ].join('\n'));
    await h.runner(['backup', '--host', 'c1', '--set', 'app', '--volume', 'v1']);
    h.write('lib/status/app.drill.prom', 'restic_fleet_drill_ok{job="app",type="docker-volume"} 1\n');
    await h.runner(['forget', '--host', 'c1', '--daily', '7', '--weekly', '0', '--monthly', '0']);
    const text = h.read('node/restic.prom');
    expect(h.has('lib/status/old.prom')).toBe(true);
    expect(text).not.toContain('job="old"');
    const jobs = new Set(parsePrometheusTextFormat(text).flatMap((f) => f.metrics.map((m) => m.labels?.job)));
    expect([...jobs].sort()).toEqual(['app', 'rotation']);
    expect(text).toContain('restic_fleet_drill_ok{job="app",type="docker-volume"} 1');
  });
});
