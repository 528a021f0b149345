import { Issue, type Check } from './validators.js';

/**
 * A cron minute or hour field: `*`, `N`, `A-B`, `*\/S`, `A-B/S`, and
 * comma-separated lists of those, range-checked. Integers are accepted and
 * become strings. Anything else (spaces, names, `%`, shell characters) is
 * rejected, so the field can be written into a crontab line as it is.
 */
export function cronField(unit: 'minute' | 'hour'): Check<string> {
  const max = unit === 'minute' ? 59 : 23;
  const range = `${unit} 0–${max}`;
  return (v) => {
    let s: string;
    if (typeof v === 'number' && Number.isInteger(v)) s = String(v);
    else if (typeof v === 'string') s = v.trim();
    else return new Issue(`must be a cron ${unit} field (a string such as "30", "*/15" or "1,13", or an integer)`);
    if (s === '') return new Issue(`must not be empty (a cron ${unit} field)`);
    for (const item of s.split(',')) {
      const problem = checkItem(item, max, range);
      if (problem) return new Issue(`is not a valid cron ${unit} field: ${problem}`);
    }
    return s;
  };
}

function checkItem(item: string, max: number, range: string): string | undefined {
  const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
  if (!m) return 'each comma-separated item must be N, A-B, *, */S or A-B/S (no spaces, names or @shortcuts)';
  const [, whole, a, b, step] = m;
  if (step !== undefined && whole !== '*' && b === undefined) return `a step needs "*" or a range (A-B/S)`;
  const lo = a === undefined ? 0 : Number(a);
  const hi = b === undefined ? (a === undefined ? max : lo) : Number(b);
  if (lo > max || hi > max) return `out of range (${range})`;
  if (lo > hi) return `range start is after its end`;
  if (step !== undefined && (Number(step) < 1 || Number(step) > max + 1)) return `step must be from 1 to ${max + 1}`;
  return undefined;
}
