// The same hostile cases (cases-output.ts) through the bundle as the runner runs it:
// `node dist/index.js` with command validate. Exit code, an annotation at the expected
// file:line, no workflow command but the action's own, no raw control character, and no
// env value outside the ::add-mask:: lines. Rebuild dist/ first (`npm run build`).
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIST, runAction, withoutMaskLines, workflowCommands } from '../../e2e/support/action.js';
import { findLeaks } from '../../e2e/support/leaks.js';
import { foreignActionCommands, rawControls } from '../../support/hostile-output.js';
import { FIXTURES } from '../inventory/helpers.js';
import { outputCases, type HostileCase } from './cases-output.js';
import { writeCaseFiles } from './harness.js';

const SEED = path.join(FIXTURES, 'seed/inventories/backup');
const INVENTORY = 'inventories/backup';
const temp: string[] = [];
beforeAll(() => {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run npm run build`);
});
afterAll(() => temp.forEach((d) => rmSync(d, { recursive: true, force: true })));

function workspace(c: HostileCase): string {
  const ws = mkdtempSync(path.join(os.tmpdir(), 'rf-hostile-dist-'));
  temp.push(ws);
  const inv = path.join(ws, INVENTORY);
  cpSync(SEED, inv, { recursive: true });
  writeCaseFiles(inv, c.files);
  return ws;
}

describe('hostile inventories through dist/index.js (validate)', () => {
  it.concurrent.each(outputCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const ws = workspace(c);
    const r = await runAction({ inputs: { command: 'validate', inventory: INVENTORY }, workspace: ws, env: c.env ?? {}, timeoutSeconds: 60 });
    const log = r.stdout + r.stderr;
    expect(r.code, log).toBe(c.expect.exit);
    if (c.expect.file !== undefined) {
      const level = c.expect.exit === 1 ? 'error' : 'warning';
      const at = workflowCommands(r.stdout, level).map((a) => `${a.props.file}:${a.props.line}`);
      expect(at, log).toContain(`${INVENTORY}/${c.expect.file}:${c.expect.line}`);
    }
    expect(foreignActionCommands(log, ws, 'forged')).toEqual([]);
    expect(rawControls(log.replace(/\r?\n/g, '\n'))).toEqual([]);
    expect(findLeaks({ log: withoutMaskLines(log), summary: r.summary, outputs: r.outputsFile }, c.env ?? {})).toEqual([]);
  });
});
