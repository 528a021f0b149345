// The corpus of broken inventories (test/fixtures/inventories/broken/<case>/):
// every expected diagnostic, with its exact file:line:col, severity and key, and
// what its message must say. All problems of a case are reported together.
import { describe, expect, it } from 'vitest';
import { InventoryError, loadConfig } from '../../../src/inventory/index.js';
import type { Diagnostic } from '../../../src/inventory/types.js';
import { FIXTURES, show, where } from './helpers.js';

const ENV = { REPO_PASSWORD: 'env-repo-pw-1', CLIENT_PASSWORD: 'env-client-pw-2', SERVER_PASSWORD: 'env-server-pw-3' };

async function diagnosticsOf(name: string): Promise<Diagnostic[]> {
  const err = await loadConfig({ repoRoot: `${FIXTURES}/broken`, inventoryDir: name, env: ENV, envAllowlist: Object.keys(ENV) }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `${name} should not load`).toBeInstanceOf(InventoryError);
  return (err as InventoryError).diagnostics;
}

/** [file:line:col severity key, a fragment of the message] for every diagnostic, in order. */
type Expected = Array<[string, string]>;

const CASES: Record<string, Expected> = {
  'bad-yaml': [
    ['bad-yaml/group_vars/client.yml:2:23 error -', 'invalid YAML: a quoted string is never closed'],
    ['bad-yaml/group_vars/server.yml:1:22 error -', 'invalid YAML: Nested mappings are not allowed in compact mappings'],
    ['bad-yaml/group_vars/server.yml:1:22 error -', 'invalid YAML: Implicit keys need to be on a single line'],
  ],
  'bad-hosts': [
    ['bad-hosts/hosts.yml:5:9 error -', '"hosts" of group "client" must be a mapping'],
    ['bad-hosts/hosts.yml:9:13 error -', '"vars" of group "server" must be a mapping'],
    ['bad-hosts/hosts.yml:10:7 warning -', 'unexpected key "host" in group "server"'],
    ['bad-hosts/hosts.yml:13:9 error -', 'host range [3:1]: start is after end'],
    ['bad-hosts/hosts.yml:14:9 error -', 'host range [a:c:0]: step must be a positive integer'],
    ['bad-hosts/hosts.yml:15:5 error -', 'group cycle: all → loop_a → loop_b → loop_a'],
  ],
  'wrong-types': [
    ['wrong-types/group_vars/client.yml:3:21 error restic_backup_sets', 'must be a list of backup sets'],
    ['wrong-types/group_vars/client.yml:5:10 error restic_backup_rotation.daily', 'must be a number of snapshots to keep: an integer from 0 to 100000'],
    ['wrong-types/group_vars/client.yml:6:11 error restic_backup_rotation.weekly', 'not a list'],
    ['wrong-types/group_vars/client.yml:7:10 error restic_backup_rotation.prune', 'must be a boolean (true/false, yes/no)'],
    ['wrong-types/group_vars/server.yml:2:21 error restic_server_port', 'must be a port: an integer from 1 to 65535'],
    ['wrong-types/group_vars/server.yml:3:27 error restic_server_backup_dir', 'must be an absolute path'],
    ['wrong-types/group_vars/server.yml:4:22 error restic_server_users', 'must be a list of users ({user, password})'],
    ['wrong-types/group_vars/server.yml:5:17 error ansible_become', 'must be a boolean'],
    ['wrong-types/group_vars/server.yml:6:15 error ansible_port', 'must be a port'],
    ['wrong-types/host_vars/client.example.com.yml:1:31 error restic_fleet_connect_timeout', 'an integer from 1 to 3600'],
  ],
  typos: [
    ['typos/group_vars/client.yml:3:1 error restic_clinet_user', 'unknown variable "restic_clinet_user" (did you mean "restic_client_user"?)'],
    ['typos/group_vars/client.yml:4:1 error restic_backup_set', '(did you mean "restic_backup_sets"?)'],
    ['typos/group_vars/client.yml:12:5 error restic_backup_sets[0].tag', 'unknown key "tag" (did you mean "tags"?)'],
    ['typos/group_vars/client.yml:13:5 error restic_backup_sets[0].minutes', '(did you mean "minute"?)'],
    ['typos/group_vars/client.yml:15:3 error restic_backup_rotation.daly', '(did you mean "daily"?)'],
    ['typos/group_vars/client.yml:17:1 error restic_totally_unknown', 'restic_* variables are reserved for restic-fleet'],
    ['typos/group_vars/server.yml:1:22 warning restic_server_image', 'the server has no users'],
    ['typos/group_vars/server.yml:2:1 error restic_sever_port', '(did you mean "restic_server_port"?)'],
    ['typos/group_vars/server.yml:3:1 error restic_fleet_jumphost', '(did you mean "restic_fleet_jump_host"?)'],
  ],
  'bad-cron': [
    ['bad-cron/host_vars/client.example.com.yml:7:11 error restic_backup_sets[0].hour', 'out of range (hour 0–23)'],
    ['bad-cron/host_vars/client.example.com.yml:8:13 error restic_backup_sets[0].minute', 'out of range (minute 0–59)'],
    ['bad-cron/host_vars/client.example.com.yml:12:11 error restic_backup_sets[1].hour', 'step must be from 1 to 24'],
    ['bad-cron/host_vars/client.example.com.yml:13:13 error restic_backup_sets[1].minute', 'range start is after its end'],
    ['bad-cron/host_vars/client.example.com.yml:17:11 error restic_backup_sets[2].hour', 'must be N, A-B, *, */S or A-B/S'],
    ['bad-cron/host_vars/client.example.com.yml:18:13 error restic_backup_sets[2].minute', 'no spaces, names or @shortcuts'],
    ['bad-cron/host_vars/client.example.com.yml:26:9 error restic_backup_rotation.hour', 'out of range (hour 0–23)'],
    ['bad-cron/host_vars/client.example.com.yml:27:11 error restic_backup_rotation.minute', 'is not a valid cron minute field'],
  ],
  metacharacters: [
    ['metacharacters/group_vars/client.yml:3:21 error restic_client_user', 'is not a valid user name (contains ";")'],
    ['metacharacters/group_vars/client.yml:8:13 error restic_backup_sets[0].volume', 'is not a valid Docker volume name (contains ";")'],
    ['metacharacters/group_vars/client.yml:10:9 error restic_backup_sets[0].tags[0]', 'is not a valid restic tag (contains a space)'],
    ['metacharacters/group_vars/client.yml:11:9 error restic_backup_sets[0].tags[1]', '(contains "$")'],
    ['metacharacters/group_vars/client.yml:13:9 error restic_backup_sets[0].tags[3]', '(starts with "-")'],
    ['metacharacters/group_vars/server.yml:1:22 error restic_server_image', 'is not a valid Docker image reference (contains a space)'],
    ['metacharacters/group_vars/server.yml:2:25 error restic_server_hostname', 'is not a valid container name (starts with "-")'],
    ['metacharacters/group_vars/server.yml:3:21 error restic_server_user', '(contains a space)'],
    ['metacharacters/group_vars/server.yml:5:27 error restic_server_backup_dir', 'must not contain "." or ".." segments'],
    ['metacharacters/group_vars/server.yml:6:22 error docker_network_name', '(contains "`")'],
    ['metacharacters/group_vars/server.yml:7:15 error ansible_host', 'is not a valid host name or IP address'],
  ],
  'duplicate-ids': [
    [
      'duplicate-ids/host_vars/client.example.com.yml:10:9 error restic_backup_sets[2].id',
      'duplicate id "odoo volume": restic_backup_sets[0] at duplicate-ids/host_vars/client.example.com.yml:4:9 has the same id',
    ],
  ],
  'missing-secrets': [
    ['missing-secrets/group_vars/all.yml:1:25 error restic_server_password', 'undefined variable "vault_restic_server_password"'],
    ['missing-secrets/group_vars/client/vars.yml:2:25 error restic_client_password', 'neither env `vault_restic_client_password` nor `VAULT_RESTIC_CLIENT_PASSWORD` is set'],
    ['missing-secrets/group_vars/server/vars.yml:5:15 error restic_server_users[0].password', 'undefined variable "vault_extra_password"'],
    ['missing-secrets/host_vars/client.example.com.yml:1:23 error restic_repo_password', 'undefined variable "vault_client_repo_password"'],
  ],
  'unsupported-template': [
    ['unsupported-template/group_vars/client.yml:1:14 error restic_repo', 'unsupported template syntax `{% if true %}`: statements'],
    ['unsupported-template/group_vars/client.yml:2:23 error restic_repo_password', '`{{ REPO_PASSWORD | upper }}`: filter "upper" is not supported'],
    ['unsupported-template/group_vars/client.yml:3:21 error restic_client_user', "`{{ lookup('env', 'USER') }}`: function calls"],
    ['unsupported-template/group_vars/client.yml:4:25 error restic_client_password', '`{{ a + b }}`: "+"'],
    ['unsupported-template/group_vars/client.yml:5:24 error restic_client_package', '`{{- pkg -}}`: whitespace control'],
    ['unsupported-template/group_vars/client.yml:6:15 error ansible_user', 'undefined variable "users"'],
  ],
  cycle: [
    ['cycle/group_vars/client.yml:3:13 error repo_alias', 'template cycle: repo_host → repo_alias → repo_host'],
    ['cycle/group_vars/client.yml:4:23 error restic_repo_password', 'template cycle: restic_repo_password → restic_repo_password'],
  ],
  'repo-credentials': [
    ['repo-credentials/group_vars/client.yml:1:14 error restic_repo', 'must not contain credentials: put the user in restic_client_user'],
    ['repo-credentials/host_vars/server.example.com.yml:1:14 error restic_repo', 'only rest-server repositories are supported'],
  ],
  'server-options': [
    ['server-options/group_vars/server.yml:6:5 error restic_server_options[1]', 'is not an allowed rest-server option'],
    ['server-options/group_vars/server.yml:7:5 error restic_server_options[2]', '--max-size needs a size in bytes'],
    ['server-options/group_vars/server.yml:10:5 error restic_server_options[5]', '--append-only is given twice (also restic_server_options[0])'],
    ['server-options/group_vars/server.yml:11:5 error restic_server_options[6]', 'is not an allowed rest-server option'],
  ],
};

describe('broken inventories', () => {
  it.each(Object.entries(CASES))('%s: every problem at its file:line:col with its key', async (name, expected) => {
    const ds = await diagnosticsOf(name);
    expect(ds.map(where), show(ds)).toEqual(expected.map(([w]) => w));
    ds.forEach((d, i) => expect(d.message).toContain(expected[i]![1]));
  });

  it('never repeats a secret value, nor the credentials of a URL, in any message', async () => {
    for (const name of Object.keys(CASES)) {
      const text = show(await diagnosticsOf(name));
      for (const secret of [...Object.values(ENV), 's3cr3t-in-url']) expect(text).not.toContain(secret);
    }
  });
});
