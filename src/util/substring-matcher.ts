/**
 * Finds where any of many patterns occurs in a text. The secret registry holds thousands
 * of values that share long prefixes (rest: URLs, their base64 and URL-encoded forms), so
 * a search per value, or buckets by first characters, costs per value. Here each pattern
 * is filed under one of its 3-character windows, the one fewest other patterns use (in a
 * URL, a window of its password or user): a position of the text costs one lookup and a
 * few comparisons, and patterns are added one at a time without rebuilding anything.
 */
const GRAM = 3;

export class SubstringMatcher {
  private readonly byGram = new Map<string, Array<{ value: string; offset: number }>>();
  private readonly short: string[] = []; // patterns shorter than a window
  private readonly seen = new Set<string>();

  constructor(patterns: Iterable<string> = []) {
    for (const p of patterns) this.add(p);
  }

  add(p: string): void {
    if (!p || this.seen.has(p)) return;
    this.seen.add(p);
    if (p.length < GRAM) {
      this.short.push(p);
      return;
    }
    let best = 0;
    let bestSize = Infinity;
    for (let o = 0; o + GRAM <= p.length && bestSize > 0; o++) {
      const size = this.byGram.get(p.slice(o, o + GRAM))?.length ?? 0;
      if (size < bestSize) [best, bestSize] = [o, size];
    }
    const key = p.slice(best, best + GRAM);
    const list = this.byGram.get(key);
    if (list) list.push({ value: p, offset: best });
    else this.byGram.set(key, [{ value: p, offset: best }]);
  }

  /** Ranges [start, end) covered by any pattern, merged where they overlap or touch; in text order. */
  ranges(text: string): Array<[number, number]> {
    const found: Array<[number, number]> = [];
    for (let i = 0; i + GRAM <= text.length; i++) {
      const candidates = this.byGram.get(text.slice(i, i + GRAM));
      if (!candidates) continue;
      for (const { value, offset } of candidates) {
        const s = i - offset;
        if (s >= 0 && text.startsWith(value, s)) found.push([s, s + value.length]);
      }
    }
    for (const p of this.short) for (let s = text.indexOf(p); s >= 0; s = text.indexOf(p, s + 1)) found.push([s, s + p.length]);
    found.sort((a, b) => a[0] - b[0]);
    const out: Array<[number, number]> = [];
    for (const [s, e] of found) {
      const last = out[out.length - 1];
      if (last && s <= last[1]) last[1] = Math.max(last[1], e);
      else out.push([s, e]);
    }
    return out;
  }
}
