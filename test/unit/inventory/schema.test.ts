// The schema: value rules, defaults, roles, secrets handling and HostConfig shape.
import { describe, expect, it } from 'vitest';
import { cronField } from '../../../src/inventory/cron-field.js';
import { InventoryError, loadConfig, staggeredMinute } from '../../../src/inventory/index.js';
import { editDistance, suggest } from '../../../src/inventory/suggest.js';
import { absoluteDir, dockerImage, Issue, jumpHost, resticRepo, serverOption } from '../../../src/inventory/validators.js';
import { isSecret } from '../../../src/secret.js';
import { plain, show, where, writeInventory } from './helpers.js';

const ok = (v: unknown) => !(v instanceof Issue);

async function config(groupVars: string, env: Record<string, string> = {}) {
  const root = await writeInventory({ 'hosts.yml': 'all:\n  hosts:\n    h1.example.com:\n', 'group_vars/all.yml': groupVars });
  return loadConfig({ repoRoot: root, inventoryDir: 'inv', env, envAllowlist: Object.keys(env) });
}
async function problems(groupVars: string, env: Record<string, string> = {}) {
  const e = await config(groupVars, env).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(InventoryError);
  return (e as InventoryError).diagnostics;
}

describe('value rules', () => {
  it.each([
    ['0'], ['59'], ['*'], ['*/15'], ['0-30/5'], ['1,2,3'], ['1-5,10,*/20'], [7],
  ])('cron minute %s is valid', (v) => expect(ok(cronField('minute')(v))).toBe(true));

  it.each([
    ['60'], ['-1'], ['*/0'], ['5/10'], ['1-'], [','], ['1 2'], ['@hourly'], ['a'], ['1;id'], [1.5], [true], [[1]], ['$(id)'],
  ])('cron minute %s is invalid', (v) => expect(ok(cronField('minute')(v))).toBe(false));

  it('range-checks hours separately', () => {
    expect(cronField('hour')('23')).toBe('23');
    expect(ok(cronField('hour')('24'))).toBe(false);
    expect(ok(cronField('hour')('0-24/2'))).toBe(false);
    expect(cronField('hour')(5)).toBe('5');
  });

  it.each([
    'restic/rest-server:0.9.7', 'restic/rest-server', 'rest-server', 'ghcr.io/restic/rest-server:0.14.0',
    'localhost:5000/rest-server:latest', 'registry.example.com:443/a/b/c:v1.2_3',
    `restic/rest-server@sha256:${'a'.repeat(64)}`, `restic/rest-server:0.14.0@sha256:${'b'.repeat(64)}`,
  ])('image %s is valid', (v) => expect(dockerImage(v)).toBe(v));

  it.each([
    'restic/Rest-server', 'restic/rest-server:', 'restic/rest-server:-x', 'restic//rest-server', 'restic/rest-server;id',
    'restic/rest-server $(id)', '-restic', 'restic/rest-server@sha256:abc', '', 'a:b:c',
  ])('image %s is invalid', (v) => expect(ok(dockerImage(v))).toBe(false));

  it.each([
    'server.example.com:8080/backup', 'server.example.com:8080', 'server:8000/', '10.0.0.5:8000/a/b',
    'rest:http://server.example.com:8080/backup', 'rest:https://server.example.com/backup/host1',
  ])('restic_repo %s is valid', (v) => expect(resticRepo(v)).toBe(v));

  it.each([
    ['rest:http://u:p@server:8000/x', 'must not contain credentials'],
    ['u@server:8000/x', 'must not contain credentials'],
    ['s3:s3.amazonaws.com/bucket', 'only rest-server repositories'],
    ['/srv/restic-repo', 'has an invalid host'],
    ['rest:ftp://server/x', 'only rest-server repositories'],
    ['server:99999/x', 'has an invalid port'],
    ['server:8000/a b', 'has an invalid path'],
    ['server:8000/../etc', 'must not contain "." or ".."'],
    ['server:8000/x?y=1', 'has an invalid path'],
    ['-oProxy:22/x', 'has an invalid host'],
  ])('restic_repo %s is rejected: %s', (v, msg) => {
    const r = resticRepo(v);
    expect(r).toBeInstanceOf(Issue);
    expect((r as Issue).message).toContain(msg);
    expect((r as Issue).message).not.toContain(':p@');
  });

  it('normalises rest-server options to one word each, allow-list only', () => {
    expect(serverOption('--append-only')).toBe('--append-only');
    expect(serverOption('--max-size 1000')).toBe('--max-size=1000');
    expect(serverOption('--max-size=1000')).toBe('--max-size=1000');
    expect(serverOption('--log')).toBe('--log=-');
    expect(serverOption('--log /data/access.log')).toBe('--log=/data/access.log');
    for (const bad of ['--no-auth', '--tls', '--max-size -1', '--max-size 1e3', '--log ../x', '--append-only; id', '--path /x']) {
      expect(serverOption(bad), bad).toBeInstanceOf(Issue);
    }
  });

  it('parses jump hosts, defaulting the user and port', () => {
    expect(jumpHost('deploy')('bastion.example.com')).toEqual({ host: 'bastion.example.com', port: 22, user: 'deploy' });
    expect(jumpHost('deploy')('ops@10.0.0.1:2222')).toEqual({ host: '10.0.0.1', port: 2222, user: 'ops' });
    expect(jumpHost('deploy')('ops@[fe80::1]:22')).toEqual({ host: 'fe80::1', port: 22, user: 'ops' });
    for (const bad of ['-oProxyCommand=x', 'a@b@c', 'ops@host:0', 'bad user@host', 'host:22:33']) {
      expect(jumpHost('deploy')(bad), bad).toBeInstanceOf(Issue);
    }
  });

  it('accepts safe absolute directories only, normalised', () => {
    expect(absoluteDir('/srv/restic/')).toBe('/srv/restic');
    expect(absoluteDir('//srv//restic')).toBe('/srv/restic');
    for (const bad of ['/', 'srv', '/srv/../etc', '/srv/a b', '/srv/$x', '/srv/./x']) expect(absoluteDir(bad), bad).toBeInstanceOf(Issue);
  });

  it('suggests close names only', () => {
    expect(editDistance('restic_sever_port', 'restic_server_port')).toBe(1);
    expect(suggest('restic_repo_pasword', ['restic_repo_password', 'restic_repo'])).toBe('restic_repo_password');
    expect(suggest('restic_bananas', ['restic_repo', 'restic_server_port'])).toBeUndefined();
  });
});

