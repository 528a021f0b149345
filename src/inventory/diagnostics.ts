import type { Diagnostic } from './types.js';

/**
 * Drops repeated diagnostics (a mistake in group_vars is found once per host of
 * the group, but reported once: same severity, position, key and message) and
 * sorts by file, line, column (stable; diagnostics without a position first), so
 * the output follows the files rather than the order checks ran in.
 */
export function dedupeDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of list) {
    const id = `${d.severity}\0${d.pos ? `${d.pos.file}:${d.pos.line}:${d.pos.col}` : ''}\0${d.key ?? ''}\0${d.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(d);
  }
  return out.sort(byPosition);
}

export const errorsOf = (list: readonly Diagnostic[]): Diagnostic[] => list.filter((d) => d.severity === 'error');
export const warningsOf = (list: readonly Diagnostic[]): Diagnostic[] => list.filter((d) => d.severity === 'warning');

function byPosition(a: Diagnostic, b: Diagnostic): number {
  if (!a.pos || !b.pos) return (a.pos ? 1 : 0) - (b.pos ? 1 : 0);
  if (a.pos.file !== b.pos.file) return a.pos.file < b.pos.file ? -1 : 1;
  return a.pos.line - b.pos.line || a.pos.col - b.pos.col;
}
