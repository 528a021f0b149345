// The CLI's template environment (issue 12, item 4): VAULT_* and RESTIC_FLEET_* names, the
// names --env-file defines, and --env-allowlist; never the runner's names.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../inventory/helpers.js';

const CLI = path.join(__dirname, '../../../dist/cli/index.js');
const SEED = path.join(FIXTURES, 'seed/inventories/backup');
const HTTP = { VAULT_RESTIC_CLIENT_PASSWORD: 'cli-env-http-pw-31', VAULT_RESTIC_SERVER_PASSWORD: 'cli-env-http-pw-31' };
const temp: string[] = [];
afterAll(() => temp.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The seed with restic_repo_password read from `name`. */
function inventory(name: string): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'rf-cli-env-'));
  temp.push(root);
  cpSync(SEED, path.join(root, 'inv'), { recursive: true });
  const f = path.join(root, 'inv/group_vars/client/vars.yml');
  writeFileSync(f, `restic_client_user: admin\nrestic_client_password: "{{ vault_restic_client_password }}"\nrestic_repo: server.example.com:8080/backup\nrestic_repo_password: "{{ ${name} }}"\n`);
  return root;
}

function validate(root: string, args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [CLI, 'validate', '-i', path.join(root, 'inv'), '--root', root, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    timeout: 30_000,
  });
  return { code: r.status, output: r.stdout + r.stderr };
}

describe('CLI: which environment names templates read', () => {
  it('another name only with --env-allowlist', () => {
    const root = inventory('REPO_PASSWORD');
    const env = { ...HTTP, REPO_PASSWORD: 'cli-env-repo-pw-32' };
    const refused = validate(root, [], env);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('env `REPO_PASSWORD` cannot be read');
    expect(validate(root, ['--env-allowlist', 'OTHER, REPO_PASSWORD'], env).code).toBe(0);
  });

  it('names defined by --env-file are readable', () => {
    const root = inventory('REPO_PASSWORD');
    const file = path.join(root, 'secrets.env');
    writeFileSync(file, 'REPO_PASSWORD=cli-env-file-pw-33\n', { mode: 0o600 });
    const r = validate(root, ['--env-file', file], HTTP);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain('cli-env-file-pw-33');
  });

  it('GITHUB_TOKEN is not readable, even from --env-file; allowlisting it is a usage error', () => {
    const root = inventory('GITHUB_TOKEN');
    const file = path.join(root, 'secrets.env');
    writeFileSync(file, 'GITHUB_TOKEN=ghs_cliEnvFileToken34\n', { mode: 0o600 });
    const viaFile = validate(root, ['--env-file', file], HTTP);
    expect(viaFile.code).toBe(1);
    expect(viaFile.output).toContain('env `GITHUB_TOKEN` cannot be read');
    expect(viaFile.output).not.toContain('ghs_cliEnvFileToken34');
    const listed = validate(root, ['--env-allowlist', 'GITHUB_TOKEN'], { ...HTTP, GITHUB_TOKEN: 'ghs_cliEnvToken35' });
    expect(listed.code).toBe(2);
    expect(listed.output).toContain('--env-allowlist: GITHUB_TOKEN cannot be allowed');
  });
});
