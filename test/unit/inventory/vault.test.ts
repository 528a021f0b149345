// ansible-vault 1.1 / 1.2, whole files and inline !vault scalars; fixtures made by
// the real ansible-vault (test/fixtures/make-vault-fixtures.sh).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InventoryError, loadConfig } from '../../../src/inventory/index.js';
import { loadInventory } from '../../../src/inventory/loader.js';
import { decryptVault, isVaultText, vaultHeader, VaultError } from '../../../src/inventory/vault.js';
import { isSecret } from '../../../src/secret.js';
import { FIXTURES, VAULT_PASSWORD, where, writeInventory } from './helpers.js';

const clientVault = readFileSync(join(FIXTURES, 'seed-vault/inventories/backup/group_vars/client/vault.yml'), 'utf8');
const serverVault = readFileSync(join(FIXTURES, 'seed-vault/inventories/backup/group_vars/server/vault.yml'), 'utf8');

describe('decryptVault', () => {
  it('decrypts format 1.1 and 1.2 (vault id) files made by ansible-vault', () => {
    expect(vaultHeader(clientVault)).toEqual({ version: '1.1', cipher: 'AES256' });
    expect(vaultHeader(serverVault)).toEqual({ version: '1.2', cipher: 'AES256', vaultId: 'seed' });
    expect(decryptVault(clientVault, VAULT_PASSWORD)).toBe('vault_restic_client_password: "http-pass-4f1c9e"\nvault_restic_repo_password: "repo-pass-b83d27"\n');
    expect(decryptVault(serverVault, VAULT_PASSWORD)).toBe('vault_restic_server_password: "http-pass-4f1c9e"\n');
  });

  it('rejects a wrong password by the HMAC, before decrypting', () => {
    expect(() => decryptVault(clientVault, 'wrong')).toThrow(new VaultError('wrong vault password (HMAC mismatch)'));
  });

  it('detects tampering (one ciphertext byte flipped)', () => {
    const lines = clientVault.trim().split('\n');
    const body = Buffer.from(lines.slice(1).join(''), 'hex').toString('latin1').split('\n');
    const ct = Buffer.from(body[2]!, 'hex');
    ct[0] ^= 1;
    body[2] = ct.toString('hex');
    const tampered = `${lines[0]}\n${Buffer.from(body.join('\n'), 'latin1').toString('hex')}\n`;
    expect(() => decryptVault(tampered, VAULT_PASSWORD)).toThrow('HMAC mismatch');
  });

  it('rejects unsupported versions, ciphers and malformed data with clear messages', () => {
    expect(() => decryptVault('$ANSIBLE_VAULT;1.0;AES\n00\n', 'x')).toThrow('unsupported ansible-vault format version "1.0"');
    expect(() => decryptVault('$ANSIBLE_VAULT;1.1;AES128\n00\n', 'x')).toThrow('unsupported ansible-vault cipher "AES128"');
    expect(() => decryptVault('$ANSIBLE_VAULT;1.1;AES256\nzz\n', 'x')).toThrow('malformed ansible-vault data');
    expect(() => decryptVault('$ANSIBLE_VAULT;1.1;AES256\n6162\n', 'x')).toThrow('expected salt, hmac and ciphertext');
  });

  it('recognises vault text', () => {
    expect(isVaultText(clientVault)).toBe(true);
    expect(isVaultText('a: 1\n')).toBe(false);
  });
});

describe('inline !vault scalars', () => {
  const opts = { repoRoot: join(FIXTURES, 'vault-inline'), inventoryDir: '.', env: {} };

  it('decrypts 1.1 and 1.2 inline values; values derived from them stay Secrets', async () => {
    const { hosts } = await loadConfig({ ...opts, vaultPassword: VAULT_PASSWORD });
    const c = hosts[0]!.client!;
    expect(c.password!.reveal()).toBe('inline-http-pass-11');
    expect(c.password!.origin).toBe('vault group_vars/all.yml');
    // "prefix-{{ vault_repo_password }}": text mixed with a secret is a secret
    expect(isSecret(c.repoPassword)).toBe(true);
    expect(c.repoPassword.reveal()).toBe('prefix-inline-repo-pass-12');
    expect(c.user).toBe('solo');
  });

  it('reports each undecryptable value where it is written', async () => {
    const err = (await loadConfig({ ...opts, vaultPassword: 'wrong' }).catch((e: unknown) => e)) as InventoryError;
    expect(err).toBeInstanceOf(InventoryError);
    expect(err.diagnostics.map(where)).toEqual([
      'group_vars/all.yml:3:32 error restic_client_password',
      'group_vars/all.yml:10:29 error vault_repo_password',
    ]);
    expect(err.diagnostics[0]!.message).toBe('cannot decrypt this !vault value in group_vars/all.yml: wrong vault password (HMAC mismatch)');
    const none = (await loadConfig(opts).catch((e: unknown) => e)) as InventoryError;
    expect(none.diagnostics[0]!.message).toContain('the `vault-password` input (vault password) is needed');
  });

  it('never decrypts inline values of variables restic-fleet does not read', async () => {
    const root = await writeInventory({
      'hosts.yml': 'all:\n  hosts:\n    a.example.com:\n',
      'group_vars/all.yml': `other_app_secret: !vault |\n${clientVault.trim().split('\n').map((l) => `  ${l}`).join('\n')}\nrestic_fleet_connect_timeout: 5\n`,
    });
    const inv = await loadInventory({ repoRoot: root, inventoryDir: 'inv', env: {} });
    expect(inv.hosts[0]!.vars).toEqual({ restic_fleet_connect_timeout: 5 });
  });

  it('makes every scalar of a vault-encrypted file a Secret', async () => {
    const root = await writeInventory({
      'hosts.yml': 'all:\n  hosts:\n    a.example.com:\n',
      'group_vars/all/vault.yml': clientVault,
      'group_vars/all/vars.yml': 'restic_repo_password: "{{ vault_restic_repo_password }}"\nrestic_list: ["{{ vault_restic_client_password }}", plain]\n',
    });
    const inv = await loadInventory({ repoRoot: root, inventoryDir: 'inv', env: {}, vaultPassword: VAULT_PASSWORD });
    const v = inv.hosts[0]!.vars;
    expect(isSecret(v.restic_repo_password)).toBe(true);
    expect(String(v.restic_repo_password)).toBe('***');
    const list = v.restic_list as unknown[];
    expect(isSecret(list[0])).toBe(true);
    expect(list[1]).toBe('plain');
  });
});
