// The inventory is a jail and its work is bounded (issue 12, items 2 and 3), in process:
// links out, FIFOs, devices, directory links and an inventory outside the workspace are
// refused before anything is opened; alias bombs, host-range explosions, doubling
// templates, deep chains and shared values over many hosts stop at a cap with the
// file:line:col of a value in the chain. The same inputs run through the built action
// and CLI, with CPU and memory bounds, in test/unit/hostile/.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandHostPattern } from '../../../src/inventory/host-pattern.js';
import { loadConfig, type Diagnostic } from '../../../src/inventory/index.js';
import { LIMITS } from '../../../src/inventory/limits.js';
import { InventoryError } from '../../../src/inventory/types.js';
import { parseYaml } from '../../../src/inventory/yaml-source.js';
import { FIXTURES, show, VAULT_PASSWORD } from './helpers.js';

const temp: string[] = [];
afterAll(() => temp.forEach((d) => rmSync(d, { recursive: true, force: true })));

const HOSTS = 'all:\n  children:\n    client:\n      hosts:\n        client.example.com:\n';
const CLIENT = 'restic_repo: server.example.com:8080/backup\nrestic_repo_password: "{{ vault_pw }}"\n';
const ENV = { VAULT_PW: 'Jail-Canary-Repo-Pw-7f3a9c' };
const OUTSIDE_SECRET = 'Outside-Canary-Do-Not-Read-41d2e8';

/** A workspace with an inventory in `inv/`, and a directory next to the workspace holding a "secret" file. */
function setup(files: Record<string, string>): { ws: string; inv: string; outside: string } {
  const base = mkdtempSync(join(tmpdir(), 'rf-jail-'));
  temp.push(base);
  const ws = join(base, 'ws');
  const inv = join(ws, 'inv');
  const outside = join(base, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'shadow'), `root: ${OUTSIDE_SECRET}\n`);
  for (const [p, text] of Object.entries({ 'hosts.yml': HOSTS, 'group_vars/client.yml': CLIENT, ...files })) {
    mkdirSync(join(inv, p, '..'), { recursive: true });
    writeFileSync(join(inv, p), text);
  }
  return { ws, inv, outside };
}

async function diagnostics(ws: string, inv = 'inv', env: Record<string, string> = ENV): Promise<Diagnostic[]> {
  const err = await loadConfig({ repoRoot: ws, inventoryDir: inv, env }).then(() => undefined, (e: unknown) => e);
  expect(err, 'should not load').toBeInstanceOf(InventoryError);
  return (err as InventoryError).diagnostics.filter((d) => d.severity === 'error');
}

const at = (d: Diagnostic) => (d.pos ? `${d.pos.file}:${d.pos.line}:${d.pos.col}` : '-');

