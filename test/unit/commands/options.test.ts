// The options both doors share: one default and one bound each (src/commands/options.ts).
import { describe, expect, it } from 'vitest';
import { concurrencyOption, limitOption, planHashOption, restoreOption, staleAfterOption } from '../../../src/commands/options.js';

describe('shared options', () => {
  it('concurrency: a whole number from 1 to 256, default 10; the error names the option as the door calls it', () => {
    expect(concurrencyOption(undefined, '--concurrency')).toBe(10);
    expect(concurrencyOption('', 'input concurrency')).toBe(10);
    expect(concurrencyOption(' 3 ', '--concurrency')).toBe(3);
    expect(concurrencyOption('256', '--concurrency')).toBe(256);
    for (const bad of ['0', '-1', '257', '2.5', 'ten']) {
      expect(() => concurrencyOption(bad, '--concurrency')).toThrow('--concurrency must be a whole number from 1 to 256');
    }
    expect(() => concurrencyOption('0', 'input concurrency')).toThrow('input concurrency must be a whole number from 1 to 256');
  });

  it('stale-after: a duration, default 26h', () => {
    expect(staleAfterOption(undefined, '--stale-after')).toBe(26 * 3600);
    expect(staleAfterOption('90m', 'stale-after')).toBe(5400);
    expect(() => staleAfterOption('12h1d', '--stale-after')).toThrow(/^--stale-after: /);
  });

  it('limit and plan-hash: trimmed, empty means none', () => {
    expect(limitOption(' c1,web ')).toEqual(['c1,web']);
    expect(limitOption('  ')).toBeUndefined();
    expect(planHashOption(' abc ')).toBe('abc');
    expect(planHashOption('')).toBeUndefined();
  });

  it('restore: host and set required, snapshot latest and target in place by default', () => {
    expect(restoreOption({ host: 'c1', set: 'odoo volume' }, 'x')).toEqual({ host: 'c1', set: 'odoo volume', snapshot: 'latest', target: 'in-place', dryRun: false });
    expect(restoreOption({ host: 'c1', set: 's', snapshot: 'abcd', target: '/srv/r', dryRun: true }, 'x')).toMatchObject({ snapshot: 'abcd', target: '/srv/r', dryRun: true });
    expect(() => restoreOption({ host: 'c1', set: ' ' }, 'restore needs --host and --set')).toThrow('restore needs --host and --set');
  });
});
