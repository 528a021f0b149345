// Host names are inventory names (issue 12, item 6): RFC 1123 labels, ASCII only, checked
// at load time with file:line:col whatever ansible_host says; host ranges still expand.
// Docker's predefined networks are refused as docker_network_name.
import { describe, expect, it } from 'vitest';
import { hostNameProblem, mixedScripts } from '../../../src/inventory/host-name.js';
import { InventoryError, loadConfig } from '../../../src/inventory/index.js';
import { where, writeInventory } from './helpers.js';

async function load(hostsYml: string, files: Record<string, string> = {}) {
  const root = await writeInventory({ 'hosts.yml': hostsYml, ...files });
  return loadConfig({ repoRoot: root, inventoryDir: 'inv', env: {} }).then(
    (r) => ({ hosts: r.hosts.map((h) => h.name), diagnostics: r.diagnostics }),
    (e: unknown) => {
      if (!(e instanceof InventoryError)) throw e;
      return { hosts: [] as string[], diagnostics: e.diagnostics };
    },
  );
}

const CYRILLIC_C = '\u0441'; // looks like Latin "c"

describe('hostNameProblem', () => {
  it.each(['client.example.com', 'web01', 'a', '192.0.2.10', 'x-1.y-2', 'UPPER.Example.COM', '::1', '2001:db8::10', `${'a'.repeat(63)}.example.com`])(
    '%s is valid',
    (name) => expect(hostNameProblem(name)).toBeUndefined(),
  );

  it.each([
    ['client.example.com;touch${IFS}pwned', 'contains ";"'],
    ['host name', 'contains a space'],
    ['a\nb', 'contains a control character'],
    ['a\r::error::x', 'contains a control character'],
    ['$(id)', 'contains "$"'],
    [`${CYRILLIC_C}lient.example.com`, 'U+0441, a Cyrillic letter): host names are ASCII only; it mixes Cyrillic and Latin letters'],
    ['ex\u0430mple', 'U+0430, a Cyrillic letter'],
    ['caf\u00e9', 'U+00E9, a Latin letter'],
    ['-oProxyCommand=x', 'contains "="'],
    ['-leading', 'starting or ending with "-"'],
    ['trailing-.example.com', 'starting or ending with "-"'],
    ['a..b', 'empty label'],
    ['.a', 'empty label'],
    ['a.', 'empty label'],
    ['under_score', 'contains "_"'],
    [`${'a'.repeat(64)}.example.com`, 'longer than 63'],
    [Array(130).fill('ab').join('.'), 'longer than 253'],
    ['', 'is empty'],
    ['1:2:3', 'contains ":"'],
  ])('%j is rejected (%s)', (name, why) => {
    expect(hostNameProblem(name)).toContain(why);
  });

  it('names the scripts when a word mixes them (the homoglyph case), and only then', () => {
    expect(mixedScripts(`${CYRILLIC_C}lient`)).toBe(`mixes Cyrillic and Latin letters in "${CYRILLIC_C}lient"`);
    expect(mixedScripts('odoo том')).toBeUndefined();
    expect(mixedScripts('odoo volume')).toBeUndefined();
  });
});

describe('host names at load time', () => {
  it('a bad name is an error at its hosts.yml position even with ansible_host set', async () => {
    const { hosts, diagnostics } = await load(
      [
        'all:',
        '  hosts:',
        '    good.example.com:',
        '    "client.example.com;touch${IFS}pwned":',
        '      ansible_host: 127.0.0.1',
        `    ${CYRILLIC_C}lient.example.com:`,
        '      ansible_host: 127.0.0.1',
        '    "new\\nline.example.com":',
        '      ansible_host: 127.0.0.1',
        '',
      ].join('\n'),
    );
    expect(hosts).toEqual([]);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map(where)).toEqual(['inv/hosts.yml:4:5 error -', 'inv/hosts.yml:6:5 error -', 'inv/hosts.yml:8:5 error -']);
    expect(errors[0]!.message).toBe('host name "client.example.com;touch${IFS}pwned" contains ";" (letters, digits and "-" in labels separated by ".")');
    expect(errors[1]!.message).toContain('Cyrillic');
    // The newline is shown, not printed: the message is one line.
    expect(errors[2]!.message).toContain('"new\\nline.example.com"');
    expect(errors[2]!.message).not.toContain('\n');
  });

  it('host ranges still work (they expand to valid names); a range that yields a bad name is an error', async () => {
    const ok = await load('all:\n  hosts:\n    web[01:03].example.com:\n    db-[a:c]:\n');
    expect(ok.hosts).toEqual(['db-a', 'db-b', 'db-c', 'web01.example.com', 'web02.example.com', 'web03.example.com']);
    const bad = await load('all:\n  hosts:\n    "web[01:03]_x":\n');
    expect(bad.diagnostics.filter((d) => d.severity === 'error').map((d) => `${where(d)} ${d.message}`)).toEqual([
      'inv/hosts.yml:3:5 error - host name "web01_x" (from "web[01:03]_x") contains "_" (letters, digits and "-" in labels separated by ".")',
    ]);
  });

  it('host:port still sets the port', async () => {
    const { hosts } = await load('all:\n  hosts:\n    h1.example.com:2222:\n');
    expect(hosts).toEqual(['h1.example.com']);
  });
});

describe('docker_network_name', () => {
  const SERVER = 'restic_server_image: restic/rest-server:0.14.0\nrestic_server_user: admin\nrestic_server_password: !unsafe "plain-pw-for-net"\n';
  it.each(['host', 'none', 'bridge', 'HOST'])('%s is refused', async (net) => {
    const { diagnostics } = await load('all:\n  hosts:\n    s.example.com:\n', { 'group_vars/all.yml': `${SERVER}docker_network_name: ${net}\n` });
    const errors = diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map(where)).toEqual(['inv/group_vars/all.yml:4:22 error docker_network_name']);
    expect(errors[0]!.message).toContain("not Docker's predefined");
  });

  it('a user-defined name (the seed\'s example.com) is fine', async () => {
    const { diagnostics } = await load('all:\n  hosts:\n    s.example.com:\n', { 'group_vars/all.yml': `${SERVER}docker_network_name: example.com\n` });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

describe('set ids that mix scripts', () => {
  it('are accepted with a warning at the id', async () => {
    const { diagnostics } = await load('all:\n  hosts:\n    c.example.com:\n', {
      'group_vars/all.yml': `restic_repo: s.example.com:8000/x\nrestic_repo_password: !unsafe plain-pw-x\nrestic_backup_sets:\n  - id: "\u043edoo volume"\n    type: docker-volume\n    volume: odoo_data\n`,
    });
    const warnings = diagnostics.filter((d) => d.key === 'restic_backup_sets[0].id');
    expect(warnings.map((d) => `${where(d)} ${d.message}`)).toEqual([
      'inv/group_vars/all.yml:4:9 warning restic_backup_sets[0].id mixes Cyrillic and Latin letters in "\u043edoo": ids that look alike may be different sets (a look-alike letter from another script)',
    ]);
  });
});