describe('the inventory is a jail', () => {
  it('a host_vars file linked out of the inventory is an error naming the link, never the target or its content', async () => {
    const { ws, inv, outside } = setup({});
    mkdirSync(join(inv, 'host_vars'));
    symlinkSync(join(outside, 'shadow'), join(inv, 'host_vars/client.example.com.yml'));
    const ds = await diagnostics(ws);
    expect(ds.map(at)).toEqual(['inv/host_vars/client.example.com.yml:1:1']);
    expect(ds[0]!.message).toContain('leads outside the inventory');
    expect(show(ds)).not.toContain(OUTSIDE_SECRET);
    expect(show(ds)).not.toContain(outside);
  });

  it('a link that stays inside the inventory is read', async () => {
    const { ws, inv } = setup({ 'shared/client.yml': 'restic_backup_sets: []\n' });
    mkdirSync(join(inv, 'host_vars'));
    symlinkSync('../shared/client.yml', join(inv, 'host_vars/client.example.com.yml'));
    const r = await loadConfig({ repoRoot: ws, inventoryDir: 'inv', env: ENV });
    expect(r.hosts.map((h) => h.name)).toEqual(['client.example.com']);
  });

  it('a FIFO, /dev/zero and a host_vars directory linked to /etc-like outside dir are refused without being opened or walked', async () => {
    const { ws, inv, outside } = setup({});
    mkdirSync(join(inv, 'host_vars'));
    execFileSync('mkfifo', [join(inv, 'group_vars/all.yml')]);
    symlinkSync('/dev/zero', join(inv, 'host_vars/client.example.com.yml'));
    mkdirSync(join(outside, 'etc'));
    writeFileSync(join(outside, 'etc', 'passwd.yml'), `x: ${OUTSIDE_SECRET}\n`);
    symlinkSync(join(outside, 'etc'), join(inv, 'group_vars/client2'));
    const ds = await diagnostics(ws);
    const text = show(ds);
    expect(text).toContain('inv/group_vars/all.yml:1:1: error: inv/group_vars/all.yml is a FIFO (named pipe), not a regular file');
    // /dev/zero resolves outside the inventory: refused as a link out, before its kind matters.
    expect(text).toContain('inv/host_vars/client.example.com.yml:1:1: error: inv/host_vars/client.example.com.yml is a symbolic link');
    expect(text).not.toContain(OUTSIDE_SECRET);
  });

  it('a directory link out under host_vars/<host> is refused, not read recursively', async () => {
    const { ws, inv, outside } = setup({});
    mkdirSync(join(inv, 'host_vars'));
    mkdirSync(join(outside, 'etc'));
    writeFileSync(join(outside, 'etc', 'vars.yml'), `restic_backup_sets: ${OUTSIDE_SECRET}\n`);
    symlinkSync(join(outside, 'etc'), join(inv, 'host_vars/client.example.com'));
    const ds = await diagnostics(ws);
    expect(ds.map(at)).toEqual(['inv/host_vars/client.example.com:1:1']);
    expect(show(ds)).not.toContain(OUTSIDE_SECRET);
  });

  it('an inventory directory outside the workspace (given outright, or as a link) is refused', async () => {
    const { ws, outside } = setup({});
    writeFileSync(join(outside, 'hosts.yml'), HOSTS);
    const direct = await diagnostics(ws, outside);
    expect(direct[0]!.message).toContain('is outside the workspace');
    symlinkSync(outside, join(ws, 'linked'));
    const linked = await diagnostics(ws, 'linked');
    expect(linked[0]!.message).toBe('inventory directory linked is outside the workspace (repository root): only an inventory inside it is read');
  });

  it('a file over the per-file cap is refused by its size (not parsed), naming the file and the cap', async () => {
    const { ws } = setup({ 'group_vars/all.yml': `x: "${'a'.repeat(5 * 1024 * 1024)}"\n` });
    const t0 = process.cpuUsage();
    const ds = await diagnostics(ws);
    const cpu = process.cpuUsage(t0);
    expect(ds.map((d) => `${at(d)} ${d.message}`)).toEqual(['inv/group_vars/all.yml:1:1 inv/group_vars/all.yml is 5242886 bytes, over the 256 KiB cap per file: not read']);
    expect((cpu.user + cpu.system) / 1e6).toBeLessThan(1);
  });

  it('files over the total cap: the file that crosses it is refused, naming the cap', async () => {
    const chunk = `# ${'x'.repeat(LIMITS.fileBytes - 100)}\n`;
    const files: Record<string, string> = {};
    for (let i = 0; i < 5; i++) files[`group_vars/client/part${i}.yml`] = chunk;
    const { ws } = setup(files);
    const ds = await diagnostics(ws);
    expect(show(ds)).toContain("the inventory's files together are over the 1 MiB cap");
  });
});

