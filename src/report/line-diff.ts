/**
 * A small line diff for before → after texts of a Change (cron files, container specs,
 * runner scripts: tens of lines). LCS by dynamic programming; above a size bound it falls
 * back to "all removed, all added", which is still correct, only less compact.
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

const MAX_CELLS = 4_000_000;

const splitLines = (s: string): string[] => (s === '' ? [] : s.replace(/\r\n|\r/g, '\n').replace(/\n$/, '').split('\n'));

export function lineDiff(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  // Common prefix and suffix first: most changes touch a line or two.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const head = a.slice(0, start).map((text): DiffLine => ({ op: ' ', text }));
  const tail = a.slice(endA).map((text): DiffLine => ({ op: ' ', text }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  return [...head, ...diffMiddle(midA, midB), ...tail];
}

function diffMiddle(a: string[], b: string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0 || (n + 1) * (m + 1) > MAX_CELLS) {
    return [...a.map((text): DiffLine => ({ op: '-', text })), ...b.map((text): DiffLine => ({ op: '+', text }))];
  }
  // lcs[i][j] = LCS length of a[i..] and b[j..], flattened.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', text: a[i]! });
      i++;
      j++;
    } else if (lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!) {
      out.push({ op: '-', text: a[i++]! });
    } else {
      out.push({ op: '+', text: b[j++]! });
    }
  }
  while (i < n) out.push({ op: '-', text: a[i++]! });
  while (j < m) out.push({ op: '+', text: b[j++]! });
  return out;
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
