// Runs the output/secrets/host-name hostile cases (cases-output.ts) in process, through
// loadDesired as both doors do, and prints the diagnostics the way the doors print them
// (safeRecord). The bundle-level checks of the same payloads are in
// test/unit/action/injection-dist.test.ts and test/unit/cli/cli-injection-dist.test.ts.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDesired } from '../../../src/engine/load.js';
import type { Logger } from '../../../src/engine/logger.js';
import { InventoryError, formatDiagnostic, type Diagnostic } from '../../../src/inventory/types.js';
import { safeRecord } from '../../../src/safe-text.js';
import { findLeaks } from '../../e2e/support/leaks.js';
import { rawControls } from '../../support/hostile-output.js';
import { runnerLines, runnerWouldRun } from '../../support/runner-commands.js';
import { FIXTURES } from '../inventory/helpers.js';
import { outputCases, type HostileCase } from './cases-output.js';
import { writeCaseFiles } from './harness.js';

const SEED = path.join(FIXTURES, 'seed/inventories/backup');
const INVENTORY = 'inventories/backup';
const temp: string[] = [];
afterAll(() => temp.forEach((d) => rmSync(d, { recursive: true, force: true })));

const silent: Logger = { info: () => {}, warn: () => {}, error: () => {}, group: () => {} };

async function run(c: HostileCase): Promise<{ exit: 0 | 1; diagnostics: Diagnostic[] }> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'rf-hostile-out-'));
  temp.push(root);
  const inv = path.join(root, INVENTORY);
  cpSync(SEED, inv, { recursive: true });
  writeCaseFiles(inv, c.files);
  try {
    const loaded = await loadDesired({ repoRoot: root, inventory: INVENTORY, env: c.env ?? {}, log: silent });
    return { exit: 0, diagnostics: loaded.diagnostics };
  } catch (e) {
    if (!(e instanceof InventoryError)) throw e;
    return { exit: 1, diagnostics: e.diagnostics };
  }
}

describe('hostile inventories: output channel, secrets in every form, host names', () => {
  it('has at least 30 cases with unique names', () => {
    expect(outputCases.length).toBeGreaterThanOrEqual(30);
    expect(new Set(outputCases.map((c) => c.name)).size).toBe(outputCases.length);
  });

  it.each(outputCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { exit, diagnostics } = await run(c);
    const printed = diagnostics.map((d) => safeRecord(formatDiagnostic(d))).join('\n');
    expect(exit, printed).toBe(c.expect.exit);
    if (c.expect.file !== undefined) {
      const severity = c.expect.exit === 1 ? 'error' : 'warning';
      const at = diagnostics.filter((d) => d.severity === severity).map((d) => `${d.pos?.file}:${d.pos?.line}`);
      expect(at, printed).toContain(`${INVENTORY}/${c.expect.file}:${c.expect.line}`);
    }
    for (const m of c.expect.mentions ?? []) expect(printed).toContain(m);
    // Nothing printed is a command, a raw control character, or an env value in any form.
    expect(runnerLines(printed).filter(runnerWouldRun)).toEqual([]);
    expect(rawControls(printed)).toEqual([]);
    expect(printed.split('\n')).toHaveLength(diagnostics.length || 1);
    expect(findLeaks({ printed }, c.env ?? {})).toEqual([]);
    for (const v of Object.values(c.env ?? {}).filter((x) => x.length >= 12)) expect(printed.toLowerCase()).not.toContain(v.toLowerCase());
    if (process.env.RF_SHOW_HOSTILE) console.log(`--- ${c.name}\n${printed}`);
  });
});
