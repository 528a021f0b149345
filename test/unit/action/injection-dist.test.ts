// Workflow-command injection through the bundle (issue 12, item 1): a variable name, set
// id, tag, base branch name … carrying `\n::error file=x::forged`, `\n::stop-commands::x`,
// `\r` or `##[…]` reaches the log of `node dist/index.js` (validate, and the offline plan)
// with no line the runner would execute other than the action's own. Rebuild dist/ first.
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST, REPO_ROOT, runAction, withoutMaskLines } from '../../e2e/support/action.js';
import { findLeaks } from '../../e2e/support/leaks.js';
import { foreignActionCommands, rawControls } from '../../support/hostile-output.js';

const SEED = path.join(REPO_ROOT, 'test/fixtures/inventories/seed/inventories/backup');
const INVENTORY = 'inventories/backup';
const MARKER = 'forged';
const SECRETS = { VAULT_RESTIC_CLIENT_PASSWORD: 'inj-http-pw-5c6d7e8f', VAULT_RESTIC_SERVER_PASSWORD: 'inj-http-pw-5c6d7e8f', VAULT_RESTIC_REPO_PASSWORD: 'inj-repo-pw-1a2b3c4d' };
const temp: string[] = [];

/** Variable names and values carrying workflow commands (YAML double-quoted escapes). */
const HOSTILE_CLIENT_VARS = [
  '"restic_x\\n::error file=x::forged": 1',
  '"restic_y\\n::stop-commands::forged": 1',
  '"restic_z\\r::error file=x::forged": 1',
  '"restic_w\\r\\n  ::add-mask::forged": 1',
  '"restic_e\\e[2J\\e[31mred\\0": 1',
  '"restic_legacy ##[error]forged": 1',
].join('\n');

const HOSTILE_SETS = [
  'restic_backup_sets:',
  ' - id: "odoo\\n::error file=x::forged"',
  '   type: docker-volume',
  '   volume: odoo_data01',
  '   tags: ["t\\n::stop-commands::forged", "u\\r::error::forged"]',
  ' - id: "odoo\\n::error file=x::forged"',
  '   type: docker-volume',
  '   volume: odoo_data02',
  '',
].join('\n');

/** Valid, but every free-text field that allows it starts with or holds a command. */
const VALID_HOSTILE_SETS = [
  'restic_backup_sets:',
  ' - id: "::error file=y::forged ##[add-mask]odoo"',
  '   type: docker-volume',
  '   volume: odoo_data03',
  ' - id: " \\u00a0::stop-commands::forged"',
  '   type: docker-volume',
  '   volume: odoo_data04',
  '',
].join('\n');

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rf-injection-'));
  temp.push(dir);
  cpSync(SEED, path.join(dir, INVENTORY), { recursive: true });
  for (const [rel, content] of Object.entries(files)) writeFileSync(path.join(dir, INVENTORY, rel), content);
  return dir;
}

const hostileWorkspace = () =>
  workspace({
    'group_vars/client/vars.yml': `restic_client_package: "restic=0.8.3+ds-1"\nrestic_client_user: admin\nrestic_client_password: "{{ vault_restic_client_password }}"\nrestic_repo: server.example.com:8080/backup\nrestic_repo_password: "{{ vault_restic_repo_password }}"\n${HOSTILE_CLIENT_VARS}\n`,
    'host_vars/client.example.com.yml': HOSTILE_SETS,
  });

function expectNoForeignCommands(out: string, ws: string): void {
  expect(foreignActionCommands(out, ws, MARKER)).toEqual([]);
  expect(rawControls(out.replace(/\r?\n/g, '\n'))).toEqual([]);
  // The payloads did reach the log (escaped): the test is not passing vacuously.
  expect(out).toContain(MARKER);
}

beforeAll(() => {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run npm run build`);
});
afterAll(() => {
  for (const d of temp) rmSync(d, { recursive: true, force: true });
});

describe('workflow commands hidden in the inventory reach the runner escaped', () => {
  it('validate: every hostile name and id is reported, none is executed', async () => {
    const ws = hostileWorkspace();
    const r = await runAction({ inputs: { command: 'validate', inventory: INVENTORY }, workspace: ws, env: SECRETS, timeoutSeconds: 60 });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expectNoForeignCommands(r.stdout + r.stderr, ws);
    // The forged newline is visible as text in the plain log line of the diagnostic.
    expect(r.stdout).toContain('restic_x\\n::error file=x::forged');
    expect(r.stdout).toContain('restic_e\\x1b[2J\\x1b[31mred\\x00');
    expect(findLeaks({ stdout: withoutMaskLines(r.stdout), stderr: r.stderr }, SECRETS)).toEqual([]);
  });

  it('offline plan (no SSH key) of the same inventory: the same, on the plan path', async () => {
    const ws = hostileWorkspace();
    const r = await runAction({ inputs: { command: 'plan', inventory: INVENTORY, comment: 'false' }, workspace: ws, env: {}, timeoutSeconds: 60 });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expectNoForeignCommands(r.stdout + r.stderr, ws);
  });

  it('offline plan of a valid inventory whose set ids hold commands: the plan, the cron diff and the summary carry them inert', async () => {
    const ws = workspace({ 'host_vars/client.example.com.yml': VALID_HOSTILE_SETS });
    const r = await runAction({ inputs: { command: 'plan', inventory: INVENTORY, comment: 'false' }, workspace: ws, env: {}, timeoutSeconds: 60 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expectNoForeignCommands(r.stdout + r.stderr, ws);
    expect(r.stdout).toContain('# backup set "::error file=y::forged #\u200b#[add-mask]odoo"');
  });

  it('a pull request whose base branch name holds commands (printed in the offline note)', async () => {
    const ws = workspace({});
    const r = await runAction({
      inputs: { command: 'plan', inventory: INVENTORY, comment: 'false' },
      workspace: ws,
      event: 'pull_request.opened',
      patchEvent: (p) => {
        p.pull_request.base.ref = 'main\n::error file=x::forged\r::stop-commands::forged ##[add-mask]x';
        p.pull_request.base.sha = 'f'.repeat(40); // not in this (non-git) workspace: git's error is printed too
      },
      env: {},
      timeoutSeconds: 60,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expectNoForeignCommands(r.stdout + r.stderr, ws);
  });
});
