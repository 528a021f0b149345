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
