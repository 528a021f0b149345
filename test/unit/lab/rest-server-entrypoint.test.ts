// The lab rest-server image's entrypoint gives Debian's rest-server binary the official
// image's interface (DATA_DIRECTORY, PASSWORD_FILE, OPTIONS, DISABLE_AUTHENTICATION) and the
// test-only slow/dead modes; a stub binary prints the arguments it was given.
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LAB_DIR } from '../../../lab/config.js';
import { run } from '../../../lab/run.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function stubDir(): { dir: string; stub: string; data: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rf-lab-rs-'));
  dirs.push(dir);
  const stub = join(dir, 'rest-server');
  writeFileSync(stub, '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
  chmodSync(stub, 0o755);
  return { dir, stub, data: join(dir, 'data') };
}

async function entrypoint(env: Record<string, string>, timeoutSeconds = 10) {
  const { stub, data } = stubDir();
  const t0 = Date.now();
  const r = await run('sh', [join(LAB_DIR, 'images', 'rest-server', 'entrypoint.sh')], {
    env: { PATH: process.env.PATH, REST_SERVER_BIN: stub, DATA_DIRECTORY: data, ...env },
    timeoutSeconds,
  });
  return { ...r, args: r.stdout.trim().split('\n'), data, ms: Date.now() - t0 };
}

describe('rest-server image entrypoint', () => {
  it('serves DATA_DIRECTORY with the htpasswd file required (created empty, as the official image does)', async () => {
    const { dir, stub } = stubDir();
    const data = join(dir, 'data');
    rmSync(data, { recursive: true, force: true });
    writeFileSync(join(dir, 'mk'), ''); // data dir exists in the image (VOLUME /data)
    const r = await run('sh', ['-c', `mkdir -p '${data}' && exec sh '${join(LAB_DIR, 'images', 'rest-server', 'entrypoint.sh')}'`], {
      env: { PATH: process.env.PATH, REST_SERVER_BIN: stub, DATA_DIRECTORY: data },
      timeoutSeconds: 10,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['--path', data, '--htpasswd-file', `${data}/.htpasswd`]);
    expect(existsSync(join(data, '.htpasswd'))).toBe(true);
    expect(r.stderr).toContain('no user exists');
  });

  it('passes OPTIONS through word by word, after its own flags', async () => {
    const r = await entrypoint({ OPTIONS: '--append-only --private-repos --prometheus --max-size 1000', PASSWORD_FILE: '/dev/null' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.args).toEqual(['--path', r.data, '--htpasswd-file', '/dev/null', '--append-only', '--private-repos', '--prometheus', '--max-size', '1000']);
  });

  it('honours PASSWORD_FILE and DISABLE_AUTHENTICATION (--no-auth, no password file made)', async () => {
    const pw = await entrypoint({ PASSWORD_FILE: '/nonexistent-dir/x' });
    expect(pw.code).not.toBe(0); // cannot create it: fails loudly instead of serving without users
    const disabled = await entrypoint({ DISABLE_AUTHENTICATION: '1', OPTIONS: '--append-only' });
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(disabled.args.slice(-2)).toEqual(['--no-auth', '--append-only']);
    expect(disabled.stderr).not.toContain('no user exists');
  });
});

describe('test-only modes', () => {
  it('slow: starts rest-server after RF_LAB_START_DELAY seconds', async () => {
    const r = await entrypoint({ RF_LAB_REST_SERVER_MODE: 'slow', RF_LAB_START_DELAY: '2', PASSWORD_FILE: '/dev/null' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.ms).toBeGreaterThanOrEqual(2000);
    expect(r.args[0]).toBe('--path');
    expect(r.stderr).toContain('starting in 2s (lab-slow image)');
  });

  it('dead: never runs rest-server, keeps logging until stopped', async () => {
    const r = await entrypoint({ RF_LAB_REST_SERVER_MODE: 'dead' }, 2);
    expect(r.code).toBeNull(); // still running when the 2 s bound killed it
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('rest-server: cannot start (lab-dead image)');
  });
});

describe('SIGHUP (sent by restic-fleet after it rewrites .htpasswd)', () => {
  it('does not end the slow or dead modes', async () => {
    const { stub, data } = stubDir();
    const script = join(LAB_DIR, 'images', 'rest-server', 'entrypoint.sh');
    const r = await run(
      'sh',
      ['-c', `mkdir -p '${data}'; sh '${script}' & pid=$!; sleep 0.5; kill -HUP $pid; sleep 0.5; kill -0 $pid && echo alive; kill -TERM $pid; wait $pid; echo "exit=$?"`],
      { env: { PATH: process.env.PATH, REST_SERVER_BIN: stub, DATA_DIRECTORY: data, RF_LAB_REST_SERVER_MODE: 'dead' }, timeoutSeconds: 15 },
    );
    expect(r.stdout).toContain('alive');
    expect(r.stdout).toContain('exit=143');
    const slow = await run(
      'sh',
      ['-c', `mkdir -p '${data}'; sh '${script}' & pid=$!; sleep 0.5; kill -HUP $pid; wait $pid; echo "exit=$?"`],
      { env: { PATH: process.env.PATH, REST_SERVER_BIN: stub, DATA_DIRECTORY: data, PASSWORD_FILE: '/dev/null', RF_LAB_REST_SERVER_MODE: 'slow', RF_LAB_START_DELAY: '2' }, timeoutSeconds: 15 },
    );
    expect(slow.stdout).toContain('--path'); // went on to start rest-server
    expect(slow.stdout).toContain('exit=0');
  });
});
