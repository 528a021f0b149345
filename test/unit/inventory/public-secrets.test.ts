// Secrets in every form (issue 12, item 4): a secret, or a value derived from one, is an
// error in any public field, at the field's own file:line:col, naming the key and never
// the value; positions of templated scalars are where the template is written.
import { afterEach, describe, expect, it } from 'vitest';
import { InventoryError, loadConfig } from '../../../src/inventory/index.js';
import { clearSecretRegistryForTests, redact, Secret } from '../../../src/secret.js';
import { show, where, writeInventory } from './helpers.js';

afterEach(() => clearSecretRegistryForTests());

const PW = 'Public-Field-Secret-7Q';
const ENV = { VAULT_PW: PW, VAULT_REPO_PW: 'repo-pw-for-public-tests' };

const HOSTS = 'all:\n  children:\n    client:\n      hosts:\n        client.example.com:\n    server:\n      hosts:\n        server.example.com:\n';
const SERVER = 'restic_server_image: restic/rest-server:0.14.0\nrestic_server_user: admin\nrestic_server_password: "{{ vault_pw }}"\nrestic_server_port: 8080\n';
const CLIENT = 'restic_repo: server.example.com:8080/backup\nrestic_repo_password: "{{ vault_repo_pw }}"\nrestic_client_user: admin\nrestic_client_password: "{{ vault_pw }}"\n';
const SETS = (id = '"odoo volume"', tag = 'odoo01', volume = 'odoo_data01') =>
  `restic_backup_sets:\n  - id: ${id}\n    type: docker-volume\n    volume: ${volume}\n    tags: [${tag}]\n`;

async function errorsOf(files: Record<string, string>, env: Record<string, string> = ENV) {
  const root = await writeInventory({ 'hosts.yml': HOSTS, 'group_vars/server.yml': SERVER, 'group_vars/client.yml': CLIENT, ...files });
  const e = await loadConfig({ repoRoot: root, inventoryDir: 'inv', env }).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(InventoryError);
  const ds = (e as InventoryError).diagnostics.filter((d) => d.severity === 'error');
  // Never the value, in any spelling.
  const text = `${show(ds)}\n${JSON.stringify(ds)}`.toLowerCase();
  for (const v of Object.values(env)) {
    expect(text).not.toContain(v.toLowerCase());
    expect(text).not.toContain(encodeURIComponent(v).toLowerCase());
  }
  return ds;
}

