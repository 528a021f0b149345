// One-way layers: every import of src/**/*.ts goes to the importer's own layer or a lower
// one, in the order docs/ARCHITECTURE.md lists (its ```layers block is the machine-readable
// list, so the doc and this check cannot drift). Also: src/report/ only renders (no I/O),
// and the doors stay thin.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '../../..');
const SRC = path.join(ROOT, 'src');

/**
 * Imports that break the order today, in files other work is changing (session 3). Each
 * entry says why it is still here; delete it once that work is merged and the import is
 * gone (the test fails on an entry that no longer matches, so none lingers).
 */
const ALLOWED: Array<{ from: string; to: string; why: string }> = [];

/** The layers, lowest first: each line of the ```layers block is one layer of folders/files under src/. */
function layers(): string[][] {
  const doc = readFileSync(path.join(ROOT, 'docs/ARCHITECTURE.md'), 'utf8');
  const block = /^```layers\n([\s\S]*?)^```/m.exec(doc);
  if (!block) throw new Error('docs/ARCHITECTURE.md has no ```layers block');
  return block[1]!.split('\n').map((l) => l.trim().split(/\s+/).filter(Boolean)).filter((l) => l.length);
}

const sourceFiles = (): string[] =>
  readdirSync(SRC, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.relative(SRC, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();

/** Every module a file imports (static, type-only, re-exports and dynamic import()), as written. */
const importsOf = (file: string): string[] =>
  ts.preProcessFile(readFileSync(path.join(SRC, file), 'utf8'), true, true).importedFiles.map((f) => f.fileName);

/** A relative import as a src-relative .ts path; undefined for packages and node: modules. */
function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  return path.posix.normalize(path.posix.join(path.posix.dirname(from), spec)).replace(/\.js$/, '.ts');
}

function layerIndex(order: string[][], file: string): number {
  const top = file.includes('/') ? file.slice(0, file.indexOf('/')) : file;
  return order.findIndex((layer) => layer.includes(top));
}

describe('layers (docs/ARCHITECTURE.md)', () => {
  const order = layers();
  const files = sourceFiles();
  const edges = files.flatMap((from) => importsOf(from).flatMap((spec) => {
    const to = resolveLocal(from, spec);
    return to ? [{ from, to }] : [];
  }));

  it('the doc lists each folder or file once, and every module of src/ is in a layer', () => {
    const entries = order.flat();
    expect(entries.length).toBe(new Set(entries).size);
    expect(files.filter((f) => layerIndex(order, f) < 0)).toEqual([]);
  });

  it('imports resolve to files of src/', () => {
    expect(edges.filter((e) => !files.includes(e.to))).toEqual([]);
  });

  it('no module imports from a layer above its own', () => {
    const upward = edges.filter((e) => layerIndex(order, e.to) > layerIndex(order, e.from));
    const allowed = (e: { from: string; to: string }) => ALLOWED.some((a) => a.from === e.from && a.to === e.to);
    expect(upward.filter((e) => !allowed(e)).map((e) => `${e.from} imports ${e.to}`)).toEqual([]);
    // An allowlist entry that no longer matches is a fixed violation: remove the entry.
    expect(ALLOWED.filter((a) => !upward.some((e) => e.from === a.from && e.to === a.to)).map((a) => `${a.from} → ${a.to}`)).toEqual([]);
  });

  it('the check sees an upward import (the engine reading the report)', () => {
    const engine = layerIndex(order, 'engine/converge.ts');
    expect(engine).toBeGreaterThanOrEqual(0);
    expect(layerIndex(order, 'report/summary.ts')).toBeGreaterThan(engine);
    expect(layerIndex(order, 'main.ts')).toBe(order.length - 1);
    expect(resolveLocal('engine/converge.ts', '../report/types.js')).toBe('report/types.ts');
  });
});

describe('src/report/ only renders', () => {
  const IO = /^(@actions\/|(node:)?(fs|fs\/promises|child_process|net|http|https|dns|tls)$)/;
  it('no file under src/report/ imports @actions/*, node:fs, child processes or the network', () => {
    const offenders = sourceFiles()
      .filter((f) => f.startsWith('report/'))
      .flatMap((f) => importsOf(f).filter((spec) => IO.test(spec)).map((spec) => `${f} imports ${spec}`));
    expect(offenders).toEqual([]);
  });
  it('the pattern catches the forms in use', () => {
    for (const spec of ['@actions/core', '@actions/github', 'node:fs', 'fs', 'node:child_process']) expect(IO.test(spec)).toBe(true);
    for (const spec of ['diff', 'node:path', '../secret.js']) expect(IO.test(spec)).toBe(false);
  });
});

describe('the doors stay thin', () => {
  it.each(['main.ts', 'cli.ts'])('src/%s is under 120 lines', (f) => {
    expect(readFileSync(path.join(SRC, f), 'utf8').split('\n').length).toBeLessThanOrEqual(120);
  });
});
