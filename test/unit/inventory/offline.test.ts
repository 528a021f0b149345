import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/inventory/index.js';
import { InventoryError } from '../../../src/inventory/types.js';
import { FIXTURES } from './helpers.js';

// A fork's pull request has no secrets: the offline plan still loads the inventory,
// with fixed placeholders for what it cannot read.
describe('placeholder secrets (offline plans)', () => {
  const opts = { repoRoot: join(FIXTURES, 'seed-vault'), inventoryDir: 'inventories/backup', env: {} };

  it('without them, missing vault password and env secrets are errors', async () => {
    await expect(loadConfig(opts)).rejects.toBeInstanceOf(InventoryError);
  });

  it('with them, the inventory loads: same placeholder for the same name, a warning per unread vault file', async () => {
    const { hosts, diagnostics } = await loadConfig({ ...opts, placeholderSecrets: true });
    const client = hosts.find((h) => h.client)!.client!;
    expect(client.repoPassword.reveal()).toBe('offline-placeholder:vault_restic_repo_password');
    expect(diagnostics.filter((d) => d.severity === 'warning' && /no vault password is available/.test(d.message)).length).toBeGreaterThan(0);
    const again = await loadConfig({ ...opts, placeholderSecrets: true });
    expect(again.hosts.find((h) => h.client)!.client!.repoPassword.reveal()).toBe(client.repoPassword.reveal());
  });
});
