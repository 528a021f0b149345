// Variable precedence, as Ansible applies it (checked against the real
// ansible-inventory when it is installed): all < parent < child < host, group_vars
// files over inline group vars, siblings by name (or ansible_group_priority),
// group_vars/<g>/ read in lexical order, host_vars dirs, YAML 1.1 semantics.
import { runOracle } from '../../support/oracle.js';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadInventoryCollecting } from '../../../src/inventory/loader.js';
import type { HostVars, LoadedInventory } from '../../../src/inventory/types.js';
import { FIXTURES, show, where } from './helpers.js';

let inv: LoadedInventory;
let diagnostics: Awaited<ReturnType<typeof loadInventoryCollecting>>['diagnostics'];
const host = (name: string): HostVars => inv.hosts.find((h) => h.name === name)!;

beforeAll(async () => {
  ({ inventory: inv, diagnostics } = await loadInventoryCollecting({ repoRoot: FIXTURES, inventoryDir: 'precedence', env: {} }));
});

describe('precedence corpus', () => {
  it('has hosts sorted by name, host ranges expanded, and only warnings', () => {
    expect(inv.hosts.map((h) => h.name)).toEqual([
      'h1.example.com', 'h2.example.com', 'jump.example.com', 'lonely.example.com',
      'web01.example.com', 'web02.example.com', 'web03.example.com',
    ]);
    expect(diagnostics.map(where)).toEqual([
      'precedence/group_vars/child.yml:1:1 warning -',
      'precedence/group_vars/nosuchgroup.yml:1:1 warning -',
      'precedence/host_vars/h1.example.com.yml:3:1 warning -',
      'precedence/host_vars/nosuchhost.yml:1:1 warning -',
    ]);
    expect(show(diagnostics)).toContain('ignored: precedence/group_vars/child is read instead');
    expect(show(diagnostics)).toContain('no group named "nosuchgroup" in the inventory');
    expect(show(diagnostics)).toContain('duplicate key "restic_host_dup" (first at line 2); the last one wins');
  });

  it('applies all < parent < child, with group_vars files over every inline group var', () => {
    // inline: all < parent < child; then files: all.yml < parent.yml < child/10-first.yml < child/20-second.yml
    expect(host('h1.example.com').vars.restic_level).toBe('child-dir-second');
    expect(host('h2.example.com').vars.restic_level).toBe('child-dir-second');
    expect(host('lonely.example.com').vars.restic_level).toBe('all-file');
    // Ansible loads every inline group var (any depth) before group_vars/all.yml
    expect(host('h1.example.com').vars.restic_inline_vs_all_file).toBe('all-file');
  });

  it('reads group_vars/<g>/ (lexical order) and ignores <g>.yml beside it, as Ansible does', () => {
    expect(host('h1.example.com').vars.restic_dir_vs_file).toBe('dir');
    expect(host('h1.example.com').vars.restic_in_dir).toBe('first');
    expect(host('h1.example.com').posOf(['restic_level'])).toEqual({ file: 'precedence/group_vars/child/20-second.yml', line: 1, col: 15 });
  });

  it('merges siblings by depth, then priority, then name', () => {
    const h1 = host('h1.example.com').vars;
    expect(h1.restic_sibling).toBe('beta'); // alpha < beta
    expect(h1.restic_sibling_prio).toBe('prio'); // ansible_group_priority 10 beats zulu's default 1
    expect(h1.restic_depth).toBe('child'); // depth 2 beats alpha at depth 1
  });

  it('puts host variables above groups: inline < host_vars file or directory', () => {
    const h1 = host('h1.example.com').vars;
    expect(h1.restic_host_level).toBe('host-inline');
    expect(h1.restic_host_file_vs_inline).toBe('host-file');
    expect(h1.restic_host_dup).toBe('two');
    const h2 = host('h2.example.com');
    expect(h2.vars.restic_host_dir).toBe('b'); // a.yml < b.yaml
    expect(h2.vars.restic_host_nested).toEqual({ items: ['first', { second: 'deep' }] });
    expect(h2.posOf(['restic_host_nested', 'items', 1, 'second'])).toEqual({ file: 'precedence/host_vars/h2.example.com/a.yml', line: 5, col: 15 });
  });

  it('provides inventory_hostname, group_names and groups to templates', () => {
    const h1 = host('h1.example.com').vars;
    expect(h1.restic_me).toBe('h1.example.com');
    expect(h1.restic_my_groups).toBe('alpha,beta,child,parent,prio,zulu');
    expect(h1.restic_child_hosts).toEqual(['h1.example.com', 'h2.example.com']); // whole-string template keeps the list
    expect(host('lonely.example.com').vars.restic_my_groups).toBe('ungrouped');
    expect(host('web02.example.com').groupNames).toEqual(['web']);
    expect(inv.groups.web).toEqual(['web01.example.com', 'web02.example.com', 'web03.example.com']);
    expect(inv.groups.parent).toEqual(['h1.example.com', 'h2.example.com']); // through its child
  });

  it('reads YAML 1.1 like Ansible: yes/off booleans, 0755 octal, << merge keys', () => {
    const v = host('lonely.example.com').vars;
    expect(v.restic_yaml11_bool).toBe(true);
    expect(v.restic_yaml11_off).toBe(false);
    expect(v.restic_yaml11_octal).toBe(493);
    expect(v.restic_yaml12_string).toBe('yes');
    expect(v.restic_merged).toEqual({ hour: '3', minute: '45' });
    // a merged key points at the anchor it came from
    expect(host('lonely.example.com').posOf(['restic_merged', 'hour'])).toEqual({ file: 'precedence/group_vars/all.yml', line: 11, col: 9 });
  });

  it('takes "host:port" in hosts.yml as ansible_port', () => {
    expect(host('jump.example.com').vars.ansible_port).toBe(2222);
  });
});

