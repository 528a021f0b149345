// The drill and check functions (src/sh/runner-drill.sh) run for real by sh against a fake
// restic with a repository in a directory (test/support/fake-restic-repo.ts): the manifest
// the backup records, an intact drill, a corrupted restore, an altered manifest, a dump
// without its end marker, the size budget, the scratch space always removed, the check record.
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeHost, type FakeHost } from '../../support/fake-host.js';
import { installRepoRestic } from '../../support/fake-restic-repo.js';

const hosts: FakeHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.cleanup();
});
function host(): FakeHost {
  const h = fakeHost();
  installRepoRestic(h.dir);
  mkdirSync(join(h.dir, 'vol', 'sub'));
  writeFileSync(join(h.dir, 'vol', 'sub', 'b.txt'), 'bbb');
  writeFileSync(join(h.dir, 'vol', 'skip.tmp'), 'excluded');
  const hourAgo = new Date(Date.now() - 3600_000);
  for (const f of ['data.txt', 'sub/b.txt', 'skip.tmp']) utimesSync(join(h.dir, 'vol', f), hourAgo, hourAgo); // not volatile
  hosts.push(h);
  return h;
}
const vol = ['--host', 'c1', '--set', 'app', '--volume', 'appdata'];
const drill = (h: FakeHost) => h.status('app').drill as Record<string, unknown>;
const scratchLeft = (h: FakeHost) => (existsSync(join(h.dir, 'lib/drill')) ? readdirSync(join(h.dir, 'lib/drill')) : []);
const snapDir = (h: FakeHost) => join(h.dir, 'repo', h.read('snapshots').trim().split('\n').pop()!);

describe('runner: restore drills of volume and path sets', () => {
  it('the backup records a root-only manifest; the drill of an intact snapshot reports ok and removes its scratch space', async () => {
    const h = host();
    expect((await h.runner(['backup', ...vol, '--manifest'])).code).toBe(0);
    const m = h.read('lib/manifest/app.manifest');
    expect(m).toMatch(/^files 3$/m);
    expect(m).toMatch(/^bytes 16$/m);
    expect(m).toMatch(/^digest [0-9a-f]{64}$/m);
    expect(m).toContain('  ./' + `${h.dir}/vol/sub/b.txt`.slice(1));
    expect(readFileSync(join(h.dir, 'lib/manifest/app.manifest')).length).toBeGreaterThan(0);
    const { statSync } = await import('node:fs');
    expect(statSync(join(h.dir, 'lib/manifest/app.manifest')).mode & 0o777).toBe(0o600);
    expect(statSync(join(h.dir, 'lib/manifest')).mode & 0o777).toBe(0o700);

    const r = await h.runner(['drill', ...vol, '--type', 'docker-volume']);
    expect(r.code, r.stderr).toBe(0);
    expect(drill(h)).toMatchObject({ result: 'ok', files: 3, bytes: 16 });
    expect(String(drill(h).message)).toContain('sha256 of every file matched');
    expect(h.status('app')).toMatchObject({ status: 'ok', type: 'docker-volume' }); // the backup's fields kept
    expect(scratchLeft(h)).toEqual([]);
    expect(h.read('restic.calls')).toMatch(/restore [0-9a-f]{64} --target .*\/lib\/drill\/app\./);
  });

  it('a backup without --manifest records none; a drill then is skipped, not failed', async () => {
    const h = host();
    await h.runner(['backup', ...vol]);
    expect(h.has('lib/manifest/app.manifest')).toBe(false);
    expect((await h.runner(['drill', ...vol])).code).toBe(0);
    expect(drill(h)).toMatchObject({ result: 'skipped' });
  });

  it('a corrupted file in the restore is the first mismatch, loud in the record and the textfile', async () => {
    const h = host();
    h.write('etc/runner.conf', `TEXTFILE=${h.dir}/node/restic.prom\n`);
    await h.runner(['backup', ...vol, '--manifest']);
    writeFileSync(join(snapDir(h), h.dir.slice(1), 'vol/sub/b.txt'), 'bXb'); // same size, other content
    const r = await h.runner(['drill', ...vol]);
    expect(r.code).toBe(1);
    expect(drill(h)).toMatchObject({ result: 'failed' });
    expect(String(drill(h).message)).toMatch(/content differs from the manifest: first at \/.*\/vol\/sub\/b\.txt/);
    expect(h.read('node/restic.prom')).toContain('restic_fleet_drill_ok{job="app",type="docker-volume"} 0');
    expect(scratchLeft(h)).toEqual([]);

    // A later backup keeps the failed drill in the record until the next drill.
    await h.runner(['backup', ...vol, '--manifest']);
    expect(drill(h)).toMatchObject({ result: 'failed' });
  });

  it('a missing file changes the count; an altered manifest fails its own digest', async () => {
    const h = host();
    await h.runner(['backup', ...vol, '--manifest']);
    const { rmSync } = await import('node:fs');
    rmSync(join(snapDir(h), h.dir.slice(1), 'vol/data.txt'));
    await h.runner(['drill', ...vol]);
    expect(String(drill(h).message)).toMatch(/^file count differs: restored 2, manifest 3/);

    await h.runner(['backup', ...vol, '--manifest']);
    const m = h.read('lib/manifest/app.manifest');
    h.write('lib/manifest/app.manifest', m.replace(/^[0-9a-f](?=[0-9a-f]{63}  )/m, (c) => (c === '0' ? '1' : '0')));
    expect((await h.runner(['drill', ...vol])).code).toBe(1);
    expect(String(drill(h).message)).toBe('the manifest does not match its own digest (altered)');
  });

  it('a failing restore and a snapshot over the size budget are failures, with the scratch space removed', async () => {
    const h = host();
    await h.runner(['backup', ...vol, '--manifest']);
    h.write('restore-fail', '');
    await h.runner(['drill', ...vol]);
    expect(String(drill(h).message)).toMatch(/^restore failed \(exit 1\): Fatal: ciphertext verification failed/);
    expect(scratchLeft(h)).toEqual([]);
    h.write('restore-locked', '');
    const { rmSync } = await import('node:fs');
    rmSync(join(h.dir, 'restore-fail'));
    expect((await h.runner(['drill', ...vol])).code).toBe(0);
    expect(drill(h)).toMatchObject({ result: 'skipped', message: expect.stringMatching(/locked exclusively/) });
    expect(h.read('restic.calls')).not.toMatch(/--no-lock restore/);
    await h.runner(['drill', ...vol, '--drill-max-bytes', '10']);
    expect(String(drill(h).message)).toMatch(/^refused: snapshot holds 16 bytes, over the drill budget of 10/);
  });

  it('path sets: the exclude patterns apply to the manifest as to the backup', async () => {
    const h = host();
    const set = ['--host', 'c1', '--set', 'files', '--type', 'path', '--path', `${h.dir}/vol`, '--exclude', '*.tmp'];
    await h.runner(['backup', ...set, '--manifest']);
    expect(h.read('lib/manifest/files.manifest')).toMatch(/^files 2$/m);
    // The fake restic saves everything: the excluded file in the restore is not compared either.
    await h.runner(['drill', ...set]);
    expect(h.status('files').drill).toMatchObject({ result: 'ok', files: 2 });
  });
});

