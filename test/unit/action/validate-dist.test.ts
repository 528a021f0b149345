// `command: validate` through the committed bundle, as the runner runs it (issue 2's last
// "Done when"): a broken inventory yields one `::error file=…,line=…,col=…::` annotation
// per problem, with paths relative to the workspace (so they land on the PR diff), and
// exit 1; a good inventory exits 0. No lab, no SSH. Rebuild dist/ first (`npm run build`).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIST, REPO_ROOT, runAction, withoutMaskLines, workflowCommands, type ActionRun } from '../../e2e/support/action.js';
import { findLeaks } from '../../e2e/support/leaks.js';

const BROKEN = 'test/fixtures/inventories/broken';
// The step's env: the secrets the broken fixtures name (as in test/unit/inventory/broken.test.ts).
const ENV = { REPO_PASSWORD: 'validate-repo-pw-0a1b2c3d4e5f', CLIENT_PASSWORD: 'validate-client-pw-6a7b8c9d0e1f', SERVER_PASSWORD: 'validate-server-pw-2a3b4c5d6e7f' };

const validate = (inventory: string, over: { env?: Record<string, string>; inputs?: Record<string, string> } = {}): Promise<ActionRun> =>
  runAction({ inputs: { command: 'validate', inventory, 'env-allowlist': Object.keys(ENV).join(','), ...over.inputs }, workspace: REPO_ROOT, env: over.env ?? ENV, timeoutSeconds: 60 });

/** "file:line:col key" of every annotation of one level. */
const annotationsOf = (r: ActionRun, level: 'error' | 'warning'): string[] =>
  workflowCommands(r.stdout, level)
    .filter((c) => c.props.file)
    .map((c) => `${c.props.file}:${c.props.line}:${c.props.col} ${c.props.title?.replace(/^restic-fleet: /, '') ?? ''}`);

/** The text an annotation points at: the given line of the file, from the given column. */
function pointedText(file: string, line: number, col: number): string {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8').split('\n')[line - 1];
  expect(text, `${file} has no line ${line}`).toBeDefined();
  return text!.slice(col - 1);
}

