import { describe, expect, it } from 'vitest';
import { compactDiff, formatDiff, lineDiff } from '../../../src/report/line-diff.js';
import { CRON_AFTER, CRON_BEFORE } from '../../fixtures/report/plans.js';

describe('lineDiff', () => {
  it('marks exactly the changed cron lines', () => {
    const d = lineDiff(CRON_BEFORE, CRON_AFTER);
    expect(d.filter((l) => l.op === '-').map((l) => l.text)).toEqual([
      '0 1 * * * root /usr/local/lib/restic-fleet/run backup odoo-volume',
      '0 1 * * * root /usr/local/lib/restic-fleet/run backup postgres-volume',
    ]);
    expect(d.filter((l) => l.op === '+').map((l) => l.text)).toEqual(['30 2 * * * root /usr/local/lib/restic-fleet/run backup odoo-volume']);
    // Applying the diff to before gives after.
    expect(d.filter((l) => l.op !== '-').map((l) => l.text).join('\n') + '\n').toBe(CRON_AFTER);
    expect(d.filter((l) => l.op !== '+').map((l) => l.text).join('\n') + '\n').toBe(CRON_BEFORE);
  });

  it('handles empty sides', () => {
    expect(lineDiff('', 'a\nb')).toEqual([
      { op: '+', text: 'a' },
      { op: '+', text: 'b' },
    ]);
    expect(lineDiff('a', '')).toEqual([{ op: '-', text: 'a' }]);
  });

  it('compacts long unchanged runs into gaps', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    const after = before.replace('line 10', 'line ten');
    const text = formatDiff(compactDiff(lineDiff(before, after), 2));
    expect(text).toBe(['@@ 8 unchanged lines @@', '  line 8', '  line 9', '- line 10', '+ line ten', '  line 11', '  line 12', '@@ 7 unchanged lines @@'].join('\n'));
  });
});

describe('lineDiff on large inputs', () => {
  it('falls back to all removed, all added past the edit bound, still a correct diff', () => {
    const before = Array.from({ length: 3000 }, (_, i) => `old ${i}`).join('\n');
    const after = Array.from({ length: 3000 }, (_, i) => `new ${i}`).join('\n');
    const d = lineDiff(before, after);
    expect(d).toHaveLength(6000);
    expect(d.slice(0, 3000).every((l) => l.op === '-')).toBe(true);
    expect(d.slice(3000).every((l) => l.op === '+')).toBe(true);
  });

  it('finds one changed line among thousands', () => {
    const before = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n');
    const d = lineDiff(before, before.replace('line 2500', 'line 2500 changed'));
    expect(d.filter((l) => l.op !== ' ')).toEqual([
      { op: '-', text: 'line 2500' },
      { op: '+', text: 'line 2500 changed' },
    ]);
  });
});