const CLIENT = 'restic_repo: server.example.com:8000/x\nrestic_repo_password: "{{ PW }}"\n';
const ENV = { PW: 'repo-pw-for-tests' };

describe('defaults and roles', () => {
  it('defaults backup set hour/minute to 1/0 and the rotation to 23:<staggered minute>, prune on', async () => {
    const { hosts, diagnostics } = await config(
      `${CLIENT}restic_backup_sets:\n  - id: only\n    type: docker-volume\n    volume: vol1\nrestic_backup_rotation:\n  daily: 3\n`,
      ENV,
    );
    expect(diagnostics).toEqual([]);
    const c = hosts[0]!.client!;
    expect(c.sets).toEqual([{ id: 'only', type: 'docker-volume', volume: 'vol1', tags: [], hour: '1', minute: '0' }]);
    expect(c.rotation).toEqual({ daily: 3, weekly: 0, monthly: 0, hour: '23', minute: staggeredMinute('h1.example.com'), prune: true });
    expect(hosts[0]!.server).toBeUndefined();
  });

  it('staggers rotation minutes deterministically over 0–59', () => {
    const minutes = Array.from({ length: 200 }, (_, i) => Number(staggeredMinute(`host${i}.example.com`)));
    expect(minutes.every((m) => m >= 0 && m <= 59)).toBe(true);
    expect(new Set(minutes).size).toBeGreaterThan(40);
    expect(staggeredMinute('host1.example.com')).toBe(staggeredMinute('host1.example.com'));
  });

  it('gives a server its defaults and all users', async () => {
    const { hosts } = await config(
      'restic_server_image: restic/rest-server:0.14.0\nrestic_server_user: a\nrestic_server_password: "{{ PW }}"\nrestic_server_users:\n  - {user: b, password: "{{ PW }}"}\nrestic_server_options: ["--append-only", "--max-size 10"]\nansible_user: deploy\nansible_become: yes\nansible_host: 192.0.2.10\nansible_port: "2222"\nrestic_fleet_jump_host: bastion.example.com\n',
      ENV,
    );
    const h = plain(hosts[0]) as Record<string, unknown>;
    expect(h.server).toEqual({
      image: 'restic/rest-server:0.14.0',
      containerName: 'restic-server',
      port: 8000,
      backupDir: '/srv/restic',
      users: [
        { user: 'a', password: { secret: 'repo-pw-for-tests', origin: 'env PW' } },
        { user: 'b', password: { secret: 'repo-pw-for-tests', origin: 'env PW' } },
      ],
      logOptions: {},
      options: ['--append-only', '--max-size=10'],
      readyTimeoutSeconds: 30,
    });
    expect(h.connection).toEqual({
      host: '192.0.2.10', port: 2222, user: 'deploy', become: true, connectTimeoutSeconds: 15, commandTimeoutSeconds: 600,
      jumpHost: { host: 'bastion.example.com', port: 22, user: 'deploy' },
    });
  });

  it('turns the client role off with restic_repo: null (e.g. in host_vars)', async () => {
    const { hosts } = await config('restic_repo: ~\nrestic_repo_password: x\n');
    expect(hosts[0]!.client).toBeUndefined();
  });

  it('requires restic_repo_password for a client, pointing at the host entry', async () => {
    const ds = await problems('restic_repo: server.example.com:8000/x\n');
    expect(ds.map(where)).toEqual(['inv/hosts.yml:3:5 error restic_repo_password']);
    expect(ds[0]!.message).toBe('is required when restic_repo is set (the repository password)');
  });

  it('does not report a value twice: an undefined secret is not also "required"', async () => {
    const ds = await problems('restic_repo: server.example.com:8000/x\nrestic_repo_password: "{{ nope }}"\n');
    expect(ds.map(where)).toEqual(['inv/group_vars/all.yml:2:23 error restic_repo_password']);
  });

  it('pairs users with passwords, rejects duplicate users, empty rotations and unknown set types', async () => {
    const ds = await problems(
      `${CLIENT}restic_client_user: admin\nrestic_backup_rotation: {daily: 0}\nrestic_backup_sets:\n  - {id: x, type: postgres-dump, volume: v1}\nrestic_server_image: restic/rest-server\nrestic_server_password: "{{ PW }}"\nrestic_server_users:\n  - {user: b, password: "{{ PW }}"}\n  - {user: b, password: "{{ PW }}"}\n`,
      ENV,
    );
    expect(ds.map((d) => `${where(d)}: ${d.message}`)).toEqual([
      'inv/group_vars/all.yml:6:19 error restic_backup_sets[0].type: is not a supported backup set type (supported: docker-volume, path, postgres, mysql, mariadb)',
      'inv/group_vars/all.yml:11:12 error restic_server_users[1].user: duplicate user "b": restic_server_users[0].user at inv/group_vars/all.yml:10:12 defines it already',
      'inv/hosts.yml:3:5 error restic_server_user: is required with restic_server_password (the user name)',
      "inv/hosts.yml:3:5 error restic_client_password: is required with restic_client_user (the rest-server user's password)",
    ]);
  });

  it('checks the rest once the set types are right', async () => {
    const ds = await problems(`${CLIENT}restic_client_user: admin\nrestic_backup_rotation: {daily: 0}\n`, ENV);
    expect(ds.map((d) => `${where(d)}: ${d.message}`)).toEqual([
      'inv/group_vars/all.yml:4:25 error restic_backup_rotation: keeps nothing: set at least one of daily, weekly, monthly above 0 (or remove restic_backup_rotation to never forget snapshots)',
      "inv/hosts.yml:3:5 error restic_client_password: is required with restic_client_user (the rest-server user's password)",
    ]);
  });

  it('rejects a host name that cannot be connected to, with or without ansible_host', async () => {
    for (const vars of ['', '\n      ansible_host: 127.0.0.1']) {
      const root = await writeInventory({ 'hosts.yml': `all:\n  hosts:\n    "-oProxyCommand=x":${vars}\n` });
      const e = (await loadConfig({ repoRoot: root, inventoryDir: 'inv', env: {} }).catch((x: unknown) => x)) as InventoryError;
      expect(e.diagnostics.filter((d) => d.severity === 'error').map(where)).toEqual(['inv/hosts.yml:3:5 error -']);
    }
  });
});

