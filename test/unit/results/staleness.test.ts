import { describe, expect, it } from 'vitest';
import { isFailing, isStale, snapshotAgeSeconds } from '../../../src/results/staleness.js';

const now = new Date('2026-11-27T08:00:00Z');
const limit = 26 * 3600;

describe('stale detection', () => {
  it('reads restic times with nanoseconds and offsets', () => {
    expect(snapshotAgeSeconds('2026-11-27T01:00:03.412963087Z', now)).toBe(6 * 3600 + 59 * 60 + 56);
    expect(snapshotAgeSeconds('2026-11-27T02:00:00+01:00', now)).toBe(7 * 3600);
  });

  it('is stale only when the newest snapshot is older than stale-after', () => {
    expect(isStale('2026-11-26T06:00:00Z', limit, now)).toBe(false); // exactly 26h
    expect(isStale('2026-11-26T05:59:59Z', limit, now)).toBe(true); // 26h + 1s
    expect(isStale('2026-11-27T07:00:00Z', limit, now)).toBe(false);
  });

  it('treats no snapshot and unreadable times as stale, future times as fresh', () => {
    expect(isStale(undefined, limit, now)).toBe(true);
    expect(isStale('yesterday', limit, now)).toBe(true);
    expect(isStale('2026-11-28T00:00:00Z', limit, now)).toBe(false);
  });

  it('is failing when the last run failed', () => {
    expect(isFailing({ status: 'failed', exitCode: 1 })).toBe(true);
    expect(isFailing({ status: 'ok', exitCode: 0 })).toBe(false);
    expect(isFailing({ status: 'running' })).toBe(false);
    expect(isFailing(undefined)).toBe(false);
  });
});