describe('bounded work', () => {
  const laughs = (key: string) => {
    const lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) lines.push(`l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(', ')}]`);
    lines.push(`${key}: *l9`);
    return `${lines.join('\n')}\n`;
  };

  it.each(['restic_backup_sets', 'docker_network_name', 'restic_server_options'])('a billion-laughs document under %s stops at the alias that crosses the node cap', async (key) => {
    const { ws } = setup({ 'group_vars/all.yml': laughs(key) });
    const t0 = Date.now();
    const ds = await diagnostics(ws);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(ds.map((d) => `${at(d)} ${d.message}`)).toEqual([
      `inv/group_vars/all.yml:5:55 YAML expands to more than ${LIMITS.yamlNodes} nodes (through the alias *l3), counting each use of an alias (the cap; a "billion laughs" document)`,
    ]);
  });

  it('aliases are resolved once each: 20,000 aliases of one anchor parse in linear time', () => {
    const text = `a: &a x\nl: [${Array.from({ length: 20000 }, () => '*a').join(',')}]\n`;
    const t0 = process.cpuUsage();
    const r = parseYaml(text, 'f.yml');
    const cpu = process.cpuUsage(t0);
    expect(r.diagnostics).toEqual([]);
    expect(r.root?.kind).toBe('map');
    expect((cpu.user + cpu.system) / 1e6).toBeLessThan(1.5);
  });

  it('deep nesting is refused before the parser recurses', () => {
    const r = parseYaml(`x: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, 'deep.yml');
    expect(r.diagnostics.map((d) => `${at(d)} ${d.message}`)).toEqual([`deep.yml:1:${4 + LIMITS.yamlDepth} YAML nested deeper than ${LIMITS.yamlDepth} levels (the cap)`]);
    const dashes = parseYaml(`x:\n${'- '.repeat(50_000)}a\n`, 'dash.yml');
    expect(dashes.diagnostics[0]!.message).toContain('nested deeper');
  });

  // Expanding 10^8 names would exhaust memory: returning this error at all shows the check ran first.
  it('host ranges: the product is checked before expanding', () => {
    expect(expandHostPattern('web[0:9999]x[0:9999]')).toEqual({ error: `host pattern "web[0:9999]x[0:9999]" expands to 100000000 hosts, over the cap of ${LIMITS.hosts} hosts (checked before expanding)` });
    expect(expandHostPattern('a[0:99999999999]b[0:99999999999]c[0:99999999999]')).toMatchObject({ error: expect.stringContaining('more than 10^15') });
    expect(expandHostPattern('web[01:03]-[a:b]')).toEqual({ hosts: ['web01-a', 'web01-b', 'web02-a', 'web02-b', 'web03-a', 'web03-b'] });
  });

  it('the inventory as a whole is capped in hosts, at the entry that crosses it', async () => {
    const half = Math.ceil(LIMITS.hosts / 2) + 10;
    const { ws } = setup({ 'hosts.yml': `all:\n  hosts:\n    a[1:${half}]:\n    b[1:${half}]:\n` });
    const ds = await diagnostics(ws);
    expect(ds.map((d) => `${at(d)} ${d.message}`)).toEqual([`inv/hosts.yml:4:5 the inventory has more than ${LIMITS.hosts} hosts (the cap): "b[1:${half}]" and the hosts after it are not read`]);
  });

  it('a doubling template stops at the length cap, at a variable of the chain', async () => {
    const lines = ['x0: "ab"'];
    for (let i = 1; i <= 40; i++) lines.push(`x${i}: "{{ x${i - 1} }}{{ x${i - 1} }}"`);
    lines.push('restic_repo: "server.example.com:8080/{{ x40 }}"');
    const { ws } = setup({ 'host_vars/client.example.com.yml': `${lines.join('\n')}\n` });
    const ds = await diagnostics(ws);
    // "ab" doubled 15 times is 65536 characters; the 16th doubling is over.
    expect(ds.map((d) => `${at(d)} ${d.message}`)).toEqual([`inv/host_vars/client.example.com.yml:17:6 the template's result is longer than ${LIMITS.templateChars} characters (the cap)`]);
  });

  it('a long chain of templates stops at the depth cap', async () => {
    const lines = ['v0: "x"'];
    for (let i = 1; i <= 5000; i++) lines.push(`v${i}: "{{ v${i - 1} }}"`);
    lines.push('restic_repo: "{{ v5000 }}"');
    const { ws } = setup({ 'host_vars/client.example.com.yml': `${lines.join('\n')}\n` });
    const ds = await diagnostics(ws);
    expect(ds).toHaveLength(1);
    expect(ds[0]!.message).toContain(`templates nested deeper than ${LIMITS.templateDepth} variables (the cap): restic_repo → v5000 → … →`);
  });

  it('a shared value counted per host and per use stops at the value cap (a list doubling through whole templates)', async () => {
    const lines = ['x0: [a, b]'];
    for (let i = 1; i <= 40; i++) lines.push(`x${i}: ["{{ x${i - 1} }}", "{{ x${i - 1} }}"]`);
    lines.push('restic_backup_sets: "{{ x40 }}"');
    const { ws } = setup({ 'group_vars/client.yml': `${CLIENT}${lines.join('\n')}\n` });
    const t0 = Date.now();
    const ds = await diagnostics(ws);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(ds).toHaveLength(1);
    expect(ds[0]!.message).toContain(`more than ${LIMITS.valueNodes} values over all hosts (the cap`);
    expect(ds[0]!.pos?.file).toBe('inv/group_vars/client.yml');
  });

  it('vault decryptions are capped (each is a deliberately slow key derivation)', async () => {
    const vault = readFileSync(join(FIXTURES, 'seed-vault/inventories/backup/group_vars/client/vault.yml'), 'utf8');
    const files: Record<string, string> = {};
    for (let i = 0; i <= LIMITS.vaultDecrypts; i++) files[`group_vars/client/v${String(i).padStart(2, '0')}.yml`] = vault;
    const { ws } = setup(files);
    const err = await loadConfig({ repoRoot: ws, inventoryDir: 'inv', env: ENV, vaultPassword: VAULT_PASSWORD }).then(() => undefined, (e: unknown) => e);
    const ds = (err as InventoryError).diagnostics.filter((d) => d.severity === 'error');
    expect(ds).toHaveLength(1);
    expect(ds[0]!.message).toContain(`more than ${LIMITS.vaultDecrypts} ansible-vault decryptions in one inventory (the cap`);
  });
});