describe('runner: files written during the backup', () => {
  it('are listed as volatile in the manifest and left out of the comparison', async () => {
    const h = host();
    const future = new Date(Date.now() + 60_000); // modified after the backup began
    writeFileSync(join(h.dir, 'vol', 'live.log'), 'line 1');
    utimesSync(join(h.dir, 'vol', 'live.log'), future, future);
    await h.runner(['backup', ...vol, '--manifest']);
    const m = h.read('lib/manifest/app.manifest');
    expect(m).toMatch(/^volatile \.\/.*\/vol\/live\.log$/m);
    expect(m).toMatch(/^files 3$/m);
    writeFileSync(join(snapDir(h), h.dir.slice(1), 'vol/live.log'), 'line 1 and 2'); // restic read another version
    expect((await h.runner(['drill', ...vol])).code).toBe(0);
    expect(drill(h)).toMatchObject({ result: 'ok', files: 3 });
  });
});

describe('runner: drills of database sets', () => {
  const pg = ['--host', 'c1', '--set', 'db', '--type', 'postgres', '--container', 'pg', '--database', 'app'];
  it('a dump with its end marker (even followed by \\unrestrict) is ok; without it the drill fails', async () => {
    const h = host();
    await h.runner(['backup', ...pg]);
    const dump = join(snapDir(h), 'db-app.sql');
    writeFileSync(dump, `${readFileSync(dump, 'utf8')}\n\\unrestrict abc123\n\n`);
    expect((await h.runner(['drill', ...pg])).code).toBe(0);
    expect(h.status('db').drill).toMatchObject({ result: 'ok', files: 1 });

    writeFileSync(dump, 'COPY public.items (id, name) FROM stdin;\n1\trow\n');
    expect((await h.runner(['drill', ...pg])).code).toBe(1);
    expect(String((h.status('db').drill as Record<string, unknown>).message)).toMatch(/has no end marker: it is incomplete/);
    writeFileSync(dump, '');
    await h.runner(['drill', ...pg]);
    expect(String((h.status('db').drill as Record<string, unknown>).message)).toMatch(/is empty/);
  });

  it('mariadb-dump\'s "-- Dump completed on" marker is accepted', async () => {
    const h = host();
    const maria = ['--host', 'c1', '--set', 'm', '--type', 'mariadb', '--container', 'mdb', '--database', 'app'];
    await h.runner(['backup', ...maria]);
    writeFileSync(join(snapDir(h), 'm-app.sql'), '-- MariaDB dump\nINSERT INTO t VALUES (1);\n-- Dump completed on 2026-12-02  4:40:01\n');
    expect((await h.runner(['drill', ...maria])).code).toBe(0);
  });

  it('no snapshot yet: skipped', async () => {
    const h = host();
    expect((await h.runner(['drill', ...pg])).code).toBe(0);
    expect(h.status('db')).toMatchObject({ status: 'skipped', drill: { result: 'skipped', message: 'no snapshot of the set yet' } });
  });
});

describe('runner: restic check', () => {
  it('runs check --read-data-subset and records it in the check record', async () => {
    const h = host();
    expect((await h.runner(['check', '--host', 'c1', '--subset', '5'])).code).toBe(0);
    expect(h.read('restic.calls')).toContain('check --read-data-subset=5%');
    expect(h.status('check')).toMatchObject({ name: 'check', status: 'ok', type: 'check', exit: 0 });
    await h.runner(['check', '--host', 'c1', '--subset', '1/10']);
    expect(h.read('restic.calls')).toContain('check --read-data-subset=1/10');
    mkdirSync(join(h.dir, 'repo'), { recursive: true });
    writeFileSync(join(h.dir, 'repo', 'corrupt'), '');
    expect((await h.runner(['check', '--host', 'c1', '--subset', '5'])).code).toBe(1);
    expect(h.status('check')).toMatchObject({ status: 'failed', exit: 1 });
    expect(String(h.status('check').message)).toMatch(/repository contains errors/);
    expect((await h.runner(['check', '--host', 'c1', '--subset', '5;rm'])).code).toBe(2);
  });
});
