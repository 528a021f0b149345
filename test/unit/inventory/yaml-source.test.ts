// YAML as Ansible reads it (PyYAML's YAML 1.1 resolver), with positions.
import { runOracle } from '../../support/oracle.js';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { RawMap } from '../../../src/inventory/raw.js';
import { parseYaml } from '../../../src/inventory/yaml-source.js';

const SCALARS = [
  'a: y', 'b: n', 'c: Yes', 'd: 0755', 'e: 0o17', 'f: 1_000', 'g: 0x1F', 'h: 1:30', 'i: .5', 'k: ~', 'l: NULL',
  'm: 0b101', 'n: +12', 'o: 012_3', 'q: 1e3', 'r: 1.0e+3', 's: Y', 't: N', 'u: 0.', 'v: -0x1f', 'w: 1_0.5',
  'x: 190:20:30', 'y: 1.0e3', 'z: -.5', 'aa: ON', 'ab: off', 'ac: "yes"', 'ad: 2020-03-16',
  'ae: 08', 'af: 09', 'ag: 01:10', 'ah: 190:20:30.15', 'ai: 1.', 'aj: 0b', 'ak: +0b1', 'al: 0x_1', 'am: -.inf',
].join('\n');

// What PyYAML's safe_load (Ansible's YAML reader) gives for SCALARS.
const PYYAML = {
  a: 'y', b: 'n', c: true, d: 493, e: '0o17', f: 1000, g: 31, h: 90, i: 0.5, k: null, l: null, m: 5, n: 12, o: 83,
  q: '1e3', r: 1000, s: 'Y', t: 'N', u: 0, v: -31, w: 10.5, x: 685230, y: '1.0e3', z: '-.5', aa: true, ab: false, ac: 'yes',
  ad: '2020-03-16', ae: '08', af: '09', ag: '01:10', ah: 685230.15, ai: 1, aj: '0b', ak: 1, al: 1, am: -Infinity,
};

const values = (m: RawMap) => Object.fromEntries([...m.entries].map(([k, e]) => [k, e.node.kind === 'scalar' ? e.node.value : e.node.kind]));

describe('parseYaml', () => {
  it('resolves plain scalars like PyYAML', () => {
    const r = parseYaml(SCALARS, 'f.yml');
    expect(r.diagnostics).toEqual([]);
    expect(values(r.root as RawMap)).toEqual(PYYAML);
  });

  it.runIf(runOracle(hasPyYaml()))('agrees with PyYAML itself', () => {
    const py = 'import sys, json, math, yaml\nd = yaml.safe_load(sys.stdin.read())\nprint(json.dumps({k: str(v) if isinstance(v, float) and not math.isfinite(v) else v for k, v in d.items()}, default=str))';
    const theirs = JSON.parse(String(execFileSync('python3', ['-c', py], { input: SCALARS, timeout: 30_000 }))) as Record<string, unknown>;
    const ours = values(parseYaml(SCALARS, 'f.yml').root as RawMap);
    for (const [k, v] of Object.entries(ours)) if (typeof v === 'number' && !Number.isFinite(v)) ours[k] = v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan';
    expect(ours).toEqual(theirs);
  });

  it('keeps line:col of keys and values, through aliases and merge keys', () => {
    const r = parseYaml('base: &b\n  x: 1\nm:\n  <<: *b\n  y: [2, 3]\n', 'g.yml');
    const m = (r.root as RawMap).entries.get('m')!;
    expect(m.keyPos).toEqual({ file: 'g.yml', line: 3, col: 1 });
    const inner = m.node as RawMap;
    expect([...inner.entries.keys()]).toEqual(['y', 'x']);
    expect(inner.entries.get('x')!.node.pos).toEqual({ file: 'g.yml', line: 2, col: 6 });
    const y = inner.entries.get('y')!.node;
    expect(y.kind === 'seq' && y.items[1]!.pos).toEqual({ file: 'g.yml', line: 5, col: 10 });
  });

  it('lets explicit keys win over merged ones wherever << appears; earlier merge sources win', () => {
    const r = parseYaml('a: &a {k: a, only_a: 1}\nb: &b {k: b, only_b: 2}\nm:\n  k: mine\n  <<: [*a, *b]\nn:\n  <<: [*b, *a]\n', 'h.yml');
    const get = (name: string) => values((r.root as RawMap).entries.get(name)!.node as RawMap);
    expect(get('m')).toEqual({ k: 'mine', only_a: 1, only_b: 2 });
    expect(get('n')).toEqual({ k: 'b', only_a: 1, only_b: 2 });
  });

  it('reads !vault and !unsafe tags', () => {
    const r = parseYaml('s: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\nu: !unsafe "{{ x }}"\n', 'v.yml');
    const root = r.root as RawMap;
    expect(r.diagnostics).toEqual([]);
    expect(root.entries.get('s')!.node).toMatchObject({ kind: 'vault', ciphertext: '$ANSIBLE_VAULT;1.1;AES256\n6162\n' });
    expect(root.entries.get('u')!.node).toMatchObject({ kind: 'scalar', value: '{{ x }}', unsafe: true });
  });

  it('warns about duplicate keys (last wins, as Ansible) and points errors at the cause', () => {
    const dup = parseYaml('a: 1\nb: 2\na: 3\n', 'd.yml');
    expect(values(dup.root as RawMap)).toEqual({ b: 2, a: 3 });
    expect(dup.diagnostics).toEqual([
      { severity: 'warning', pos: { file: 'd.yml', line: 3, col: 1 }, message: 'duplicate key "a" (first at line 1); the last one wins, as in Ansible' },
    ]);
    const bad = parseYaml('a: 1\nb: "open\nc: 3\n', 'e.yml');
    expect(bad.root).toBeNull();
    expect(bad.diagnostics).toEqual([{ severity: 'error', pos: { file: 'e.yml', line: 2, col: 4 }, message: 'invalid YAML: a quoted string is never closed' }]);
  });

  it('never quotes decrypted vault content in errors', () => {
    const bad = parseYaml('password: "s3cret\n', 'vault.yml', 'vault vault.yml');
    expect(bad.diagnostics.map((d) => d.message)).toEqual(['invalid YAML in decrypted vault content (MISSING_CHAR)']);
  });
});

function hasPyYaml(): boolean {
  try {
    execFileSync('python3', ['-c', 'import yaml'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}
