// Golden tests: the blog post's inventory, verbatim, with secrets from env vars,
// from vault.yml files made by the real ansible-vault, and with secrets missing.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InventoryError, loadConfig, staggeredMinute } from '../../../src/inventory/index.js';
import { FIXTURES, hostNamed, plain, show, VAULT_PASSWORD, where } from './helpers.js';

const SEED = join(FIXTURES, 'seed');
const SEED_VAULT = join(FIXTURES, 'seed-vault');
const INV = 'inventories/backup';

const ENV = {
  VAULT_RESTIC_CLIENT_PASSWORD: 'env-http-pass-3b9a',
  vault_restic_repo_password: 'env-repo-pass-5c21', // exact-name lookup
  VAULT_RESTIC_SERVER_PASSWORD: 'env-http-pass-3b9a', // upper-cased lookup
  UNRELATED: 'x',
};

function expectedClient(secret: (name: string) => { secret: string; origin: string }) {
  return {
    name: 'client.example.com',
    groupNames: ['client'],
    connection: { host: 'client.example.com', port: 22, user: 'root', become: false, connectTimeoutSeconds: 15, commandTimeoutSeconds: 600 },
    client: {
      package: 'restic=0.8.3+ds-1',
      repo: 'server.example.com:8080/backup',
      user: 'admin',
      password: secret('vault_restic_client_password'),
      repoPassword: secret('vault_restic_repo_password'),
      sets: [
        { id: 'odoo volume', type: 'docker-volume', volume: 'odoo_data01', tags: ['odoo01', 'postgres01'], hour: '1', minute: '0' },
        { id: 'postgres volume', type: 'docker-volume', volume: 'postgres_data01', tags: ['odoo01', 'postgres01'], hour: '1', minute: '0' },
      ],
      rotation: { daily: 7, weekly: 4, monthly: 1, hour: '23', minute: '49', prune: true },
      check: { weekday: '0', hour: '4', minute: '30', subset: '5%' },
    },
  };
}

function expectedServer(secret: (name: string) => { secret: string; origin: string }) {
  return {
    name: 'server.example.com',
    groupNames: ['server'],
    connection: { host: 'server.example.com', port: 22, user: 'root', become: false, connectTimeoutSeconds: 15, commandTimeoutSeconds: 600 },
    server: {
      image: 'restic/rest-server:0.9.7',
      containerName: 'restic01',
      port: 8080,
      backupDir: '/path/to/mount',
      users: [{ user: 'admin', password: secret('vault_restic_server_password') }],
      network: 'example.com',
      logDriver: 'json-file',
      logOptions: { 'max-size': '10m', 'max-file': '3' },
      options: [],
      readyTimeoutSeconds: 30,
    },
  };
}

