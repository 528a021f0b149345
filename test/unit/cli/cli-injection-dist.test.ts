// The CLI bundle prints inventory text safely (issue 12, item 1): no raw ESC, CR or NUL, a
// newline inside one value shown as \n, no line a GitHub runner would execute (the CLI may
// run in a workflow step), and every diagnostic redacted (a duplicate-id error used to
// print the repository password).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findLeaks } from '../../e2e/support/leaks.js';
import { rawControls } from '../../support/hostile-output.js';
import { runnerLines, runnerWouldRun } from '../../support/runner-commands.js';
import { FIXTURES } from '../inventory/helpers.js';

const CLI = path.join(__dirname, '../../../dist/cli/index.js');
const SEED = path.join(FIXTURES, 'seed/inventories/backup');
const ENV = { VAULT_RESTIC_CLIENT_PASSWORD: 'cli-inj-http-pw-77', VAULT_RESTIC_SERVER_PASSWORD: 'cli-inj-http-pw-77', VAULT_RESTIC_REPO_PASSWORD: 'Cli-Inj-Repo-Pw-88' };
const temp: string[] = [];
afterAll(() => temp.forEach((d) => rmSync(d, { recursive: true, force: true })));

function inventory(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'rf-cli-inj-'));
  temp.push(root);
  cpSync(SEED, path.join(root, 'inv'), { recursive: true });
  for (const [rel, content] of Object.entries(files)) writeFileSync(path.join(root, 'inv', rel), content);
  return root;
}

function cli(root: string, args: string[], env: Record<string, string> = ENV) {
  const r = spawnSync(process.execPath, [CLI, ...args, '-i', path.join(root, 'inv'), '--root', root], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    timeout: 30_000,
  });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

const SETS = (id: string, id2 = id) =>
  `restic_backup_sets:\n - id: ${id}\n   type: docker-volume\n   volume: odoo_data01\n - id: ${id2}\n   type: docker-volume\n   volume: odoo_data02\n`;

describe('CLI output of hostile inventory text', () => {
  it('validate: controls visible, newlines inside a value shown as \\n, no runner command', () => {
    const root = inventory({
      'group_vars/all.yml': [
        'docker_network_name: example.com',
        '"restic_x\\n::error file=x::forged": 1',
        '"restic_y\\r::stop-commands::forged": 1',
        '"restic_esc\\e[2J\\e]0;title\\a\\0": 1',
        '"restic_legacy ##[add-mask]forged": 1',
        '',
      ].join('\n'),
      'host_vars/client.example.com.yml': SETS('"odoo\\r\\n::error::forged"'),
    });
    const r = cli(root, ['validate']);
    expect(r.code).toBe(1);
    expect(rawControls(r.output)).toEqual([]);
    expect(runnerLines(r.output).filter(runnerWouldRun)).toEqual([]);
    expect(r.output).toContain('restic_x\\n::error file=x::forged');
    expect(r.output).toContain('restic_esc\\x1b[2J\\x1b]0;title\\x07\\x00');
    expect(r.output).toContain('duplicate id "odoo\\r\\n::error::forged"');
    // One diagnostic, one line.
    expect(r.output.split('\n').filter((l) => l.includes('forged')).every((l) => /^inv\/.*:\d+:\d+: error: /.test(l))).toBe(true);
  });

  it('a repository password written out as a duplicated set id never reaches the terminal', () => {
    const root = inventory({ 'host_vars/client.example.com.yml': SETS(`"${ENV.VAULT_RESTIC_REPO_PASSWORD}"`) });
    const r = cli(root, ['validate']);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/duplicate id "\*\*\*"/);
    expect(r.output).toContain('contains the value of a secret (env VAULT_RESTIC_REPO_PASSWORD)');
    expect(findLeaks({ output: r.output }, ENV)).toEqual([]);
  });

  it('the same password lower-cased in a tag is found and never printed', () => {
    const root = inventory({
      'host_vars/client.example.com.yml': `restic_backup_sets:\n - id: db\n   type: docker-volume\n   volume: odoo_data01\n   tags: ["${ENV.VAULT_RESTIC_REPO_PASSWORD.toLowerCase()}"]\n`,
    });
    const r = cli(root, ['validate']);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/host_vars\/client\.example\.com\.yml:5:\d+: error: restic_backup_sets\[0\]\.tags\[0\]: contains the value of a secret/);
    expect(r.output.toLowerCase()).not.toContain(ENV.VAULT_RESTIC_REPO_PASSWORD.toLowerCase());
  });

  it('render: valid inventory with command-looking ids prints valid JSON and no runner command', () => {
    const root = inventory({ 'host_vars/client.example.com.yml': SETS('"::error file=x::forged ##[add-mask]x"', '"\\u2028::stop-commands::forged \\u202e"') });
    const r = spawnSync(process.execPath, [CLI, 'render', '-i', path.join(root, 'inv'), '--root', root, '--host', 'client.example.com'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...ENV },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(runnerLines(r.stdout).filter(runnerWouldRun)).toEqual([]);
    expect(r.stdout).not.toMatch(/[\u2028\u202e]/);
    const hosts = JSON.parse(r.stdout);
    expect(hosts[0].client.sets.map((s: { id: string }) => s.id.replace(/\u200b/g, ''))).toEqual(['::error file=x::forged ##[add-mask]x', '\u2028::stop-commands::forged \u202e']);
  });
});
