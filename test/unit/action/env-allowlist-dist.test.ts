// Templates and the environment through the bundle (issue 12, item 4): a pull request that
// writes {{ ACTIONS_RUNTIME_TOKEN }} or {{ GITHUB_TOKEN }} into a set id gets an error and
// the token is printed nowhere (not even masked: it is never read); other names need the
// env-allowlist input; masking registers the lower-case and slug forms of each secret.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runAction, withoutMaskLines, workflowCommands } from '../../e2e/support/action.js';
import { findLeaks } from '../../e2e/support/leaks.js';

const SEED = path.join(REPO_ROOT, 'test/fixtures/inventories/seed/inventories/backup');
const INVENTORY = 'inventories/backup';
const SECRETS = { VAULT_RESTIC_CLIENT_PASSWORD: 'Env-Http-Pw-3E4F', VAULT_RESTIC_SERVER_PASSWORD: 'Env-Http-Pw-3E4F', VAULT_RESTIC_REPO_PASSWORD: 'env-repo-pw-5a6b' };
const RUNNER = { ACTIONS_RUNTIME_TOKEN: 'actions-runtime-token-9c8d7e6f5a4b', GITHUB_TOKEN: 'ghs_allowlist-test-token-0a1b2c3d4e' };
const temp: string[] = [];
afterAll(() => temp.forEach((d) => rmSync(d, { recursive: true, force: true })));

function workspace(hostVars: string, clientVars?: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rf-env-'));
  temp.push(dir);
  cpSync(SEED, path.join(dir, INVENTORY), { recursive: true });
  writeFileSync(path.join(dir, INVENTORY, 'host_vars/client.example.com.yml'), hostVars);
  if (clientVars) writeFileSync(path.join(dir, INVENTORY, 'group_vars/client/vars.yml'), clientVars);
  return dir;
}

const setWithId = (id: string) => `restic_backup_sets:\n - id: "${id}"\n   type: docker-volume\n   volume: odoo_data01\n`;

describe('which environment the inventory may read (dist)', () => {
  it.each(['ACTIONS_RUNTIME_TOKEN', 'GITHUB_TOKEN', 'github_token'])('{{ %s }} in a set id: an error, the token nowhere, even allowlisted names cannot reach it', async (name) => {
    for (const command of ['validate', 'plan']) {
      const ws = workspace(setWithId(`x {{ ${name} }}`));
      const r = await runAction({ inputs: { command, inventory: INVENTORY, comment: 'false' }, workspace: ws, env: { ...SECRETS, ...RUNNER }, token: RUNNER.GITHUB_TOKEN, timeoutSeconds: 60 });
      expect(r.code, r.stdout).toBe(1);
      const errors = workflowCommands(r.stdout, 'error').filter((c) => c.props.file);
      expect(errors.map((e) => `${e.props.file}:${e.props.line} ${e.props.title}`)).toEqual([`${INVENTORY}/host_vars/client.example.com.yml:2 restic-fleet: restic_backup_sets[0].id`]);
      expect(errors[0]!.message).toContain('cannot be read');
      // The job token is the github-token input's default, so the action masks it itself; nothing else shows it.
      expect(findLeaks({ stdout: withoutMaskLines(r.stdout), stderr: r.stderr, summary: r.summary, outputs: r.outputsFile }, RUNNER)).toEqual([]);
      expect(r.stdout).not.toContain(RUNNER.ACTIONS_RUNTIME_TOKEN);
    }
  });

  it('env-allowlist cannot list runner names: the run fails before reading the inventory', async () => {
    const ws = workspace(setWithId('odoo volume'));
    const r = await runAction({ inputs: { command: 'validate', inventory: INVENTORY, 'env-allowlist': 'REPO_PW,GITHUB_TOKEN' }, workspace: ws, env: SECRETS, timeoutSeconds: 60 });
    expect(r.code).toBe(1);
    expect(workflowCommands(r.stdout, 'error').map((c) => c.message)).toEqual([
      'env-allowlist: GITHUB_TOKEN cannot be allowed: ACTIONS_*, GITHUB_*, RUNNER_* and INPUT_* are never readable by templates',
    ]);
  });

  it('a name outside VAULT_*/RESTIC_FLEET_* works once allowlisted', async () => {
    const client = 'restic_client_user: admin\nrestic_client_password: "{{ vault_restic_client_password }}"\nrestic_repo: server.example.com:8080/backup\nrestic_repo_password: "{{ REPO_PW }}"\n';
    const ws = workspace(setWithId('odoo volume'), client);
    const env = { ...SECRETS, REPO_PW: 'allowlisted-repo-pw-7d8e' };
    const refused = await runAction({ inputs: { command: 'validate', inventory: INVENTORY }, workspace: ws, env, timeoutSeconds: 60 });
    expect(refused.code).toBe(1);
    const allowed = await runAction({ inputs: { command: 'validate', inventory: INVENTORY, 'env-allowlist': 'REPO_PW' }, workspace: ws, env, timeoutSeconds: 60 });
    expect(allowed.code, allowed.stdout).toBe(0);
    expect(workflowCommands(allowed.stdout, 'add-mask').map((c) => c.message)).toContain('allowlisted-repo-pw-7d8e');
    expect(findLeaks({ stdout: withoutMaskLines(allowed.stdout) }, { REPO_PW: env.REPO_PW })).toEqual([]);
  });

  it('masks the lower-case and slug forms of each secret as well', async () => {
    const ws = workspace(setWithId('odoo volume'));
    const r = await runAction({ inputs: { command: 'validate', inventory: INVENTORY }, workspace: ws, env: SECRETS, timeoutSeconds: 60 });
    expect(r.code, r.stdout).toBe(0);
    const masks = workflowCommands(r.stdout, 'add-mask').map((c) => c.message);
    expect(masks).toEqual(expect.arrayContaining(['Env-Http-Pw-3E4F', 'env-http-pw-3e4f']));
  });
});
