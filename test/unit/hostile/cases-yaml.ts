// Beyond items 2 and 3: malformed YAML of many kinds, wrong types, unknown and duplicate
// keys, vault files that are garbage, encodings (CRLF, BOM, NUL, invalid UTF-8, unicode
// look-alikes). Each must end with the right exit code and the bad value's file:line,
// within the budget, and with no secret in any output.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../e2e/support/action.js';
import type { HostileCase } from './case.js';
import { ALL, CLIENT, CLIENT_HOST, HOSTS, seed, SERVER, SERVER_HOST } from './make.js';

const SEED_VAULT = path.join(REPO_ROOT, 'test/fixtures/inventories/seed-vault/inventories/backup');
const vaultFile = (rel: string) => readFileSync(path.join(SEED_VAULT, rel), 'utf8');
const VAULT_PASSWORD = readFileSync(path.join(REPO_ROOT, 'test/fixtures/vault-password.txt'), 'utf8').trim();
/** The vault password for both doors: the action's input, the CLI's environment variable. */
const withVaultPassword = (pw: string) => ({ 'INPUT_VAULT-PASSWORD': pw, ANSIBLE_VAULT_PASSWORD: pw });
const vaulted = {
  'group_vars/client/vault.yml': vaultFile('group_vars/client/vault.yml'),
  'group_vars/server/vault.yml': vaultFile('group_vars/server/vault.yml'),
};

const bad = (file: string, line: number, ...mentions: string[]): HostileCase['expect'] => ({ exit: 1, file, line, mentions });
const sub = (rel: string, from: string, to: string): string => {
  const text = seed(rel);
  if (!text.includes(from)) throw new Error(`${rel} has no ${JSON.stringify(from)}`);
  return text.replace(from, to);
};