describe('the seed inventory, verbatim', () => {
  it('loads with the secrets in env vars (exact name, then upper-cased)', async () => {
    const r = await loadConfig({ repoRoot: SEED, inventoryDir: INV, env: ENV });
    expect(show(r.diagnostics)).toBe('');
    const fromEnv = (name: string) => {
      const envName = name in ENV ? name : name.toUpperCase();
      return { secret: ENV[envName as keyof typeof ENV], origin: `env ${envName}` };
    };
    expect(r.hosts.map((h) => h.name)).toEqual(['client.example.com', 'server.example.com']);
    expect(plain(hostNamed(r.hosts, 'client.example.com'))).toEqual(expectedClient(fromEnv));
    expect(plain(hostNamed(r.hosts, 'server.example.com'))).toEqual(expectedServer(fromEnv));
    expect(staggeredMinute('client.example.com')).toBe('49');
  });

  it('exposes merged variables, groups and positions', async () => {
    const { inventory } = await loadConfig({ repoRoot: SEED, inventoryDir: INV, env: ENV });
    expect(inventory.dir).toBe(INV);
    expect(inventory.groups).toEqual({
      all: ['client.example.com', 'server.example.com'],
      client: ['client.example.com'],
      server: ['server.example.com'],
      ungrouped: [],
    });
    const client = inventory.hosts[0]!;
    expect(Object.keys(client.vars).sort()).toEqual([
      'docker_log_driver', 'docker_log_max_file', 'docker_log_max_size', 'docker_network_name',
      'restic_backup_rotation', 'restic_backup_sets', 'restic_client_package', 'restic_client_password',
      'restic_client_user', 'restic_repo', 'restic_repo_password',
    ]); // ansible_python_interpreter is not ours: ignored
    expect(client.vars.docker_log_max_file).toBe('3');
    expect(String(client.vars.restic_repo_password)).toBe('***');
    expect(client.posOf(['restic_backup_sets', 1, 'minute'])).toEqual({ file: `${INV}/host_vars/client.example.com.yml`, line: 17, col: 12 });
    expect(client.posOf(['restic_repo'])).toEqual({ file: `${INV}/group_vars/client/vars.yml`, line: 4, col: 14 });
    expect(client.posOf(['restic_not_there'])).toEqual({ file: `${INV}/hosts.yml`, line: 6, col: 9 });
    expect(client.posOf(['restic_backup_sets', 7, 'id'])).toEqual({ file: `${INV}/host_vars/client.example.com.yml`, line: 2, col: 2 });
  });

  it('loads with vault.yml files made by ansible-vault (1.1 and 1.2 with a vault id)', async () => {
    const r = await loadConfig({ repoRoot: SEED_VAULT, inventoryDir: INV, env: {}, vaultPassword: VAULT_PASSWORD });
    expect(show(r.diagnostics)).toBe('');
    const values: Record<string, [string, string]> = {
      vault_restic_client_password: ['http-pass-4f1c9e', 'client'],
      vault_restic_repo_password: ['repo-pass-b83d27', 'client'],
      vault_restic_server_password: ['http-pass-4f1c9e', 'server'],
    };
    const fromVault = (name: string) => ({ secret: values[name]![0], origin: `vault ${INV}/group_vars/${values[name]![1]}/vault.yml` });
    expect(plain(hostNamed(r.hosts, 'client.example.com'))).toEqual(expectedClient(fromVault));
    expect(plain(hostNamed(r.hosts, 'server.example.com'))).toEqual(expectedServer(fromVault));
  });

  it('lists every missing secret with its position and the env names tried', async () => {
    const err = await loadConfig({ repoRoot: SEED, inventoryDir: INV, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InventoryError);
    const ds = (err as InventoryError).diagnostics;
    expect(ds.map(where)).toEqual([
      `${INV}/group_vars/client/vars.yml:3:25 error restic_client_password`,
      `${INV}/group_vars/client/vars.yml:5:23 error restic_repo_password`,
      `${INV}/group_vars/server/vars.yml:4:25 error restic_server_password`,
    ]);
    expect(ds[1]!.message).toBe(
      'undefined variable "vault_restic_repo_password": not defined in the inventory, and neither env `vault_restic_repo_password` nor `VAULT_RESTIC_REPO_PASSWORD` is set',
    );
    expect((err as Error).message).toContain(`${INV}/group_vars/server/vars.yml:4:25: error: restic_server_password: undefined variable "vault_restic_server_password"`);
  });

  it('names the vault files and the missing vault-password input', async () => {
    const err = (await loadConfig({ repoRoot: SEED_VAULT, inventoryDir: INV, env: {} }).catch((e: unknown) => e)) as InventoryError;
    const vaultErrors = err.diagnostics.filter((d) => d.pos?.file.endsWith('vault.yml'));
    expect(vaultErrors.map(where)).toEqual([
      `${INV}/group_vars/client/vault.yml:1:1 error -`,
      `${INV}/group_vars/server/vault.yml:1:1 error -`,
    ]);
    expect(vaultErrors[0]!.message).toBe(`${INV}/group_vars/client/vault.yml is encrypted with ansible-vault: the \`vault-password\` input (vault password) is needed to read it`);
    // the undefined-variable errors point at the file that could not be read
    expect(err.diagnostics.find((d) => d.key === 'restic_repo_password')!.message).toContain(`(note: ${INV}/group_vars/client/vault.yml could not be decrypted)`);
  });

  it('reports a wrong vault password per file, without any secret in the messages', async () => {
    const err = (await loadConfig({ repoRoot: SEED_VAULT, inventoryDir: INV, env: {}, vaultPassword: 'not-the-password' }).catch((e: unknown) => e)) as InventoryError;
    const vaultErrors = err.diagnostics.filter((d) => d.pos?.file.endsWith('vault.yml'));
    expect(vaultErrors.map((d) => d.message)).toEqual([
      `cannot decrypt ${INV}/group_vars/client/vault.yml: wrong vault password (HMAC mismatch)`,
      `cannot decrypt ${INV}/group_vars/server/vault.yml: wrong vault password (HMAC mismatch)`,
    ]);
    expect(err.message).not.toContain('not-the-password');
  });

  it('accepts a vault password with a trailing newline (as read from a password file)', async () => {
    const r = await loadConfig({ repoRoot: SEED_VAULT, inventoryDir: INV, env: {}, vaultPassword: `${VAULT_PASSWORD}\n` });
    expect(r.hosts).toHaveLength(2);
  });
});