// The oracle: the same inventory through Ansible itself. Templates stay unrendered
// in ansible-inventory's output, so only literal variables are compared.
const ANSIBLE_INVENTORY = '/usr/bin/ansible-inventory';
describe.runIf(runOracle(existsSync(ANSIBLE_INVENTORY)))('agrees with ansible-inventory', () => {
  it('on every literal restic_* / ansible_port variable of every host', async () => {
    const { stdout } = await promisify(execFile)(ANSIBLE_INVENTORY, ['-i', `${FIXTURES}/precedence`, '--list'], {
      env: { ...process.env, ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false' },
      timeout: 60_000,
    });
    const hostvars = (JSON.parse(stdout) as { _meta: { hostvars: Record<string, Record<string, unknown>> } })._meta.hostvars;
    expect(Object.keys(hostvars).sort()).toEqual(inv.hosts.map((h) => h.name));
    for (const h of inv.hosts) {
      const theirs = Object.fromEntries(
        Object.entries(hostvars[h.name]!).filter(([k, v]) => (k.startsWith('restic_') || k === 'ansible_port') && !JSON.stringify(v).includes('{{')),
      );
      const ours = Object.fromEntries(Object.entries(h.vars).filter(([k]) => k in theirs));
      expect(ours, h.name).toEqual(theirs);
      expect(Object.keys(theirs).length, h.name).toBeGreaterThan(5);
    }
  }, 60_000);
});

describe('inventory layout', () => {
  it('accepts hosts.yaml, warns about an empty inventory, and errors without a hosts file', async () => {
    const { writeInventory } = await import('./helpers.js');
    const yaml = await writeInventory({ 'hosts.yaml': 'all:\n  hosts:\n    a.example.com:\n' });
    const r1 = await loadInventoryCollecting({ repoRoot: yaml, inventoryDir: 'inv', env: {} });
    expect(r1.inventory.hosts.map((h) => h.name)).toEqual(['a.example.com']);
    const empty = await writeInventory({ 'hosts.yml': '# nothing yet\n' });
    const r2 = await loadInventoryCollecting({ repoRoot: empty, inventoryDir: 'inv', env: {} });
    expect(r2.diagnostics.map(where)).toEqual(['inv/hosts.yml:1:1 warning -']);
    const none = await writeInventory({ 'group_vars/all.yml': 'a: 1\n' });
    const r3 = await loadInventoryCollecting({ repoRoot: none, inventoryDir: 'inv', env: {} });
    expect(r3.diagnostics).toEqual([{ severity: 'error', message: 'no hosts.yml (or hosts.yaml) in inventory directory inv' }]);
    const r4 = await loadInventoryCollecting({ repoRoot: none, inventoryDir: 'missing', env: {} });
    expect(r4.diagnostics[0]!.message).toBe('inventory directory missing does not exist or is not readable');
  });

  it('reads a hosts.yml encrypted with ansible-vault', async () => {
    const { readFileSync } = await import('node:fs');
    const { writeInventory, VAULT_PASSWORD } = await import('./helpers.js');
    // group_vars/server/vault.yml of the seed fixture is a valid mapping; as hosts.yml it defines group "vault_restic_server_password"
    const enc = readFileSync(`${FIXTURES}/seed-vault/inventories/backup/group_vars/server/vault.yml`, 'utf8');
    const root = await writeInventory({ 'hosts.yml': enc });
    const r = await loadInventoryCollecting({ repoRoot: root, inventoryDir: 'inv', env: {}, vaultPassword: VAULT_PASSWORD });
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      'skipping "vault_restic_server_password": a group must be a mapping with hosts, vars or children',
      'the inventory has no hosts',
    ]);
  });
});
