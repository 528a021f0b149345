import { describe, expect, it } from 'vitest';
import { SubstringMatcher } from '../../../src/util/substring-matcher.js';

/** Every covered position, by brute force: the reference the matcher must agree with. */
function bruteRanges(text: string, patterns: string[]): Array<[number, number]> {
  const covered = new Array<boolean>(text.length).fill(false);
  for (const p of patterns) for (let i = text.indexOf(p); p && i >= 0; i = text.indexOf(p, i + 1)) for (let k = i; k < i + p.length; k++) covered[k] = true;
  const out: Array<[number, number]> = [];
  covered.forEach((c, i) => {
    if (!c) return;
    const last = out[out.length - 1];
    if (last && last[1] === i) last[1] = i + 1;
    else out.push([i, i + 1]);
  });
  return out;
}

describe('SubstringMatcher', () => {
  it('finds overlapping, nested and shared-prefix patterns like a brute-force scan', () => {
    const patterns = ['rest:http://a:pw1@h', 'rest:http://b:pw2@h', 'pw1', 'w1@', 'abcab', 'bca', 'cabx'];
    for (const text of ['x rest:http://a:pw1@h/y', 'abcabcabx', 'pw1pw2 w1@ rest:http://b:pw2@hh', 'nothing here', 'bcabcab']) {
      expect(new SubstringMatcher(patterns).ranges(text), text).toEqual(bruteRanges(text, patterns));
    }
  });

  it('agrees with brute force on random texts over a small alphabet', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const word = (len: number) => Array.from({ length: len }, () => 'abc'[rnd(3)]).join('');
    for (let round = 0; round < 200; round++) {
      const patterns = Array.from({ length: 1 + rnd(6) }, () => word(3 + rnd(4)));
      const text = word(rnd(40));
      expect(new SubstringMatcher(patterns).ranges(text), `${patterns} in ${text}`).toEqual(bruteRanges(text, patterns));
    }
  });
});
