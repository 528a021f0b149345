// Golden test: the blog post's inventory, verbatim, renders the expected desired state
// (what `restic-fleet render` prints): secrets as ***, cron lines, container spec, users.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDesired } from '../../../src/desired/build.js';
import { renderDesired } from '../../../src/desired/display.js';
import { loadConfig } from '../../../src/inventory/index.js';
import { FIXTURES, VAULT_PASSWORD } from '../inventory/helpers.js';

const ENV = {
  VAULT_RESTIC_CLIENT_PASSWORD: 'golden-http-pass-7d1e',
  VAULT_RESTIC_SERVER_PASSWORD: 'golden-http-pass-7d1e',
  VAULT_RESTIC_REPO_PASSWORD: 'golden-repo-pass-2f9c',
};

async function render(repoRoot: string, opts: { env?: Record<string, string>; vaultPassword?: string } = {}): Promise<string> {
  const { hosts } = await loadConfig({ repoRoot, inventoryDir: 'inventories/backup', env: opts.env ?? {}, vaultPassword: opts.vaultPassword });
  const { hosts: desired, diagnostics } = buildDesired(hosts, 'inventory backup');
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return renderDesired(desired);
}

describe('the seed inventory renders the expected desired state', () => {
  it('with the secrets in env vars', async () => {
    const text = await render(join(FIXTURES, 'seed'), { env: ENV });
    for (const v of Object.values(ENV)) expect(text).not.toContain(v);
    await expect(text).toMatchFileSnapshot('../../fixtures/golden/seed-desired.json');
  });

  it('with the vault files made by ansible-vault: the same desired state but for secret values', async () => {
    const fromVault = await render(join(FIXTURES, 'seed-vault'), { vaultPassword: VAULT_PASSWORD });
    const fromEnv = await render(join(FIXTURES, 'seed'), { env: ENV });
    // Secret files show no hash, so the two renderings are identical although the passwords differ.
    expect(fromVault).toBe(fromEnv);
  });
});
