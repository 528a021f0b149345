// An empty environment value counts as unset: a fork's pull request gets every
// `${{ secrets.X }}` as "". Offline, that is a placeholder; live, an error naming it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/inventory/index.js';
import { InventoryError } from '../../../src/inventory/types.js';
import { FIXTURES } from './helpers.js';

const SEED = { repoRoot: join(FIXTURES, 'seed'), inventoryDir: 'inventories/backup' };
const FORK_ENV = { VAULT_RESTIC_SERVER_PASSWORD: '', VAULT_RESTIC_CLIENT_PASSWORD: '', VAULT_RESTIC_REPO_PASSWORD: '' };

describe('empty env values', () => {
  it('offline (a fork PR: every secret is ""): placeholders, no errors', async () => {
    const { hosts, diagnostics } = await loadConfig({ ...SEED, env: FORK_ENV, placeholderSecrets: true });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const client = hosts.find((h) => h.client)!.client!;
    expect(client.repoPassword.reveal()).toBe('offline-placeholder:vault_restic_repo_password');
  });

  it('live: an error naming the empty variable, and saying it is empty', async () => {
    const env = { ...FORK_ENV, VAULT_RESTIC_SERVER_PASSWORD: 'server-pw', VAULT_RESTIC_CLIENT_PASSWORD: 'client-pw' };
    const err = (await loadConfig({ ...SEED, env }).catch((e: unknown) => e)) as InventoryError;
    expect(err).toBeInstanceOf(InventoryError);
    const errors = err.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('undefined variable "vault_restic_repo_password"');
    expect(errors[0]).toContain('`VAULT_RESTIC_REPO_PASSWORD` (empty)');
    expect(errors[0]).toContain('an empty value counts as unset');
    expect(errors.join('\n')).not.toMatch(/must not be empty/);
  });

  it('live: an unset variable still says "not set"; a set one loads', async () => {
    const err = (await loadConfig({ ...SEED, env: { VAULT_RESTIC_SERVER_PASSWORD: 's', VAULT_RESTIC_CLIENT_PASSWORD: 'c' } }).catch((e: unknown) => e)) as InventoryError;
    const msg = err.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message).join('\n');
    expect(msg).toMatch(/neither env `vault_restic_repo_password` nor `VAULT_RESTIC_REPO_PASSWORD` is set$/m);
    const ok = await loadConfig({ ...SEED, env: { VAULT_RESTIC_SERVER_PASSWORD: 's', VAULT_RESTIC_CLIENT_PASSWORD: 's', VAULT_RESTIC_REPO_PASSWORD: 'r' } });
    expect(ok.hosts.find((h) => h.client)!.client!.repoPassword.reveal()).toBe('r');
  });
});
