/**
 * Hostile inventories for the output channel, secrets in every form and host names
 * (issue 12, items 1, 4 and 6, and the "smaller ones"). Each case is one small edit of the
 * seed inventory (test/fixtures/inventories/seed/inventories/backup):
 *
 * - files: paths relative to the inventory directory (the one holding hosts.yml); the new
 *   content, or null to delete the file.
 * - env: the step's environment, complete (the seed's secrets are included where needed).
 * - expect.exit: what `validate` (and the offline plan) exits with.
 * - expect.file / expect.line: a diagnostic (an error when exit is 1, else a warning) is
 *   at this file (relative to the inventory directory, like `files`) and line.
 * - expect.mentions: substrings of the diagnostics as a door prints them: redacted, and
 *   control characters shown as text (`\n`, `\r`, `\x1b`), so a printed line is one record.
 *
 * Whatever the case, the output must hold no line the runner would execute but the
 * action's own, no raw control character, and no env value in any form.
 */

export interface HostileCase {
  name: string;
  files: Record<string, string | null>;
  env?: Record<string, string>;
  expect: { exit: 0 | 1; file?: string; line?: number; mentions?: string[] };
}

export const SEED_SECRETS = {
  VAULT_RESTIC_CLIENT_PASSWORD: 'Hostile-Http-Pw-4d5e6f',
  VAULT_RESTIC_SERVER_PASSWORD: 'Hostile-Http-Pw-4d5e6f',
  VAULT_RESTIC_REPO_PASSWORD: 'Hostile-Repo-Pw-7a8b9c',
};

/** Runner variables a pull request would like to read. */
const RUNNER_ENV = {
  ACTIONS_RUNTIME_TOKEN: 'hostile-actions-runtime-token-1f2e3d4c',
  GITHUB_TOKEN: 'ghs_hostileGithubToken5b6a7988',
  RUNNER_TEMP: '/home/runner/work/_temp',
};

const CLIENT_VARS_FILE = 'group_vars/client/vars.yml';
const CLIENT_HOST_FILE = 'host_vars/client.example.com.yml';
const SERVER_HOST_FILE = 'host_vars/server.example.com.yml';

/** The seed's group_vars/client/vars.yml with lines replaced (1-based) and lines appended. */
function clientVars(replace: Record<number, string> = {}, append: string[] = []): string {
  const lines = [
    'restic_client_package: "restic=0.8.3+ds-1"',
    'restic_client_user: admin',
    'restic_client_password: "{{ vault_restic_client_password }}"',
    'restic_repo: server.example.com:8080/backup',
    'restic_repo_password: "{{ vault_restic_repo_password }}"',
  ];
  for (const [n, l] of Object.entries(replace)) lines[Number(n) - 1] = l;
  return `${[...lines, ...append].join('\n')}\n`;
}

/**
 * The seed's host_vars/client.example.com.yml, with the first set's id (line 2), volume
 * (line 4) and first tag (line 6), and the second set's id (line 10) replaced. Values are
 * written as given (quote them).
 */
function clientSets(o: { id0?: string; volume0?: string; tag0?: string; id1?: string } = {}): string {
  return [
    'restic_backup_sets:',
    ` - id: ${o.id0 ?? '"odoo volume"'}`,
    '   type: docker-volume',
    `   volume: ${o.volume0 ?? 'odoo_data01'}`,
    '   tags:',
    `    - ${o.tag0 ?? 'odoo01'}`,
    '    - postgres01',
    '   hour: "1"',
    '   minute: "0"',
    ` - id: ${o.id1 ?? '"postgres volume"'}`,
    '   type: docker-volume',
    '   volume: postgres_data01',
    '   tags:',
    '    - odoo01',
    '    - postgres01',
    '   hour: "1"',
    '   minute: "0"',
    'restic_backup_rotation:',
    '  daily: 7',
    '  weekly: 4',
    '  monthly: 1',
    '',
  ].join('\n');
}

/** hosts.yml with one more client host (written as a YAML double-quoted key) on line 5. */
function hostsWithClient(name: string, ansibleHost = true): string {
  return [
    'all:',
    '  children:',
    '    client:',
    '      hosts:',
    `        ${JSON.stringify(name)}:`,
    ...(ansibleHost ? ['          ansible_host: 127.0.0.1'] : []),
    '        client.example.com:',
    '    server:',
    '      hosts:',
    '        server.example.com:',
    '',
  ].join('\n');
}

const SERVER_HOST = (extra: string) => `restic_server_hostname: restic01\nrestic_server_backup_dir: /path/to/mount\n${extra}\n`;

