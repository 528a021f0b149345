/**
 * Durations as we print them (ages, run times). Parsing what users write is util/duration.ts.
 */
import { UNIT_SECONDS } from '../util/duration.js';

/** A short human form of a duration in seconds: "2d 3h", "7h 12m", "5m 3s", "45s". Two units at most. */
export function formatAge(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const sign = seconds < 0 ? '-' : '';
  const total = Math.floor(Math.abs(seconds));
  const units = ['d', 'h', 'm', 's'];
  // The largest unit that fits, then the next one down when it is not zero: "2d 3h", "2d", "5m 3s".
  const first = units.findIndex((u) => total >= UNIT_SECONDS[u]!);
  if (first < 0) return '0s';
  const big = units[first]!;
  const n = Math.floor(total / UNIT_SECONDS[big]!);
  const parts = [`${n}${big}`];
  const small = units[first + 1];
  if (small) {
    const m = Math.floor((total - n * UNIT_SECONDS[big]!) / UNIT_SECONDS[small]!);
    if (m > 0) parts.push(`${m}${small}`);
  }
  return sign + parts.join(' ');
}

/** Milliseconds as "850ms", "12.3s", "4m 5s". */
export function formatMillis(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return formatAge(Math.round(ms / 1000));
}
