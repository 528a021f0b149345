import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summaryCommand } from '../../../src/commands/summary.js';
import { mergeSnapshotReports } from '../../../src/results/merge.js';
import type { SnapshotReport } from '../../../src/results/types.js';

const report = (at: string, ...hosts: string[]): SnapshotReport => ({
  generatedAt: at,
  staleAfterSeconds: 93600,
  hosts: hosts.map((host) => ({ host, status: 'ok', sets: [{ setId: 'app', slug: 'app', stale: false, failing: host.endsWith('3') }] })),
});

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('mergeSnapshotReports', () => {
  it('one report of every shard\'s hosts, sorted, with the newest time', () => {
    const merged = mergeSnapshotReports([
      { name: 's2.json', report: report('2026-12-02T01:00:05Z', 'c2', 'c5') },
      { name: 's1.json', report: report('2026-12-02T01:00:09Z', 'c3', 'c1') },
    ]);
    expect(merged.hosts.map((h) => h.host)).toEqual(['c1', 'c2', 'c3', 'c5']);
    expect(merged.generatedAt).toBe('2026-12-02T01:00:09Z');
    expect(merged.hosts.find((h) => h.host === 'c3')!.sets[0]!.failing).toBe(true);
  });

  it('refuses a host in two reports, an empty list, and what is not a report', () => {
    expect(() => mergeSnapshotReports([{ name: 'a.json', report: report('t', 'c1') }, { name: 'b.json', report: report('t', 'c1') }])).toThrow(
      'host c1 is in two snapshot reports (a.json and b.json): the shards must split the hosts',
    );
    expect(() => mergeSnapshotReports([])).toThrow('no snapshot reports to combine');
    expect(() => mergeSnapshotReports([{ name: 'x.json', report: { hosts: 3 } }])).toThrow('x.json is not a restic-fleet snapshot report');
    expect(() => mergeSnapshotReports([{ name: 'y.json', report: { ...report('t', 'c1'), hosts: [{ host: 'c1', status: 'ok', sets: [{ setId: 1 }] }] } }])).toThrow(
      'y.json is not a restic-fleet snapshot report: hosts[0].sets[0] needs setId, slug, stale and failing',
    );
  });
});

describe('summaryCommand: the reports saved in the workspace', () => {
  const ws = mkdtempSync(path.join(os.tmpdir(), 'rf-summary-'));
  dirs.push(ws);
  mkdirSync(path.join(ws, 'snapshots'));
  writeFileSync(path.join(ws, 'snapshots', '0.json'), JSON.stringify(report('t1', 'c1')));
  writeFileSync(path.join(ws, 'snapshots', '1.json'), JSON.stringify(report('t2', 'c2')));
  writeFileSync(path.join(ws, 'snapshots', 'notes.txt'), 'ignored');

  it('reads every .json file of the directory', () => {
    expect(summaryCommand(ws, 'snapshots').hosts.map((h) => h.host)).toEqual(['c1', 'c2']);
  });

  it('refuses a directory outside the workspace, a missing or empty one, a link and bad JSON', () => {
    expect(() => summaryCommand(ws, '../elsewhere')).toThrow('snapshots-dir ../elsewhere is outside the workspace');
    expect(() => summaryCommand(ws, 'absent')).toThrow('snapshots-dir absent cannot be read: ENOENT');
    mkdirSync(path.join(ws, 'empty'));
    expect(() => summaryCommand(ws, 'empty')).toThrow('snapshots-dir empty has no .json files');
    mkdirSync(path.join(ws, 'linked'));
    symlinkSync('/etc/hostname', path.join(ws, 'linked', 'a.json'));
    expect(() => summaryCommand(ws, 'linked')).toThrow('linked/a.json is not a regular file');
    mkdirSync(path.join(ws, 'bad'));
    writeFileSync(path.join(ws, 'bad', 'a.json'), '{');
    expect(() => summaryCommand(ws, 'bad')).toThrow('bad/a.json is not JSON');
  });
});
