// Secret values never appear in diagnostics (whatever goes wrong, wherever the
// secret came from: env, vault file, inline vault, plain text) and print as ***.
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InventoryError, loadConfig } from '../../../src/inventory/index.js';
import { loadInventoryCollecting } from '../../../src/inventory/loader.js';
import { clearSecretRegistryForTests, redact } from '../../../src/secret.js';
import { FIXTURES, show, VAULT_PASSWORD, where, writeInventory } from './helpers.js';

const ENV = {
  CRON_FROM_ENV: 'cron-secret-31',
  TAG_FROM_ENV: 'tag secret 32',
  REPO_FROM_ENV: 'rest:http://u:url-secret-33@server:8000/x',
  PASS_FROM_ENV: 'password-secret-34',
};

describe('secrets in diagnostics', () => {
  it('never shows env secrets, even when they end up in invalid public fields', async () => {
    const root = await writeInventory({
      'hosts.yml': 'all:\n  hosts:\n    h1.example.com:\n',
      'group_vars/all.yml': [
        'restic_repo: "{{ REPO_FROM_ENV }}"',
        'restic_repo_password: "{{ PASS_FROM_ENV | upper }}"',
        'restic_client_password: "{{ PASS_FROM_ENV }}"',
        'restic_backup_sets:',
        '  - id: s',
        '    type: docker-volume',
        '    volume: "{{ TAG_FROM_ENV }}"',
        '    tags: ["{{ TAG_FROM_ENV }}"]',
        '    minute: "{{ CRON_FROM_ENV }}"',
        '',
      ].join('\n'),
    });
    const err = (await loadConfig({ repoRoot: root, inventoryDir: 'inv', env: ENV, envAllowlist: Object.keys(ENV) }).catch((e: unknown) => e)) as InventoryError;
    expect(err).toBeInstanceOf(InventoryError);
    const text = `${err.message}\n${show(err.diagnostics)}\n${JSON.stringify(err.diagnostics)}`;
    for (const v of Object.values(ENV)) expect(text).not.toContain(v);
    expect(text).not.toContain('url-secret-33');
    expect(text).not.toContain('PASSWORD-SECRET-34');
    expect(err.diagnostics.filter((d) => d.severity === 'error').map(where)).toEqual([
      'inv/group_vars/all.yml:1:14 error restic_repo',
      'inv/group_vars/all.yml:2:23 error restic_repo_password',
      'inv/group_vars/all.yml:7:13 error restic_backup_sets[0].volume',
      'inv/group_vars/all.yml:8:12 error restic_backup_sets[0].tags[0]',
      'inv/group_vars/all.yml:9:13 error restic_backup_sets[0].minute',
      'inv/hosts.yml:3:5 error restic_client_user',
    ]);
  });

  it('never quotes decrypted vault content that is broken', async () => {
    const { diagnostics } = await loadInventoryCollecting({
      repoRoot: join(FIXTURES, 'vault-broken'),
      inventoryDir: '.',
      env: {},
      vaultPassword: VAULT_PASSWORD,
    });
    expect(diagnostics.map((d) => `${where(d)}: ${d.message}`)).toEqual([
      'group_vars/all/vault.yml:1:10 error -: invalid YAML in decrypted vault content (MISSING_CHAR)',
      'host_vars/h1.example.com.yml:2:23 error restic_repo_password: unsupported template syntax (expression hidden: secret content): "-" (operators, arithmetic, concatenation and comparisons are not supported; supported: {{ var }}, dotted paths, [index], | default(x), | join(sep))',
    ]);
    expect(show(diagnostics)).not.toMatch(/secret-value-77|template-secret-88/);
  });

  it('registers every secret for redaction the moment it is loaded', async () => {
    clearSecretRegistryForTests();
    const { hosts } = await loadConfig({ repoRoot: join(FIXTURES, 'seed-vault'), inventoryDir: 'inventories/backup', env: {}, vaultPassword: VAULT_PASSWORD });
    expect(redact('pw=repo-pass-b83d27 http=http-pass-4f1c9e')).toBe('pw=*** http=***');
    const dump = `${JSON.stringify(hosts)} ${inspect(hosts, { depth: 10 })} ${hosts.map((h) => `${h.client?.repoPassword}`).join()}`;
    expect(dump).not.toMatch(/repo-pass-b83d27|http-pass-4f1c9e/);
    expect(dump).toContain('***');
  });
});
