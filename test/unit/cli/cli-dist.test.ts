// The CLI as users run it: the committed bundle dist/cli/index.js (the same engine as the action).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_BIN } from '../../support/node-bin.js';
import { FIXTURES } from '../inventory/helpers.js';

const CLI = join(__dirname, '../../../dist/cli/index.js');
const SEED = join(FIXTURES, 'seed');
const ENV = { VAULT_RESTIC_CLIENT_PASSWORD: 'cli-http-pass-91ab', VAULT_RESTIC_SERVER_PASSWORD: 'cli-http-pass-91ab', VAULT_RESTIC_REPO_PASSWORD: 'cli-repo-pass-c3d4' };

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(NODE_BIN, [CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('restic-fleet CLI (dist/cli)', () => {
  it('validate: the seed with its secrets in the environment is valid', () => {
    const r = cli(['validate', '-i', join(SEED, 'inventories/backup'), '--root', SEED], ENV);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('ok: 2 hosts (1 servers, 1 clients)');
  });

  it('validate: missing secrets are errors with file:line:col, exit 1', () => {
    const r = cli(['validate', '-i', join(SEED, 'inventories/backup'), '--root', SEED]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^inventories\/backup\/group_vars\/client\/vars\.yml:\d+:\d+: error: restic_repo_password: .*vault_restic_repo_password/m);
  });

  it('render: the desired state with secrets as *** and no secret anywhere', () => {
    const r = cli(['render', '-i', join(SEED, 'inventories/backup'), '--root', SEED, '--host', 'client.example.com'], ENV);
    expect(r.code, r.err).toBe(0);
    const hosts = JSON.parse(r.out);
    expect(hosts.map((h: { name: string }) => h.name)).toEqual(['client.example.com']);
    expect(hosts[0].client.repository.display).toBe('rest:http://admin:***@server.example.com:8080/backup');
    for (const v of Object.values(ENV)) expect(r.out + r.err).not.toContain(v);
  });

  it('usage errors exit 2', () => {
    expect(cli(['plan']).code).toBe(2);
    expect(cli(['frobnicate', '-i', SEED]).code).toBe(2);
  });
});