const env = (extra: Record<string, string> = {}) => ({ ...SEED_SECRETS, ...extra });

export const outputCases: HostileCase[] = [
  // ---- 1. workflow commands and control characters in inventory text ----------------------
  {
    name: 'variable name with a newline and a forged ::error annotation',
    files: { [CLIENT_VARS_FILE]: clientVars({}, ['"restic_x\\n::error file=x::forged": 1']) },
    env: env(),
    expect: { exit: 1, file: CLIENT_VARS_FILE, line: 6, mentions: ['restic_x\\n::error file=x::forged', 'unknown variable'] },
  },
  {
    name: 'variable name with a newline and ::stop-commands::',
    files: { [CLIENT_VARS_FILE]: clientVars({}, ['"restic_y\\n::stop-commands::forged": 1']) },
    env: env(),
    expect: { exit: 1, file: CLIENT_VARS_FILE, line: 6, mentions: ['restic_y\\n::stop-commands::forged'] },
  },
  {
    name: 'variable name with a lone CR before a command',
    files: { [CLIENT_VARS_FILE]: clientVars({}, ['"restic_z\\r::error::forged": 1']) },
    env: env(),
    expect: { exit: 1, file: CLIENT_VARS_FILE, line: 6, mentions: ['restic_z\\r::error::forged'] },
  },
  {
    name: 'variable name with CRLF, white space and ::add-mask::',
    files: { [CLIENT_VARS_FILE]: clientVars({}, ['"restic_w\\r\\n \\t::add-mask::forged": 1']) },
    env: env(),
    expect: { exit: 1, file: CLIENT_VARS_FILE, line: 6, mentions: ['restic_w\\r\\n'] },
  },
  {
    name: 'variable name with terminal escape sequences and NUL',
    files: { [CLIENT_VARS_FILE]: clientVars({}, ['"restic_esc\\e[2J\\e]0;pwned\\a\\0": 1']) },
    env: env(),
    expect: { exit: 1, file: CLIENT_VARS_FILE, line: 6, mentions: ['restic_esc\\x1b[2J\\x1b]0;pwned\\x07\\x00'] },
  },
  {
    name: 'variable name with the legacy ##[command] form',
    files: { [CLIENT_VARS_FILE]: clientVars({}, ['"restic_legacy ##[add-mask]forged": 1']) },
    env: env(),
    expect: { exit: 1, file: CLIENT_VARS_FILE, line: 6, mentions: ['restic_legacy #'] },
  },
  {
    name: 'unknown key inside a backup set with a newline and a command',
    files: { [CLIENT_HOST_FILE]: clientSets({ volume0: 'odoo_data01\n   "x\\n::error file=x::forged": 1' }) },
    env: env(),
    expect: { exit: 1, file: CLIENT_HOST_FILE, line: 5, mentions: ['unknown key "x\\n::error file=x::forged"'] },
  },
  {
    name: 'duplicated set id with a newline and a forged command (quoted in the duplicate message)',
    files: { [CLIENT_HOST_FILE]: clientSets({ id0: '"odoo\\n::error file=x::forged"', id1: '"odoo\\n::error file=x::forged"' }) },
    env: env(),
    expect: { exit: 1, file: CLIENT_HOST_FILE, line: 10, mentions: ['duplicate id "odoo\\n::error file=x::forged"'] },
  },
  {
    name: 'tag with a newline and ::stop-commands::',
    files: { [CLIENT_HOST_FILE]: clientSets({ tag0: '"t\\n::stop-commands::forged"' }) },
    env: env(),
    expect: { exit: 1, file: CLIENT_HOST_FILE, line: 6, mentions: ['restic_backup_sets[0].tags[0]', 'control character'] },
  },
  {
    name: 'valid set id that starts with a workflow command',
    files: { [CLIENT_HOST_FILE]: clientSets({ id0: '"::error file=y::forged"' }) },
    env: env(),
    expect: { exit: 0 },
  },
  {
    name: 'valid set id with the legacy ##[add-mask] form and non-breaking white space',
    files: { [CLIENT_HOST_FILE]: clientSets({ id0: '"\\u00a0::stop-commands::forged ##[add-mask]odoo"' }) },
    env: env(),
    expect: { exit: 0 },
  },
  {
    name: 'valid set id with a Unicode line separator and a bidi override',
    files: { [CLIENT_HOST_FILE]: clientSets({ id0: '"odoo\\u2028::error::forged \\u202eemulov"' }) },
    env: env(),
    expect: { exit: 0 },
  },
  {
    name: 'host_vars file for no host, named like a command',
    files: { 'host_vars/::error file=x::forged.yml': 'restic_repo: x\n' },
    env: env(),
    expect: { exit: 0, file: 'host_vars/::error file=x::forged.yml', line: 1, mentions: ['no host named "::error file=x::forged"'] },
  },

  // ---- 4. secrets in every form ----------------------------------------------------------
  {
    name: 'set id templated from the repository password',
    files: { [CLIENT_HOST_FILE]: clientSets({ id0: '"{{ vault_restic_repo_password }}"' }) },
    env: env(),
    expect: { exit: 1, file: CLIENT_HOST_FILE, line: 2, mentions: ['comes from a secret (env VAULT_RESTIC_REPO_PASSWORD)', 'restic_backup_sets[0].id'] },
  },
  {
    name: 'set id with the password inside other text',
    files: { [CLIENT_HOST_FILE]: clientSets({ id0: '"db {{ vault_restic_client_password }} copy"' }) },
    env: env(),
    expect: { exit: 1, file: CLIENT_HOST_FILE, line: 2, mentions: ['comes from a secret (env VAULT_RESTIC_CLIENT_PASSWORD)'] },
  },
  {
    name: 'duplicated set ids from a secret: errors at host_vars, never at the secret\'s source',
    files: { [CLIENT_HOST_FILE]: clientSets({ id0: '"{{ vault_restic_repo_password }}"', id1: '"{{ vault_restic_repo_password }}"' }) },
    env: env(),
    expect: { exit: 1, file: CLIENT_HOST_FILE, line: 10, mentions: ['restic_backup_sets[1].id'] },
  },
  {
    name: 'tag templated from a secret',
    files: { [CLIENT_HOST_FILE]: clientSets({ tag0: '"{{ vault_restic_repo_password }}"' }) },
    env: env(),
    expect: { exit: 1, file: CLIENT_HOST_FILE, line: 6, mentions: ['restic_backup_sets[0].tags[0]', 'is public'] },
  },
  {
    name: 'volume name templated from a secret',
    files: { [CLIENT_HOST_FILE]: clientSets({ volume0: '"v{{ vault_restic_repo_password }}"' }) },
    env: env(),
    expect: { exit: 1, file: CLIENT_HOST_FILE, line: 4, mentions: ['restic_backup_sets[0].volume'] },
  },
  {
    name: 'repository host built from a secret (it would be lower-cased into the repository key)',
    files: { [CLIENT_VARS_FILE]: clientVars({ 4: 'restic_repo: "{{ vault_restic_client_password }}.example.com:8080/backup"' }) },
    env: env(),
    expect: { exit: 1, file: CLIENT_VARS_FILE, line: 4, mentions: ['restic_repo: comes from a secret'] },
  },
  {
    name: 'repository path built from a secret',
    files: { [CLIENT_VARS_FILE]: clientVars({ 4: 'restic_repo: "server.example.com:8080/{{ vault_restic_repo_password }}"' }) },
    env: env(),
    expect: { exit: 1, file: CLIENT_VARS_FILE, line: 4, mentions: ['restic_repo'] },
  },
  {
    name: 'HTTP user name from a secret',
    files: { [CLIENT_VARS_FILE]: clientVars({ 2: 'restic_client_user: "{{ vault_restic_client_password }}"' }) },
    env: env(),
    expect: { exit: 1, file: CLIENT_VARS_FILE, line: 2, mentions: ['restic_client_user'] },
  },
  {
    name: 'ansible_host from a secret',
    files: { [SERVER_HOST_FILE]: SERVER_HOST('ansible_host: "{{ vault_restic_server_password }}"') },
    env: env(),
    expect: { exit: 1, file: SERVER_HOST_FILE, line: 3, mentions: ['ansible_host'] },
  },
  {
    name: 'ansible_user from a secret',
    files: { [SERVER_HOST_FILE]: SERVER_HOST('ansible_user: "{{ vault_restic_server_password }}"') },
    env: env(),
    expect: { exit: 1, file: SERVER_HOST_FILE, line: 3, mentions: ['ansible_user'] },
  },
  {
    name: 'container name from a secret',
    files: { [SERVER_HOST_FILE]: 'restic_server_hostname: "{{ vault_restic_server_password }}"\nrestic_server_backup_dir: /path/to/mount\n' },
    env: env(),
    expect: { exit: 1, file: SERVER_HOST_FILE, line: 1, mentions: ['restic_server_hostname'] },
  },
  {
    name: 'backup directory from a secret',
    files: { [SERVER_HOST_FILE]: 'restic_server_hostname: restic01\nrestic_server_backup_dir: "/srv/{{ vault_restic_server_password }}"\n' },
    env: env(),
    expect: { exit: 1, file: SERVER_HOST_FILE, line: 2, mentions: ['restic_server_backup_dir'] },
  },
  {
    name: 'repository password written out as both set ids (the duplicate message must not print it)',
    files: { [CLIENT_HOST_FILE]: clientSets({ id0: `"${SEED_SECRETS.VAULT_RESTIC_REPO_PASSWORD}"`, id1: `"${SEED_SECRETS.VAULT_RESTIC_REPO_PASSWORD}"` }) },
    env: env(),
    expect: { exit: 1, file: CLIENT_HOST_FILE, line: 2, mentions: ['contains the value of a secret (env VAULT_RESTIC_REPO_PASSWORD)', 'duplicate id "***"'] },
  },
  {
    name: 'repository password written out lower-cased in a tag',
    files: { [CLIENT_HOST_FILE]: clientSets({ tag0: SEED_SECRETS.VAULT_RESTIC_REPO_PASSWORD.toLowerCase() }) },
    env: env(),
    expect: { exit: 1, file: CLIENT_HOST_FILE, line: 6, mentions: ['contains the value of a secret'] },
  },
  {
    name: 'HTTP password written out in a host name',
    files: { 'hosts.yml': hostsWithClient(`${SEED_SECRETS.VAULT_RESTIC_CLIENT_PASSWORD.toLowerCase()}.example.com`) },
    env: env(),
    expect: { exit: 1, file: 'hosts.yml', line: 5, mentions: ['the host name is public'] },
  },
  {
    name: '{{ ACTIONS_RUNTIME_TOKEN }} in a set id',
    files: { [CLIENT_HOST_FILE]: clientSets({ id0: '"{{ ACTIONS_RUNTIME_TOKEN }}"' }) },
    env: env(RUNNER_ENV),
    expect: { exit: 1, file: CLIENT_HOST_FILE, line: 2, mentions: ['env `ACTIONS_RUNTIME_TOKEN` cannot be read'] },
  },
  {
    name: '{{ GITHUB_TOKEN }} in a tag',
    files: { [CLIENT_HOST_FILE]: clientSets({ tag0: '"{{ GITHUB_TOKEN }}"' }) },
    env: env(RUNNER_ENV),
    expect: { exit: 1, file: CLIENT_HOST_FILE, line: 6, mentions: ['env `GITHUB_TOKEN` cannot be read'] },
  },
  {
    name: '{{ github_token }} lower-cased does not reach GITHUB_TOKEN',
    files: { [CLIENT_HOST_FILE]: clientSets({ id0: '"{{ github_token }}"' }) },
    env: env(RUNNER_ENV),
    expect: { exit: 1, file: CLIENT_HOST_FILE, line: 2, mentions: ['cannot be read'] },
  },
  {
    name: '{{ RUNNER_TEMP }} in the backup directory',
    files: { [SERVER_HOST_FILE]: 'restic_server_hostname: restic01\nrestic_server_backup_dir: "{{ RUNNER_TEMP }}/x"\n' },
    env: env(RUNNER_ENV),
    expect: { exit: 1, file: SERVER_HOST_FILE, line: 2, mentions: ['env `RUNNER_TEMP` cannot be read'] },
  },
  {
    name: 'an ordinary environment name (HOME) is not readable without the allowlist',
    files: { [CLIENT_VARS_FILE]: clientVars({ 5: 'restic_repo_password: "{{ HOME }}"' }) },
    env: env({ HOME: '/home/runner' }),
    expect: { exit: 1, file: CLIENT_VARS_FILE, line: 5, mentions: ['env `HOME` cannot be read'] },
  },
  {
    name: 'the seed: {{ vault_restic_client_password }} still reads VAULT_RESTIC_CLIENT_PASSWORD',
    files: {},
    env: env(),
    expect: { exit: 0 },
  },
  {
    name: 'RESTIC_FLEET_* names are readable',
    files: { [CLIENT_VARS_FILE]: clientVars({ 5: 'restic_repo_password: "{{ RESTIC_FLEET_REPO_PASSWORD }}"' }) },
    env: env({ RESTIC_FLEET_REPO_PASSWORD: 'restic-fleet-prefixed-pw-2468' }),
    expect: { exit: 0 },
  },

  // ---- 6. host names, network name -------------------------------------------------------
  {
    name: 'host name with a shell command, ansible_host set',
    files: { 'hosts.yml': hostsWithClient('client.example.com;touch${IFS}pwned') },
    env: env(),
    expect: { exit: 1, file: 'hosts.yml', line: 5, mentions: ['contains ";"'] },
  },
  {
    name: 'host name with a Cyrillic homoglyph, ansible_host set',
    files: { 'hosts.yml': hostsWithClient('\u0441lient2.example.com') },
    env: env(),
    expect: { exit: 1, file: 'hosts.yml', line: 5, mentions: ['U+0441, a Cyrillic letter', 'mixes Cyrillic and Latin letters'] },
  },
  {
    name: 'host name with a newline and a forged command, ansible_host set',
    files: { 'hosts.yml': hostsWithClient('client2\n::error file=x::forged') },
    env: env(),
    expect: { exit: 1, file: 'hosts.yml', line: 5, mentions: ['host name "client2\\n::error file=x::forged"'] },
  },
  {
    name: 'host name with a space',
    files: { 'hosts.yml': hostsWithClient('client two.example.com') },
    env: env(),
    expect: { exit: 1, file: 'hosts.yml', line: 5, mentions: ['contains a space'] },
  },
  {
    name: 'host name that reads as an ssh option',
    files: { 'hosts.yml': hostsWithClient('-oProxyCommand=touch') },
    env: env(),
    expect: { exit: 1, file: 'hosts.yml', line: 5, mentions: ['host name "-oProxyCommand=touch"'] },
  },
  {
    name: 'host name with an underscore (not RFC 1123)',
    files: { 'hosts.yml': hostsWithClient('client_2.example.com') },
    env: env(),
    expect: { exit: 1, file: 'hosts.yml', line: 5, mentions: ['contains "_"'] },
  },
  {
    name: 'host name label longer than 63 characters',
    files: { 'hosts.yml': hostsWithClient(`${'a'.repeat(64)}.example.com`) },
    env: env(),
    expect: { exit: 1, file: 'hosts.yml', line: 5, mentions: ['longer than 63'] },
  },
  {
    name: 'host name with a dollar sign, no ansible_host',
    files: { 'hosts.yml': hostsWithClient('$(id).example.com', false) },
    env: env(),
    expect: { exit: 1, file: 'hosts.yml', line: 5, mentions: ['contains "$"'] },
  },
  {
    name: 'host range expanding to valid names still works',
    files: { 'hosts.yml': hostsWithClient('web[01:03].example.com') },
    env: env(),
    expect: { exit: 0, file: CLIENT_VARS_FILE, line: 4, mentions: ['shared by 4 clients'] },
  },
  {
    name: 'host range expanding to invalid names',
    files: { 'hosts.yml': hostsWithClient('web[01:03]_x') },
    env: env(),
    expect: { exit: 1, file: 'hosts.yml', line: 5, mentions: ['host name "web01_x" (from "web[01:03]_x")'] },
  },
  {
    name: 'docker_network_name: host',
    files: { 'group_vars/all.yml': 'docker_network_name: host\ndocker_log_driver: "json-file"\n' },
    env: env(),
    expect: { exit: 1, file: 'group_vars/all.yml', line: 1, mentions: ['docker_network_name', 'predefined "host"'] },
  },
  {
    name: 'docker_network_name: none',
    files: { 'group_vars/all.yml': 'docker_network_name: none\n' },
    env: env(),
    expect: { exit: 1, file: 'group_vars/all.yml', line: 1, mentions: ['predefined "none"'] },
  },
  {
    name: 'docker_network_name: bridge (on the server only)',
    files: { [SERVER_HOST_FILE]: SERVER_HOST('docker_network_name: bridge') },
    env: env(),
    expect: { exit: 1, file: SERVER_HOST_FILE, line: 3, mentions: ['predefined "bridge"'] },
  },

  // ---- smaller ones ----------------------------------------------------------------------
  {
    name: 'duplicated id from a variable defined elsewhere points at host_vars',
    files: {
      [CLIENT_VARS_FILE]: clientVars({}, ['the_set_id: "odoo volume"']),
      [CLIENT_HOST_FILE]: clientSets({ id0: '"{{ the_set_id }}"', id1: '"{{ the_set_id }}"' }),
    },
    env: env(),
    expect: { exit: 1, file: CLIENT_HOST_FILE, line: 10, mentions: [`duplicate id "odoo volume": restic_backup_sets[0] at`, `${CLIENT_HOST_FILE}:2:`] },
  },
  {
    name: 'set id mixing Cyrillic and Latin letters: accepted with a warning',
    files: { [CLIENT_HOST_FILE]: clientSets({ id0: '"\u043edoo volume"' }) },
    env: env(),
    expect: { exit: 0, file: CLIENT_HOST_FILE, line: 2, mentions: ['mixes Cyrillic and Latin letters'] },
  },
];
