/**
 * Durations as users write them in inputs (`stale-after: 26h`): one parser both doors use.
 */

export const UNIT_SECONDS: Record<string, number> = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1 };
const UNIT_ORDER = 'wdhms';
const EXAMPLES = 'e.g. 26h, 90m, 2d, 1d12h, 3600s or a plain number of seconds';

/**
 * Parses `26h`, `90m`, `2d`, `1d12h`, `1d 12h`, `3600s`, `1w` or plain seconds (`3600`) into
 * seconds. Units must appear at most once and from largest to smallest, so `12h1d` (likely a
 * typo) is refused rather than guessed at. `name` goes into the error ("stale-after: ...").
 */
export function parseDuration(text: string, name = 'duration'): number {
  const input = text.trim().toLowerCase();
  const fail = (why: string): never => {
    throw new Error(`${name}: ${JSON.stringify(text)} ${why} (${EXAMPLES})`);
  };
  if (input === '') fail('is empty');
  if (/^\d+$/.test(input)) return positive(Number(input), fail);

  const part = /(\d+)\s*([a-z]+)\s*/y;
  let total = 0;
  let lastUnit = -1;
  let pos = 0;
  while (pos < input.length) {
    part.lastIndex = pos;
    const m = part.exec(input);
    if (!m) fail(/^-/.test(input) ? 'is negative' : 'is not a duration');
    const [, amount, unit] = m!;
    const order = UNIT_ORDER.indexOf(unit!);
    if (unit!.length !== 1 || order < 0) fail(`has an unknown unit "${unit}" (use w, d, h, m, s)`);
    if (order <= lastUnit) fail('repeats a unit or lists units out of order (write 1d12h, not 12h1d)');
    lastUnit = order;
    total += Number(amount) * UNIT_SECONDS[unit!]!;
    pos = part.lastIndex;
  }
  return positive(total, fail);
}

function positive(seconds: number, fail: (why: string) => never): number {
  if (!Number.isSafeInteger(seconds)) fail('is too large');
  if (seconds <= 0) fail('must be more than 0 seconds');
  return seconds;
}
