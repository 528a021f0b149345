import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { outputEntries } from '../../../src/report/outputs.js';
import { restoreInPlace, snapshotReport } from '../../fixtures/report/snapshots.js';

const root = join(__dirname, '../../..');
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
  runs: { using: string; main: string };
  branding: { icon: string; color: string };
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
};

/** Every `core.getInput('x')` / getBooleanInput / secretInput('x') / boolInput('x') in src/. */
function inputsReadBySource(dir: string): Set<string> {
  const names = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    for (const m of text.matchAll(/\b(?:getInput|getBooleanInput|getMultilineInput|secretInput|boolInput)\(\s*'([a-z-]+)'/g)) names.add(m[1]!);
  }
  return names;
}

describe('action.yml', () => {
  it('runs the committed bundle on node24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(action.branding.icon).toBeTruthy();
  });

  it('documents every input, with the defaults the issue asks for', () => {
    for (const [name, input] of Object.entries(action.inputs)) expect(input.description?.length, name).toBeGreaterThan(20);
    expect(action.inputs.inventory!.required).toBe(false); // summary reads no inventory; every other command requires it (inputs.ts)
    expect(action.inputs.command!.default).toBe('plan');
    expect(action.inputs['github-token']!.default).toBe('${{ github.token }}');
    expect(action.inputs['stale-after']!.default).toBe('26h');
    expect(action.inputs.comment!.default).toBe('true');
    expect(action.inputs.snapshot!.default).toBe('latest');
    expect(action.inputs.target!.default).toBe('in-place');
    expect(action.inputs.concurrency!.default).toBe('10');
  });

  it('declares every input the source reads, and reads nothing undeclared', () => {
    const read = inputsReadBySource(join(root, 'src'));
    expect(read.size).toBeGreaterThan(0);
    for (const name of read) expect(Object.keys(action.inputs), `src reads input "${name}"`).toContain(name);
  });

  it('declares every output the action sets', () => {
    const names = outputEntries({ changedHosts: [], failedHosts: [], planHash: 'h', snapshots: snapshotReport, restore: restoreInPlace }).map(([n]) => n);
    expect(Object.keys(action.outputs).sort()).toEqual([...names].sort());
  });
});
