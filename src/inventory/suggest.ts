/** Levenshtein distance (two rows; names are short). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest known name, if close enough to be a likely typo. */
export function suggest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestD || (d === bestD && best !== undefined && k < best)) {
      best = k;
      bestD = d;
    }
  }
  const limit = Math.max(2, Math.floor(name.length / 4));
  return best !== undefined && bestD <= limit ? best : undefined;
}

export const didYouMean = (name: string, known: Iterable<string>): string => {
  const s = suggest(name, known);
  return s ? ` (did you mean "${s}"?)` : '';
};
