// The stand-in rest-server's entrypoint maps rest-server's interface (OPTIONS, PASSWORD_FILE,
// DISABLE_AUTHENTICATION) onto rclone's flags; a stub rclone prints what it was given.
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LAB_DIR } from '../../../lab/config.js';
import { run } from '../../../lab/run.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function entrypoint(env: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'rf-lab-rs-'));
  dirs.push(dir);
  const stub = join(dir, 'rclone');
  writeFileSync(stub, '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
  chmodSync(stub, 0o755);
  const data = join(dir, 'data');
  const r = await run('sh', [join(LAB_DIR, 'images', 'rest-server', 'entrypoint.sh')], {
    env: { PATH: process.env.PATH, RCLONE_BIN: stub, DATA_DIRECTORY: data, ...env },
    timeoutSeconds: 10,
  });
  return { ...r, args: r.stdout.trim().split('\n'), data };
}

describe('rest-server stand-in entrypoint', () => {
  it('serves /data on :8000 with the htpasswd file required (created empty, as rest-server does)', async () => {
    const r = await entrypoint({});
    expect(r.code, r.stderr).toBe(0);
    expect(r.args.slice(r.args.indexOf('serve'))).toEqual(['serve', 'restic', '--addr', ':8000', '--htpasswd', `${r.data}/.htpasswd`, r.data]);
    expect(existsSync(join(r.data, '.htpasswd'))).toBe(true);
    expect(r.stderr).toContain('no user exists');
  });

  it('maps --append-only and --private-repos, and says which flags it ignores', async () => {
    const r = await entrypoint({ OPTIONS: '--append-only --private-repos --prometheus --max-size=1000 --listen :9000 --tls --tls-cert /c.pem --tls-key=/k.pem' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.args).toEqual(expect.arrayContaining(['--append-only', '--private-repos']));
    expect(r.args[r.args.indexOf('--addr') + 1]).toBe(':9000');
    expect(r.args.slice(r.args.indexOf('--cert'), r.args.indexOf('--cert') + 4)).toEqual(['--cert', '/c.pem', '--key', '/k.pem']);
    expect(r.args).not.toContain('--prometheus');
    expect(r.stderr).toContain('ignoring --prometheus');
    expect(r.stderr).toContain('ignoring --max-size 1000');
  });

  it('honours PASSWORD_FILE, --no-auth and DISABLE_AUTHENTICATION', async () => {
    const pw = await entrypoint({ PASSWORD_FILE: '/nonexistent-dir/x' });
    expect(pw.code).not.toBe(0); // cannot create it: fails loudly instead of serving without auth
    const noAuth = await entrypoint({ OPTIONS: '--no-auth' });
    expect(noAuth.args).not.toContain('--htpasswd');
    const disabled = await entrypoint({ DISABLE_AUTHENTICATION: '1' });
    expect(disabled.args).not.toContain('--htpasswd');
  });

  it('refuses unknown flags, as rest-server does', async () => {
    const r = await entrypoint({ OPTIONS: '--no-such-flag' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown flag --no-such-flag');
  });
});

describe('rest-server stand-in: htpasswd reload', () => {
  it('restarts rclone when the htpasswd file is replaced, as rest-server re-reads it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rf-lab-rs-'));
    dirs.push(dir);
    const stub = join(dir, 'rclone');
    // A long-running stub that logs each start.
    writeFileSync(stub, `#!/bin/sh\necho start >> ${dir}/starts\nexec sleep 4\n`);
    chmodSync(stub, 0o755);
    const data = join(dir, 'data');
    const proc = run('sh', [join(LAB_DIR, 'images', 'rest-server', 'entrypoint.sh')], {
      env: { PATH: process.env.PATH, RCLONE_BIN: stub, DATA_DIRECTORY: data },
      timeoutSeconds: 20,
    });
    const starts = () => (existsSync(join(dir, 'starts')) ? readFileSync(join(dir, 'starts'), 'utf8').split('\n').filter(Boolean).length : 0);
    for (let i = 0; i < 40 && starts() < 1; i++) await new Promise((r) => setTimeout(r, 100));
    writeFileSync(join(data, '.htpasswd.new'), 'admin:$2y$04$abcdefghijklmnopqrstuu\n');
    renameSync(join(data, '.htpasswd.new'), join(data, '.htpasswd'));
    for (let i = 0; i < 40 && starts() < 2; i++) await new Promise((r) => setTimeout(r, 100));
    const r = await proc;
    expect(starts(), r.stderr).toBe(2);
    expect(r.stderr).toContain('changed: reloading');
  }, 30_000);
});
