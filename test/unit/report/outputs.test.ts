import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setActionOutputs } from '../../../src/action/write.js';
import { changedHostsOf, failedHostsOf, outputEntries } from '../../../src/report/outputs.js';
import type { HostResult, SnapshotReport } from '../../../src/results/types.js';
import { Secret, clearSecretRegistryForTests } from '../../../src/secret.js';
import { restoreInPlace, snapshotReport } from '../../fixtures/report/snapshots.js';

afterEach(() => clearSecretRegistryForTests());

const results: HostResult[] = [
  { host: 'a', outcome: 'changed', changed: 2, durationMs: 1 },
  { host: 'b', outcome: 'ok', changed: 0, durationMs: 1 },
  { host: 'c', outcome: 'failed', changed: 0, reason: 'x', durationMs: 1 },
  { host: 'd', outcome: 'skipped', changed: 0, reason: 'y', durationMs: 1 },
];

describe('outputs', () => {
  it('serialises host lists as JSON arrays and leaves absent outputs unset', () => {
    expect(outputEntries({ changedHosts: changedHostsOf(results), failedHosts: failedHostsOf(results), planHash: 'sha256:ab' })).toEqual([
      ['changed-hosts', '["a"]'],
      ['failed-hosts', '["c"]'],
      ['plan-hash', 'sha256:ab'],
    ]);
    expect(outputEntries({ changedHosts: [] })).toEqual([['changed-hosts', '[]']]);
  });

  it('round-trips the snapshot and restore reports', () => {
    const entries = Object.fromEntries(outputEntries({ snapshots: snapshotReport, restore: restoreInPlace }));
    expect(JSON.parse(entries.snapshots!)).toEqual(snapshotReport);
    expect(JSON.parse(entries.restore!)).toEqual(restoreInPlace);
  });

  it('redacts secrets, including their JSON-escaped form, in what reaches $GITHUB_OUTPUT', () => {
    const raw = 'quo"te\\back-slash-secret';
    new Secret(raw, 'test');
    const report: SnapshotReport = { ...snapshotReport, hosts: [{ host: 'h', status: 'failed', reason: `bad ${raw}`, sets: [] }] };
    const file = join(mkdtempSync(join(tmpdir(), 'rf-out-')), 'output');
    writeFileSync(file, '');
    const before = process.env.GITHUB_OUTPUT;
    process.env.GITHUB_OUTPUT = file;
    try {
      setActionOutputs({ snapshots: report, planHash: `h-${raw}` });
    } finally {
      if (before === undefined) delete process.env.GITHUB_OUTPUT;
      else process.env.GITHUB_OUTPUT = before;
    }
    const written = readFileSync(file, 'utf8');
    expect(written).toContain('"reason":"bad ***"');
    expect(written).not.toContain('back-slash-secret');
    expect(written).toContain('h-***');
  });
});