export const yamlCases: HostileCase[] = [
  // Malformed YAML
  { name: 'yaml: an unclosed double quote', files: { [CLIENT]: sub(CLIENT, 'restic_client_user: admin', 'restic_client_user: "admin') }, expect: bad(CLIENT, 2, 'a quoted string is never closed') },
  { name: 'yaml: an unclosed single quote', files: { [SERVER]: sub(SERVER, 'restic_server_user: admin', "restic_server_user: 'admin") }, expect: bad(SERVER, 3, 'a quoted string is never closed') },
  { name: 'yaml: a tab used for indentation', files: { [CLIENT_HOST]: seed(CLIENT_HOST).replace(' - id: "odoo volume"\n   type', ' - id: "odoo volume"\n\ttype') }, expect: { exit: 1, file: CLIENT_HOST } },
  { name: 'yaml: a mapping value where none is allowed', files: { [CLIENT]: sub(CLIENT, 'restic_repo: server', 'restic_repo: a: b: server') }, expect: bad(CLIENT, 4, 'invalid YAML') },
  { name: 'yaml: an unclosed flow sequence', files: { [CLIENT_HOST]: 'restic_backup_sets: [\n' }, expect: { exit: 1, file: CLIENT_HOST, mentions: ['invalid YAML'] } },
  { name: 'yaml: an unclosed flow mapping', files: { [ALL]: 'docker_network_name: {a: 1\n' }, expect: { exit: 1, file: ALL, mentions: ['invalid YAML'] } },
  { name: 'yaml: two documents in one file', files: { [ALL]: `${seed(ALL)}---\ndocker_network_name: other\n` }, expect: { exit: 1, file: ALL, mentions: ['invalid YAML'] } },
  { name: 'yaml: a bad indentation inside a list', files: { [CLIENT_HOST]: sub(CLIENT_HOST, '   type: docker-volume\n   volume: odoo_data01', '   type: docker-volume\n  volume: odoo_data01') }, expect: { exit: 1, file: CLIENT_HOST } },
  { name: 'yaml: a stray closing bracket', files: { [ALL]: `${seed(ALL)}x: ]\n` }, expect: { exit: 1, file: ALL, line: 7 } },
  { name: 'yaml: a complex (collection) mapping key', files: { [ALL]: `${seed(ALL)}? [a, b]\n: c\n` }, expect: { exit: 1, file: ALL, line: 7, mentions: ['complex (collection) mapping keys are not supported'] } },
  { name: 'yaml: a merge key with a scalar', files: { [ALL]: `${seed(ALL)}m:\n  <<: 1\n` }, expect: { exit: 1, file: ALL, line: 8, mentions: ['a `<<` merge key needs a mapping'] } },
  { name: 'yaml (allowed): only a comment (an empty host_vars file)', files: { [SERVER_HOST]: '# nothing here\n' }, expect: { exit: 0 } },
  { name: 'yaml: a host_vars file that is a list', files: { [CLIENT_HOST]: '- a\n- b\n' }, expect: bad(CLIENT_HOST, 1, 'must be a mapping of variable names to values') },
  { name: 'yaml: a group_vars file that is a scalar', files: { [ALL]: 'just text\n' }, expect: bad(ALL, 1, 'must be a mapping') },
  { name: 'yaml: hosts.yml is a list', files: { [HOSTS]: '- client.example.com\n' }, expect: bad(HOSTS, 1, 'must be a mapping of groups') },
  { name: 'yaml: hosts.yml is missing', files: { [HOSTS]: null }, expect: { exit: 1, mentions: ['no hosts.yml'] } },
  { name: 'yaml: a group that is a list', files: { [HOSTS]: sub(HOSTS, '    server:\n      hosts:\n        server.example.com:\n', '    server: [server.example.com]\n') }, expect: { exit: 0, file: HOSTS, line: 7, mentions: ['skipping "server": a group must be a mapping'] } },
  { name: 'yaml: a group cycle', files: { [HOSTS]: `${seed(HOSTS)}    a:\n      children:\n        b:\n          children:\n            a:\n` }, expect: { exit: 1, file: HOSTS, mentions: ['group cycle'] } },
  { name: 'yaml: an unknown YAML tag on an unread variable', files: { [ALL]: `${seed(ALL)}obj: !!python/object:os.system "id"\n` }, expect: { exit: 0 } },
  { name: 'yaml: a !!binary value on an unread variable', files: { [ALL]: `${seed(ALL)}bin: !!binary aGVsbG8=\n` }, expect: { exit: 0 } },
  // Duplicate keys: the last wins, with a warning (Ansible's behaviour)
  { name: 'dup: a duplicate variable in group_vars', files: { [CLIENT]: `${seed(CLIENT)}restic_client_user: admin\n` }, expect: { exit: 0, file: CLIENT, line: 6, mentions: ['duplicate key "restic_client_user"'] } },
  { name: 'dup: a duplicate host in hosts.yml', files: { [HOSTS]: sub(HOSTS, '        client.example.com:\n', '        client.example.com:\n        client.example.com:\n') }, expect: { exit: 0, file: HOSTS, line: 7, mentions: ['duplicate key'] } },
  { name: 'dup: a duplicate key inside a backup set', files: { [CLIENT_HOST]: sub(CLIENT_HOST, '   hour: "1"\n   minute: "0"\n - id: "postgres', '   hour: "1"\n   minute: "0"\n   minute: "5"\n - id: "postgres') }, expect: { exit: 0, file: CLIENT_HOST, line: 10, mentions: ['duplicate key "minute"'] } },
  { name: 'dup: two backup sets with the same id', files: { [CLIENT_HOST]: sub(CLIENT_HOST, 'id: "postgres volume"', 'id: "odoo volume"') }, expect: bad(CLIENT_HOST, 10, 'duplicate id') },
  // Unknown keys and wrong types
  { name: 'schema: an unknown restic_ variable', files: { [CLIENT]: `${seed(CLIENT)}restic_repo_pasword: x\n` }, expect: bad(CLIENT, 6, 'unknown variable "restic_repo_pasword"') },
  { name: 'schema: an unknown key in a backup set', files: { [CLIENT_HOST]: sub(CLIENT_HOST, '   volume: odoo_data01', '   volume: odoo_data01\n   volumes: x') }, expect: bad(CLIENT_HOST, 5, 'unknown key "volumes"') },
  { name: 'schema: an unknown key in the rotation', files: { [CLIENT_HOST]: sub(CLIENT_HOST, '  daily: 7', '  daily: 7\n  hourly: 3') }, expect: bad(CLIENT_HOST, 20, 'unknown key "hourly"') },
  { name: 'schema: restic_backup_sets is a string', files: { [CLIENT_HOST]: 'restic_backup_sets: all of them\n' }, expect: bad(CLIENT_HOST, 1, 'must be a list of backup sets') },
  { name: 'schema: restic_backup_sets is a mapping', files: { [CLIENT_HOST]: 'restic_backup_sets: {id: x}\n' }, expect: bad(CLIENT_HOST, 1) },
  { name: 'schema: a backup set without a volume', files: { [CLIENT_HOST]: sub(CLIENT_HOST, '   volume: odoo_data01\n', '') }, expect: { exit: 1, file: CLIENT_HOST } },
  { name: 'schema: the server port is a word', files: { [SERVER]: sub(SERVER, 'restic_server_port: 8080', 'restic_server_port: eighty') }, expect: bad(SERVER, 5) },
  { name: 'schema: the server port is out of range', files: { [SERVER]: sub(SERVER, 'restic_server_port: 8080', 'restic_server_port: 99999') }, expect: bad(SERVER, 5) },
  { name: 'schema: the server port is 1e400', files: { [SERVER]: sub(SERVER, 'restic_server_port: 8080', 'restic_server_port: 1.0e+400') }, expect: bad(SERVER, 5) },
  { name: 'schema (allowed): the server port in hex', files: { [SERVER]: sub(SERVER, 'restic_server_port: 8080', 'restic_server_port: 0x1F90') }, expect: { exit: 0 } },
  { name: 'schema: a cron minute of 61', files: { [CLIENT_HOST]: sub(CLIENT_HOST, '   minute: "0"\n - id', '   minute: "61"\n - id') }, expect: bad(CLIENT_HOST, 9, 'cron minute') },
  { name: 'schema: a cron hour that is a list', files: { [CLIENT_HOST]: sub(CLIENT_HOST, '   hour: "1"', '   hour: [1, 2]') }, expect: bad(CLIENT_HOST, 8) },
  { name: 'schema: a negative rotation count', files: { [CLIENT_HOST]: sub(CLIENT_HOST, '  daily: 7', '  daily: -1') }, expect: bad(CLIENT_HOST, 19) },
  { name: 'schema: a timestamp as a cron minute', files: { [CLIENT_HOST]: sub(CLIENT_HOST, '   minute: "0"\n - id', '   minute: 2001-12-14t21:59:43.10-05:00\n - id') }, expect: bad(CLIENT_HOST, 9) },
  { name: 'schema: a set id of 10,000 characters', files: { [CLIENT_HOST]: sub(CLIENT_HOST, 'id: "odoo volume"', `id: "${'v'.repeat(10_000)}"`) }, expect: { exit: 1, file: CLIENT_HOST, line: 2 } },
  { name: 'schema: restic_backup_sets: null is no sets', files: { [CLIENT_HOST]: 'restic_backup_sets:\n' }, expect: { exit: 0 } },
  // Templates
  { name: 'template: {% if %} statements', files: { [CLIENT]: sub(CLIENT, 'restic_client_user: admin', 'restic_client_user: "{% if true %}admin{% endif %}"') }, expect: bad(CLIENT, 2, 'statements ({% … %}) are not supported') },
  { name: 'template: an unclosed {{', files: { [CLIENT]: sub(CLIENT, 'restic_client_user: admin', 'restic_client_user: "{{ admin"') }, expect: bad(CLIENT, 2, 'unclosed `{{`') },
  { name: 'template: an undefined variable', files: { [CLIENT]: sub(CLIENT, 'restic_client_user: admin', 'restic_client_user: "{{ who_am_i }}"') }, expect: bad(CLIENT, 2, 'restic_client_user') },
  { name: 'template: a filter that is not supported', files: { [CLIENT]: sub(CLIENT, 'restic_client_user: admin', 'restic_client_user: "{{ inventory_hostname | upper }}"') }, expect: bad(CLIENT, 2, 'filter "upper" is not supported') },
  { name: 'template: a lookup call', files: { [CLIENT]: sub(CLIENT, 'restic_client_user: admin', `restic_client_user: "{{ lookup('file', '/etc/passwd') }}"`) }, expect: bad(CLIENT, 2, 'function calls') },
  { name: 'template: a list embedded in text', files: { [CLIENT]: sub(CLIENT, 'restic_client_user: admin', 'restic_client_user: "u-{{ group_names }}"') }, expect: bad(CLIENT, 2, 'cannot be embedded in text') },
  // Vault
  { name: 'vault (allowed): the seed-vault files with the right password', files: vaulted, env: withVaultPassword(VAULT_PASSWORD), expect: { exit: 0 } },
  { name: 'vault: the right files, a wrong password', files: vaulted, env: withVaultPassword('not-the-password'), expect: bad('group_vars/client/vault.yml', 1, 'HMAC mismatch') },
  { name: 'vault: a garbage body', files: { 'group_vars/client/vault.yml': '$ANSIBLE_VAULT;1.1;AES256\nzzzz-not-hex\n' }, env: withVaultPassword(VAULT_PASSWORD), expect: bad('group_vars/client/vault.yml', 1, 'malformed ansible-vault data') },
  { name: 'vault: an unsupported format version', files: { 'group_vars/client/vault.yml': '$ANSIBLE_VAULT;9.9;AES256\n6162\n' }, env: withVaultPassword(VAULT_PASSWORD), expect: bad('group_vars/client/vault.yml', 1, 'unsupported ansible-vault format version') },
  { name: 'vault: an unsupported cipher', files: { 'group_vars/client/vault.yml': '$ANSIBLE_VAULT;1.1;ROT13\n6162\n' }, env: withVaultPassword(VAULT_PASSWORD), expect: bad('group_vars/client/vault.yml', 1, 'unsupported ansible-vault cipher') },
  { name: 'vault: an odd number of hex digits', files: { 'group_vars/client/vault.yml': '$ANSIBLE_VAULT;1.1;AES256\n616\n' }, env: withVaultPassword(VAULT_PASSWORD), expect: bad('group_vars/client/vault.yml', 1, 'not hex') },
  { name: 'vault: the header only', files: { 'group_vars/client/vault.yml': '$ANSIBLE_VAULT;1.1;AES256\n' }, env: withVaultPassword(VAULT_PASSWORD), expect: bad('group_vars/client/vault.yml', 1) },
  { name: 'vault: a 5 MB vault file', files: { 'group_vars/client/vault.yml': `$ANSIBLE_VAULT;1.1;AES256\n${'61'.repeat(2_500_000)}\n` }, env: withVaultPassword(VAULT_PASSWORD), expect: bad('group_vars/client/vault.yml', 1, 'cap per file') },
  {
    name: 'vault: an inline !vault value that is garbage',
    files: { [CLIENT]: sub(CLIENT, 'restic_repo_password: "{{ vault_restic_repo_password }}"', 'restic_repo_password: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  7a7a7a') },
    env: withVaultPassword(VAULT_PASSWORD),
    expect: bad(CLIENT, 5, 'cannot decrypt'),
  },
  {
    name: 'vault: more vault files than the decryption cap',
    files: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`group_vars/client/vault${String(i).padStart(2, '0')}.yml`, vaulted['group_vars/client/vault.yml']])),
    env: withVaultPassword(VAULT_PASSWORD),
    expect: { exit: 1, mentions: ['ansible-vault decryptions in one inventory (the cap'] },
  },
  // Encodings and unicode
  { name: 'encoding (allowed): CRLF line ends everywhere', files: Object.fromEntries([HOSTS, ALL, CLIENT, SERVER, CLIENT_HOST, SERVER_HOST].map((f) => [f, seed(f).replace(/\n/g, '\r\n')])), expect: { exit: 0 } },
  { name: 'encoding (allowed): a UTF-8 BOM at the start of every file', files: Object.fromEntries([HOSTS, ALL, CLIENT, SERVER, CLIENT_HOST, SERVER_HOST].map((f) => [f, `\uFEFF${seed(f)}`])), expect: { exit: 0 } },
  { name: 'encoding: old Mac CR-only line ends', files: { [CLIENT]: seed(CLIENT).replace(/\n/g, '\r') }, expect: { exit: 1, file: CLIENT } },
  { name: 'encoding: a NUL byte in a set id', files: { [CLIENT_HOST]: sub(CLIENT_HOST, 'id: "odoo volume"', 'id: "odoo\u0000volume"') }, expect: { exit: 1, file: CLIENT_HOST, line: 2 } },
  { name: 'encoding: a raw NUL byte in a plain value', files: { [CLIENT]: sub(CLIENT, 'restic_client_user: admin', 'restic_client_user: ad\u0000min') }, expect: { exit: 1, file: CLIENT, line: 2 } },
  {
    name: 'encoding (allowed): invalid UTF-8 bytes in a comment',
    setup: (w) => writeFileSync(path.join(w.inventory, ALL), Buffer.concat([Buffer.from([0x23, 0x20, 0xff, 0xfe, 0xe9, 0x0a]), Buffer.from(seed(ALL))])),
    expect: { exit: 0 },
  },
  { name: 'encoding: UTF-16 text', setup: (w) => writeFileSync(path.join(w.inventory, ALL), Buffer.from(`\uFEFF${seed(ALL)}`, 'utf16le')), expect: { exit: 1, file: ALL } },
  { name: 'unicode: a zero-width space in a variable name', files: { [CLIENT]: sub(CLIENT, 'restic_repo:', 'restic_repo\u200b:') }, expect: bad(CLIENT, 4, 'unknown variable') },
  { name: 'unicode: a Cyrillic "а" in a variable name', files: { [CLIENT]: sub(CLIENT, 'restic_repo_password:', 'restic_repo_pаssword:') }, expect: bad(CLIENT, 5, 'restic_repo_pаssword') },
  { name: 'unicode: a right-to-left override in a volume name', files: { [CLIENT_HOST]: sub(CLIENT_HOST, 'volume: odoo_data01', 'volume: "odoo\u202Edata01"') }, expect: { exit: 1, file: CLIENT_HOST, line: 4 } },
  { name: 'unicode: an emoji in a tag', files: { [CLIENT_HOST]: sub(CLIENT_HOST, '    - odoo01\n    - postgres01\n   hour: "1"\n   minute: "0"\n - id: "postgres', '    - odoo01\n    - "💾"\n   hour: "1"\n   minute: "0"\n - id: "postgres') }, expect: { exit: 1, file: CLIENT_HOST, line: 7 } },
  { name: 'unicode: a fullwidth colon instead of ":"', files: { [CLIENT]: sub(CLIENT, 'restic_repo: server', 'restic_repo： server') }, expect: { exit: 1, file: CLIENT } },
  { name: 'unicode (allowed): a non-breaking space in a comment', files: { [ALL]: `#\u00a0note\u00a0here\n${seed(ALL)}` }, expect: { exit: 0 } },
];