describe('secrets in the schema', () => {
  it('turns plain-text passwords into Secrets, with a warning', async () => {
    const { hosts, diagnostics } = await config('restic_repo: server:8000/x\nrestic_repo_password: plain-text-pw\n');
    const pw = hosts[0]!.client!.repoPassword;
    expect(isSecret(pw) && pw.reveal()).toBe('plain-text-pw');
    expect(pw.origin).toBe('inventory inv/group_vars/all.yml:2:23');
    expect(diagnostics.map(where)).toEqual(['inv/group_vars/all.yml:2:23 warning restic_repo_password']);
    expect(diagnostics[0]!.message).toContain('encrypt it with ansible-vault or reference an environment variable');
    expect(show(diagnostics)).not.toContain('plain-text-pw');
  });

  it('rejects a Secret used in a public field: one error that names its origin only', async () => {
    const ds = await problems(`${CLIENT}restic_client_user: "{{ HTTP_USER }}"\nrestic_client_password: "{{ PW }}"\n`, {
      ...ENV,
      HTTP_USER: 'backup-user',
    });
    expect(ds.map((d) => `${where(d)}: ${d.message}`)).toEqual([
      'inv/group_vars/all.yml:3:21 error restic_client_user: comes from a secret (env HTTP_USER), but restic_client_user is public (shown in plans, logs and files): a secret may not be used here',
    ]);
    expect(show(ds)).not.toContain('backup-user');
  });

  it('prints Secrets as *** in HostConfig (JSON, String, inspect)', async () => {
    const { hosts } = await config(CLIENT, ENV);
    const json = JSON.stringify(hosts);
    expect(json).toContain('"repoPassword":"***"');
    expect(json).not.toContain(ENV.PW);
    expect(String(hosts[0]!.client!.repoPassword)).toBe('***');
    const { inspect } = await import('node:util');
    expect(inspect(hosts, { depth: 10 })).not.toContain(ENV.PW);
  });
});
