// The project's hostile corpus (issue 12, item 8): every case is a small edit of the seed
// inventory, run through the built action (validate, and plan without an SSH key on a
// pull request) and the built CLI (validate), each a separate process. Per door: the exit
// code, file:line of the bad value in the annotations / diagnostics, CPU ≤ 2 s and peak
// RSS ≤ 256 MB, and no form of any canary secret in the log, summary or outputs.
// Needs the bundle: `npm run build` first (dist/ is rebuilt by the coordinator).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPool } from '../../../src/util/pool.js';
import { REPO_ROOT } from '../../e2e/support/action.js';
import type { HostileCase } from './case.js';
import { boundCases } from './cases-bounds.js';
import { jailCases } from './cases-jail.js';
import { outputCases } from './cases-output.js';
import { yamlCases } from './cases-yaml.js';
import { BUDGET, INVENTORY, leaksIn, Sandbox, type CaseRun } from './harness.js';

const CASES: HostileCase[] = [...jailCases, ...boundCases, ...yamlCases, ...outputCases];
/** Processes at once: this machine has two cores; CPU time is per process, so contention does not skew it. */
const POOL = 2;

let sandbox: Sandbox;
const results = new Map<string, CaseRun>();

beforeAll(async () => {
  for (const f of ['dist/index.js', 'dist/cli/index.js']) if (!existsSync(path.join(REPO_ROOT, f))) throw new Error(`${f} is missing: run npm run build`);
  sandbox = new Sandbox();
  for (const r of await runPool(CASES, POOL, (c) => sandbox.run(c))) results.set(r.name, r);
}, 600_000);

afterAll(() => sandbox?.close());

describe('hostile corpus', () => {
  it('has at least 100 cases with distinct names', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(100);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = results.get(c.name)!;
    expect(r.runs).toHaveLength(3);
    for (const run of r.runs) {
      const ctx = `${run.door}:\n${run.text.slice(0, 3000)}`;
      expect(run.code, `${run.door} exit (null = killed after 30 s)\n${ctx}`).toBe(c.expect.exit);
      if (c.expect.file) {
        const want = `${INVENTORY}/${c.expect.file}`;
        const hit = run.places.some((p) => (c.expect.line === undefined ? p.startsWith(`${want}:`) : p === `${want}:${c.expect.line}`));
        expect(hit, `${run.door} names ${want}:${c.expect.line ?? '*'}; it named ${JSON.stringify(run.places)}\n${ctx}`).toBe(true);
      }
      for (const m of c.expect.mentions ?? []) expect(run.text, `${run.door} mentions ${JSON.stringify(m)}\n${ctx}`).toContain(m);
      expect(run.cpuSeconds, `${run.door} CPU seconds`).toBeDefined();
      expect(run.cpuSeconds!, `${run.door} CPU seconds`).toBeLessThanOrEqual(BUDGET.cpuSeconds);
      expect(run.rssMiB!, `${run.door} peak RSS MiB`).toBeLessThanOrEqual(BUDGET.rssMiB);
      expect(leaksIn(run), `${run.door} leaks`).toEqual([]);
    }
  });
});
