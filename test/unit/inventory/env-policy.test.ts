// Which environment variables templates may read (src/inventory/env-policy.ts): VAULT_*,
// RESTIC_FLEET_*, the allowlist; never ACTIONS_*, GITHUB_*, RUNNER_*, INPUT_*.
import { describe, expect, it } from 'vitest';
import { envNameReadable, parseEnvAllowlist } from '../../../src/inventory/env-policy.js';
import { loadInventoryCollecting } from '../../../src/inventory/loader.js';
import { loadConfig } from '../../../src/inventory/index.js';
import { isSecret } from '../../../src/secret.js';
import { FIXTURES, writeInventory } from './helpers.js';

const RUNNER_ENV = {
  ACTIONS_RUNTIME_TOKEN: 'actions-runtime-token-5f2a9c',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'id-token-request-77ab1e',
  GITHUB_TOKEN: 'ghs_github-token-0c1d2e3f',
  RUNNER_TEMP: '/runner/temp',
  'INPUT_SSH-PRIVATE-KEY': 'private-key-text',
  INPUT_LIMIT: 'limit-input',
  HOME: '/home/runner',
};

async function load(vars: string, env: Record<string, string>, opts: { envAllowlist?: string[]; offline?: boolean } = {}) {
  const root = await writeInventory({ 'hosts.yml': 'all:\n  hosts:\n    h.example.com:\n', 'group_vars/all.yml': vars });
  const r = await loadInventoryCollecting({ repoRoot: root, inventoryDir: 'inv', env, envAllowlist: opts.envAllowlist, placeholderSecrets: opts.offline });
  return { vars: r.inventory.hosts[0]!.vars, diagnostics: r.diagnostics };
}

describe('environment names templates may read', () => {
  it('VAULT_* and RESTIC_FLEET_* in any case, and allowlisted names; runner names never', () => {
    for (const n of ['VAULT_X', 'vault_restic_repo_password', 'RESTIC_FLEET_PW', 'restic_fleet_pw']) expect(envNameReadable(n), n).toBe(true);
    for (const n of ['HOME', 'REPO_PASSWORD', 'VAULTX', 'MY_VAULT_X']) expect(envNameReadable(n), n).toBe(false);
    expect(envNameReadable('REPO_PASSWORD', ['REPO_PASSWORD'])).toBe(true);
    expect(envNameReadable('repo_password', ['REPO_PASSWORD'])).toBe(false);
    for (const n of Object.keys(RUNNER_ENV).filter((k) => k !== 'HOME')) expect(envNameReadable(n, [n]), n).toBe(false);
    expect(envNameReadable('github_token', ['github_token'])).toBe(false);
  });

  it('parses the allowlist; runner names in it and non-names are errors', () => {
    expect(parseEnvAllowlist(' A_1, B ,,A_1\nC ')).toEqual(['A_1', 'B', 'C']);
    expect(parseEnvAllowlist('')).toEqual([]);
    expect(() => parseEnvAllowlist('GOOD,GITHUB_TOKEN')).toThrow(/GITHUB_TOKEN cannot be allowed/);
    expect(() => parseEnvAllowlist('actions_runtime_token')).toThrow(/cannot be allowed/);
    expect(() => parseEnvAllowlist('A-B')).toThrow(/not an environment variable name/);
  });

  it('the seed: {{ vault_restic_client_password }} still reads VAULT_RESTIC_CLIENT_PASSWORD without any allowlist', async () => {
    const env = { VAULT_RESTIC_CLIENT_PASSWORD: 'seed-client-pw-1a2b', VAULT_RESTIC_SERVER_PASSWORD: 'seed-client-pw-1a2b', VAULT_RESTIC_REPO_PASSWORD: 'seed-repo-pw-3c4d' };
    const { hosts } = await loadConfig({ repoRoot: `${FIXTURES}/seed`, inventoryDir: 'inventories/backup', env });
    const client = hosts.find((h) => h.name === 'client.example.com')!.client!;
    expect(client.password!.reveal()).toBe('seed-client-pw-1a2b');
    expect(client.password!.origin).toBe('env VAULT_RESTIC_CLIENT_PASSWORD');
    expect(client.repoPassword.reveal()).toBe('seed-repo-pw-3c4d');
  });

  it.each(Object.keys(RUNNER_ENV).filter((k) => /^[A-Z_]+$/.test(k) && k !== 'HOME'))('{{ %s }} is never read, allowlisted or not, online or offline', async (name) => {
    for (const offline of [false, true]) {
      const { vars, diagnostics } = await load(`restic_repo: "x-{{ ${name} }}"\n`, RUNNER_ENV, { offline });
      expect(vars.restic_repo).toBeNull();
      expect(diagnostics.map((d) => d.message).join('\n')).toContain(`env \`${name}\` cannot be read`);
      expect(JSON.stringify(diagnostics)).not.toContain(RUNNER_ENV[name as keyof typeof RUNNER_ENV]);
    }
  });

  it('{{ github_token }} (lower case) does not reach GITHUB_TOKEN either, even allowlisted past the input check', async () => {
    const { vars, diagnostics } = await load('restic_repo: "{{ github_token }}"\n', RUNNER_ENV, { envAllowlist: ['github_token', 'GITHUB_TOKEN'] });
    expect(vars.restic_repo).toBeNull();
    expect(diagnostics).toHaveLength(1);
  });

  it('other names only when allowlisted; the error says why', async () => {
    const env = { REPO_PASSWORD: 'allow-me-pw-8e9f' };
    const refused = await load('restic_repo_password: "{{ REPO_PASSWORD }}"\n', env);
    expect(refused.vars.restic_repo_password).toBeNull();
    expect(refused.diagnostics[0]!.message).toBe(
      'undefined variable "REPO_PASSWORD": not defined in the inventory, and env `REPO_PASSWORD` cannot be read: templates read only environment variables named VAULT_* or RESTIC_FLEET_*, or listed in env-allowlist (never ACTIONS_*, GITHUB_*, RUNNER_*, INPUT_*)',
    );
    const allowed = await load('restic_repo_password: "{{ REPO_PASSWORD }}"\n', env, { envAllowlist: ['REPO_PASSWORD'] });
    expect(allowed.diagnostics).toEqual([]);
    const v = allowed.vars.restic_repo_password;
    expect(isSecret(v) && v.reveal()).toBe('allow-me-pw-8e9f');
  });

  it('offline (a fork\'s PR): an unset readable name becomes a placeholder, a refused name stays an error', async () => {
    const ok = await load('restic_repo_password: "{{ vault_pw }}"\n', {}, { offline: true });
    expect(ok.diagnostics).toEqual([]);
    const bad = await load('restic_repo_password: "{{ SOME_TOKEN }}"\n', {}, { offline: true });
    expect(bad.diagnostics.map((d) => d.key)).toEqual(['restic_repo_password']);
  });

  it('a name with a readable and a refused form: tries the readable one only', async () => {
    // {{ my_token }} → my_token (refused), MY_TOKEN (allowlisted)
    const { vars, diagnostics } = await load('restic_repo_password: "{{ my_token }}"\n', { my_token: 'lower-9', MY_TOKEN: 'upper-value-1' }, { envAllowlist: ['MY_TOKEN'] });
    expect(diagnostics).toEqual([]);
    const v = vars.restic_repo_password;
    expect(isSecret(v) && v.origin).toBe('env MY_TOKEN');
  });
});
