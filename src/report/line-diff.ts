import { diffArrays } from 'diff';

/**
 * A line diff for before → after texts of a Change (cron files, container specs, runner
 * scripts: tens of lines), by the `diff` package (Myers). Above a bound on the edit length
 * it falls back to "all removed, all added", which is still correct, only less compact.
 */
export type DiffOp = ' ' | '-' | '+';
export interface DiffLine {
  op: DiffOp;
  text: string;
}
/** A run of unchanged lines left out of a compact diff. */
export interface DiffGap {
  op: '…';
  skipped: number;
}

const MAX_EDIT_LENGTH = 2000;

const splitLines = (s: string): string[] => (s === '' ? [] : s.replace(/\r\n|\r/g, '\n').replace(/\n$/, '').split('\n'));

export function lineDiff(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  const changes = diffArrays(a, b, { maxEditLength: MAX_EDIT_LENGTH });
  if (!changes) return [...a.map((text): DiffLine => ({ op: '-', text })), ...b.map((text): DiffLine => ({ op: '+', text }))];
  return changes.flatMap((c) => c.value.map((text): DiffLine => ({ op: c.added ? '+' : c.removed ? '-' : ' ', text })));
}

/** Keeps `context` unchanged lines around each change and replaces longer unchanged runs by a gap. */
export function compactDiff(lines: DiffLine[], context = 2): Array<DiffLine | DiffGap> {
  const keep = lines.map(() => false);
  lines.forEach((l, i) => {
    if (l.op === ' ') return;
    for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k++) keep[k] = true;
  });
  // A gap marker for a single line costs as much as the line: show it instead.
  keep.forEach((k, i) => {
    if (!k && (i === 0 || keep[i - 1]) && (i === keep.length - 1 || keep[i + 1])) keep[i] = true;
  });
  const out: Array<DiffLine | DiffGap> = [];
  let skipped = 0;
  lines.forEach((l, i) => {
    if (keep[i]) {
      if (skipped) out.push({ op: '…', skipped });
      skipped = 0;
      out.push(l);
    } else skipped++;
  });
  if (skipped) out.push({ op: '…', skipped });
  return out;
}

/** Diff lines as text with `-`/`+`/` ` prefixes (the `diff` fence language colours them). */
export function formatDiff(lines: Array<DiffLine | DiffGap>, indent = ''): string {
  return lines
    .map((l) => (l.op === '…' ? `${indent}@@ ${l.skipped} unchanged line${l.skipped === 1 ? '' : 's'} @@` : `${indent}${l.op} ${l.text}`))
    .join('\n');
}