describe('a secret in a public field is an error at the field', () => {
  it.each([
    ['set id', SETS('"{{ vault_pw }}"'), 'inv/host_vars/client.example.com.yml:2:9 error restic_backup_sets[0].id'],
    ['set id (derived: text around it)', SETS('"db {{ vault_pw }} x"'), 'inv/host_vars/client.example.com.yml:2:9 error restic_backup_sets[0].id'],
    ['tag', SETS(undefined, '"{{ vault_pw }}"'), 'inv/host_vars/client.example.com.yml:5:12 error restic_backup_sets[0].tags[0]'],
    ['volume', SETS(undefined, undefined, '"v{{ vault_pw }}"'), 'inv/host_vars/client.example.com.yml:4:13 error restic_backup_sets[0].volume'],
    ['ansible_host', 'ansible_host: "{{ vault_pw }}"\n', 'inv/host_vars/client.example.com.yml:1:15 error ansible_host'],
    ['ansible_user', 'ansible_user: "{{ vault_pw }}"\n', 'inv/host_vars/client.example.com.yml:1:15 error ansible_user'],
    ['repository host', 'restic_repo: "{{ vault_pw }}.example.com:8080/backup"\n', 'inv/host_vars/client.example.com.yml:1:14 error restic_repo'],
    ['repository path', 'restic_repo: "server.example.com:8080/{{ vault_pw }}"\n', 'inv/host_vars/client.example.com.yml:1:14 error restic_repo'],
    ['client user', 'restic_client_user: "{{ vault_pw }}"\n', 'inv/host_vars/client.example.com.yml:1:21 error restic_client_user'],
  ])('%s', async (_name, hostVars, expected) => {
    const ds = await errorsOf({ 'host_vars/client.example.com.yml': hostVars });
    expect(ds.map(where)).toEqual([expected]);
    expect(ds[0]!.message).toMatch(/comes from a secret \(env VAULT_PW\), but .* is public/);
  });

  it.each([
    ['container name', 'restic_server_hostname: "{{ vault_pw }}"\n', 'restic_server_hostname'],
    ['backup dir', 'restic_server_backup_dir: "/srv/{{ vault_pw }}"\n', 'restic_server_backup_dir'],
    ['network', 'docker_network_name: "{{ vault_pw }}"\n', 'docker_network_name'],
    ['image', 'restic_server_image: "{{ vault_pw }}"\n', 'restic_server_image'],
  ])('server: %s', async (_name, hostVars, key) => {
    const ds = await errorsOf({ 'host_vars/server.example.com.yml': hostVars });
    expect(ds.map(where)).toEqual([`inv/host_vars/server.example.com.yml:1:${hostVars.indexOf('"') + 1} error ${key}`]);
  });

  it('a secret written out in a public field (any case, URL-encoded) is an error too', async () => {
    for (const [tag, col] of [[PW, 12], [PW.toLowerCase(), 12], [PW.toUpperCase(), 12]] as const) {
      const ds = await errorsOf({ 'host_vars/client.example.com.yml': SETS(`"x ${PW.toLowerCase()}"`, tag) });
      expect(ds.map(where)).toEqual([
        'inv/host_vars/client.example.com.yml:2:9 error restic_backup_sets[0].id',
        `inv/host_vars/client.example.com.yml:5:${col} error restic_backup_sets[0].tags[0]`,
      ]);
      expect(ds[0]!.message).toContain('contains the value of a secret (env VAULT_PW)');
    }
    const slashy = { VAULT_PW: 'pw/with space', VAULT_REPO_PW: 'repo-pw-for-public-tests' };
    const ds = await errorsOf({ 'host_vars/client.example.com.yml': SETS('"pw%2Fwith%20space"') }, slashy);
    expect(ds.map(where)).toEqual(['inv/host_vars/client.example.com.yml:2:9 error restic_backup_sets[0].id']);
  });

  it('a plain-text password pasted into a host name is an error at the host', async () => {
    const ds = await errorsOf({
      'hosts.yml': HOSTS.replace('client.example.com:', 'client.example.com:\n        plainpw-2k9x.example.com:'),
      'host_vars/client.example.com.yml': 'restic_repo_password: plainpw-2k9x\n',
    });
    expect(ds.map(where)).toEqual(['inv/hosts.yml:6:9 error -']);
    expect(ds[0]!.message).toContain('the host name is public');
  });
});

describe('positions of templated values', () => {
  it('a duplicated id points at the host_vars line where it is written, not at the variable it comes from', async () => {
    const ds = await errorsOf({
      'group_vars/all.yml': 'the_id: "odoo volume"\n',
      'host_vars/client.example.com.yml': `${SETS('"{{ the_id }}"')}  - id: "{{ the_id }}"\n    type: docker-volume\n    volume: odoo_data02\n`,
    });
    expect(ds.map(where)).toEqual(['inv/host_vars/client.example.com.yml:6:9 error restic_backup_sets[1].id']);
    expect(ds[0]!.message).toBe('duplicate id "odoo volume": restic_backup_sets[0] at inv/host_vars/client.example.com.yml:2:9 has the same id (ids must be unique per host)');
  });

  it('a duplicated id from a vault/env secret: one error per id at host_vars, the secret never quoted', async () => {
    const ds = await errorsOf({ 'host_vars/client.example.com.yml': `${SETS('"{{ vault_pw }}"')}  - id: "{{ vault_pw }}"\n    type: docker-volume\n    volume: odoo_data02\n` });
    expect(ds.map(where)).toEqual([
      'inv/host_vars/client.example.com.yml:2:9 error restic_backup_sets[0].id',
      'inv/host_vars/client.example.com.yml:6:9 error restic_backup_sets[1].id',
    ]);
  });
});

describe('masking knows the forms restic-fleet derives', () => {
  it('lower case (repository key, host) and the set-id slug of a secret are redacted', () => {
    new Secret('Mixed.Case Secret!42', 'test');
    expect(redact('key http://mixed.case secret!42:8080/x')).toBe('key http://***:8080/x');
    expect(redact('status/mixed-case-secret-42.json')).toBe('status/***.json');
  });

  it('a long secret is also known by its slug cut at 40 characters', () => {
    const long = 'A-very-long-secret-value-that-is-longer-than-forty-characters-9';
    new Secret(long, 'test');
    const slug40 = long.toLowerCase().slice(0, 40);
    expect(redact(`lock /var/lock/restic-fleet-${slug40}.lock`)).toBe('lock /var/lock/restic-fleet-***.lock');
  });
});
