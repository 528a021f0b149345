import { describe, expect, it } from 'vitest';
import { formatAge, formatMillis } from '../../../src/report/duration.js';
import { parseDuration } from '../../../src/util/duration.js';

describe('parseDuration', () => {
  it.each([
    ['26h', 26 * 3600],
    ['90m', 5400],
    ['2d', 172_800],
    ['1d12h', 129_600],
    ['1d 12h', 129_600],
    ['3600s', 3600],
    ['3600', 3600],
    ['1w', 604_800],
    [' 2H ', 7200],
    ['1h30m15s', 5415],
  ])('%s → %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each([
    ['', /is empty/],
    ['abc', /is not a duration/],
    ['26x', /unknown unit "x"/],
    ['26hours', /unknown unit "hours"/],
    ['12h1d', /out of order/],
    ['1h1h', /repeats a unit/],
    ['-5h', /negative/],
    ['0', /more than 0/],
    ['0h', /more than 0/],
    ['1.5h', /not a duration/],
    ['h', /not a duration/],
  ])('refuses %j with a clear message', (text, why) => {
    expect(() => parseDuration(text, 'stale-after')).toThrow(why);
    expect(() => parseDuration(text, 'stale-after')).toThrow(/^stale-after: .*e\.g\. 26h, 90m, 2d/);
  });
});

describe('formatAge', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [303, '5m 3s'],
    [7 * 3600 + 12 * 60 + 5, '7h 12m'],
    [2 * 86400 + 3 * 3600 + 59, '2d 3h'],
    [2 * 86400 + 59, '2d'],
    [-90, '-1m 30s'],
  ])('%d → %s', (s, text) => expect(formatAge(s)).toBe(text));

  it('formats milliseconds', () => {
    expect(formatMillis(850)).toBe('850ms');
    expect(formatMillis(12_340)).toBe('12.3s');
    expect(formatMillis(245_000)).toBe('4m 5s');
  });
});