beforeAll(() => {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run npm run build`);
});

describe('validate through dist/index.js', () => {
  const CASES: Record<string, { errors: string[]; warnings?: string[]; pointsAt: Record<string, RegExp> }> = {
    typos: {
      errors: [
        'group_vars/client.yml:3:1 restic_clinet_user',
        'group_vars/client.yml:4:1 restic_backup_set',
        'group_vars/client.yml:12:5 restic_backup_sets[0].tag',
        'group_vars/client.yml:13:5 restic_backup_sets[0].minutes',
        'group_vars/client.yml:15:3 restic_backup_rotation.daly',
        'group_vars/client.yml:17:1 restic_totally_unknown',
        'group_vars/server.yml:2:1 restic_sever_port',
        'group_vars/server.yml:3:1 restic_fleet_jumphost',
      ],
      warnings: ['group_vars/server.yml:1:22 restic_server_image'],
      // Unknown keys: the annotation starts at the key itself.
      pointsAt: { restic_clinet_user: /^restic_clinet_user:/, 'restic_backup_sets[0].minutes': /^minutes:/, 'restic_backup_rotation.daly': /^daly:/ },
    },
    'bad-cron': {
      errors: [
        'host_vars/client.example.com.yml:7:11 restic_backup_sets[0].hour',
        'host_vars/client.example.com.yml:8:13 restic_backup_sets[0].minute',
        'host_vars/client.example.com.yml:12:11 restic_backup_sets[1].hour',
        'host_vars/client.example.com.yml:13:13 restic_backup_sets[1].minute',
        'host_vars/client.example.com.yml:17:11 restic_backup_sets[2].hour',
        'host_vars/client.example.com.yml:18:13 restic_backup_sets[2].minute',
        'host_vars/client.example.com.yml:26:9 restic_backup_rotation.hour',
        'host_vars/client.example.com.yml:27:11 restic_backup_rotation.minute',
      ],
      pointsAt: {},
    },
    metacharacters: {
      errors: [
        'group_vars/client.yml:3:21 restic_client_user',
        'group_vars/client.yml:8:13 restic_backup_sets[0].volume',
        'group_vars/client.yml:10:9 restic_backup_sets[0].tags[0]',
        'group_vars/client.yml:11:9 restic_backup_sets[0].tags[1]',
        'group_vars/client.yml:13:9 restic_backup_sets[0].tags[3]',
        'group_vars/server.yml:1:22 restic_server_image',
        'group_vars/server.yml:2:25 restic_server_hostname',
        'group_vars/server.yml:3:21 restic_server_user',
        'group_vars/server.yml:5:27 restic_server_backup_dir',
        'group_vars/server.yml:6:22 docker_network_name',
        'group_vars/server.yml:7:15 ansible_host',
      ],
      // Values: the annotation starts at the offending value.
      pointsAt: { restic_client_user: /^"admin;id"/, 'restic_backup_sets[0].volume': /^"odoo_data01; rm -rf \/"/, 'restic_backup_sets[0].tags[1]': /^"\$\(touch/ },
    },
  };

  it.each(Object.entries(CASES))('%s: one annotation per problem at its repo-relative file:line:col, exit 1', async (name, c) => {
    const r = await validate(`${BROKEN}/${name}`);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(annotationsOf(r, 'error')).toEqual(c.errors.map((e) => `${BROKEN}/${name}/${e}`));
    expect(annotationsOf(r, 'warning')).toEqual((c.warnings ?? []).map((e) => `${BROKEN}/${name}/${e}`));
    // Each annotation's file exists in the workspace, and the line/col point at the problem.
    for (const a of workflowCommands(r.stdout, 'error').filter((x) => x.props.file)) {
      const text = pointedText(a.props.file!, Number(a.props.line), Number(a.props.col));
      const key = a.props.title!.replace(/^restic-fleet: /, '');
      if (c.pointsAt[key]) expect(text, `${key} at ${a.props.file}:${a.props.line}:${a.props.col}`).toMatch(c.pointsAt[key]!);
      expect(a.message.startsWith(`${key}: `)).toBe(true);
    }
    // The run ends with one failure line that counts the errors; no stack trace.
    const plain = workflowCommands(r.stdout, 'error').filter((x) => !x.props.file);
    expect(plain.map((x) => x.message)).toEqual([`the inventory has ${c.errors.length} errors (see the annotations); nothing was changed`]);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
    expect(r.outputsFile).toBe('');
  });

  it('bad YAML: the parser\'s position, repo-relative, even with an absolute inventory input', async () => {
    const r = await validate(path.join(REPO_ROOT, BROKEN, 'bad-yaml'));
    expect(r.code).toBe(1);
    const errors = workflowCommands(r.stdout, 'error').filter((x) => x.props.file);
    expect(errors.map((e) => `${e.props.file}:${e.props.line}:${e.props.col}`)).toEqual([
      `${BROKEN}/bad-yaml/group_vars/client.yml:2:23`,
      `${BROKEN}/bad-yaml/group_vars/server.yml:1:22`,
      `${BROKEN}/bad-yaml/group_vars/server.yml:1:22`,
    ]);
    expect(errors[0]!.message).toContain('a quoted string is never closed');
  });

  it('missing secrets: every missing name and where it is used, never a value; exit 1', async () => {
    const r = await validate('test/fixtures/inventories/seed/inventories/backup', { env: {} });
    expect(r.code).toBe(1);
    const errors = workflowCommands(r.stdout, 'error').filter((x) => x.props.file);
    expect(errors.map((e) => `${e.props.file}:${e.props.line}:${e.props.col} ${e.props.title}`)).toEqual([
      'test/fixtures/inventories/seed/inventories/backup/group_vars/client/vars.yml:3:25 restic-fleet: restic_client_password',
      'test/fixtures/inventories/seed/inventories/backup/group_vars/client/vars.yml:5:23 restic-fleet: restic_repo_password',
      'test/fixtures/inventories/seed/inventories/backup/group_vars/server/vars.yml:4:25 restic-fleet: restic_server_password',
    ]);
    expect(errors[0]!.message).toContain('VAULT_RESTIC_CLIENT_PASSWORD');
  });

  it('the seed inventory with its secrets in env: exit 0, secrets only in ::add-mask:: lines', async () => {
    const secrets = { VAULT_RESTIC_CLIENT_PASSWORD: 'seed-shared-pw-93f1c2d4e5b6a7', VAULT_RESTIC_SERVER_PASSWORD: 'seed-shared-pw-93f1c2d4e5b6a7', VAULT_RESTIC_REPO_PASSWORD: 'seed-repo-pw-4b5c6d7e8f9a0b' };
    const r = await validate('test/fixtures/inventories/seed/inventories/backup', { env: secrets });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(withoutMaskLines(r.stdout)).toContain('inventory test/fixtures/inventories/seed/inventories/backup: 2 hosts, no errors');
    expect(workflowCommands(r.stdout, 'error')).toEqual([]);
    // Registered with the runner (raw and derived: the rest: URL holding the password) …
    const masks = workflowCommands(r.stdout, 'add-mask').map((c) => c.message);
    expect(masks).toEqual(expect.arrayContaining([secrets.VAULT_RESTIC_CLIENT_PASSWORD, secrets.VAULT_RESTIC_REPO_PASSWORD]));
    expect(masks.some((m) => m.startsWith('rest:http://admin:') && m.includes(secrets.VAULT_RESTIC_CLIENT_PASSWORD))).toBe(true);
    // … and printed nowhere else.
    expect(findLeaks({ stdout: withoutMaskLines(r.stdout), stderr: r.stderr, summary: r.summary, outputs: r.outputsFile }, secrets)).toEqual([]);
  });

  it('secrets mapped but empty: a fork\'s PR validates with placeholders (warning, exit 0); the same repository\'s PR fails naming them', async () => {
    const empty = { VAULT_RESTIC_CLIENT_PASSWORD: '', VAULT_RESTIC_SERVER_PASSWORD: '', VAULT_RESTIC_REPO_PASSWORD: '' };
    const inventory = 'test/fixtures/inventories/seed/inventories/backup';
    const run = (fork: boolean) =>
      runAction({
        inputs: { command: 'validate', inventory },
        workspace: REPO_ROOT,
        env: empty,
        event: 'pull_request.opened',
        patchEvent: (p: { pull_request: { head: { repo: { full_name: string } } } }) => {
          if (fork) p.pull_request.head.repo.full_name = 'stranger/infra';
        },
        timeoutSeconds: 60,
      });
    const fork = await run(true);
    expect(fork.code, fork.stdout).toBe(0);
    expect(workflowCommands(fork.stdout, 'warning').map((c) => c.message)).toContain('pull requests from forks get no secrets: the values of secrets (environment, vault) were not checked');
    const same = await run(false);
    expect(same.code).toBe(1);
    const errors = workflowCommands(same.stdout, 'error').map((c) => c.message);
    expect(errors.filter((m) => /`VAULT_RESTIC_REPO_PASSWORD` \(empty\)/.test(m))).toHaveLength(1);
    expect(errors.join('\n')).not.toMatch(/must not be empty/);
  });

  it('ansible-vault encrypted files, decrypted with the vault-password input: exit 0', async () => {
    const vaultPassword = readFileSync(path.join(REPO_ROOT, 'test/fixtures/vault-password.txt'), 'utf8').trim();
    const r = await validate('test/fixtures/inventories/seed-vault/inventories/backup', { env: {}, inputs: { 'vault-password': vaultPassword } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(workflowCommands(r.stdout, 'add-mask').map((c) => c.message)).toContain(vaultPassword);
    expect(findLeaks({ stdout: withoutMaskLines(r.stdout), stderr: r.stderr }, { vaultPassword })).toEqual([]);
  });

  it('an inventory directory that does not exist, and a bad command input: exit 1 with a clear message', async () => {
    const missing = await validate('inventories/nope');
    expect(missing.code).toBe(1);
    expect(workflowCommands(missing.stdout, 'error').map((c) => c.message).join('\n')).toContain('inventory directory inventories/nope does not exist');
    const bad = await validate(`${BROKEN}/typos`, { inputs: { command: 'destroy' } });
    expect(bad.code).toBe(1);
    expect(workflowCommands(bad.stdout, 'error').map((c) => c.message)).toEqual(['input command must be one of validate, plan, apply, snapshots, restore, summary, got "destroy"']);
  });
});
