import { LIMITS } from './limits.js';

interface Range {
  items: () => string[];
  count: number;
}

/**
 * Ansible host ranges in inventory host names: `web[01:03].example.com`,
 * `db-[a:c]`, `node[0:10:5]` (start:end[:step], inclusive; leading zeros keep
 * the width). Several ranges in one name multiply out. The number of names is
 * computed from the ranges first and capped (`max`, LIMITS.hosts by default)
 * before any name is made: `web[0:9999]x[0:9999]` is 10⁸ names, refused at once.
 */
export function expandHostPattern(name: string, max: number = LIMITS.hosts): { hosts: string[] } | { error: string } {
  const literals: string[] = [];
  const ranges: Range[] = [];
  let rest = name;
  for (;;) {
    const m = /^(.*?)\[([^\]]*)\](.*)$/.exec(rest);
    if (!m) break;
    const [, head, text, tail] = m as unknown as [string, string, string, string];
    const range = parseRange(text);
    if ('error' in range) return range;
    literals.push(head);
    ranges.push(range);
    rest = tail;
  }
  literals.push(rest);
  if (ranges.length === 0) return { hosts: [name] };
  let total = 1;
  for (const r of ranges) total *= r.count;
  if (total > max) {
    return { error: `host pattern "${name}" expands to ${total > 1e15 ? 'more than 10^15' : total} hosts, over the cap of ${max} hosts (checked before expanding)` };
  }
  let out = [literals[0]!];
  ranges.forEach((r, i) => {
    const items = r.items();
    out = out.flatMap((prefix) => items.map((it) => `${prefix}${it}${literals[i + 1]!}`));
  });
  return { hosts: out };
}

function parseRange(range: string): Range | { error: string } {
  const parts = range.split(':');
  if (parts.length < 2 || parts.length > 3) return { error: `host range [${range}] must be [start:end] or [start:end:step]` };
  const [start, end, stepText] = parts as [string, string, string?];
  const step = stepText === undefined || stepText === '' ? 1 : Number(stepText);
  if (!Number.isSafeInteger(step) || step < 1) return { error: `host range [${range}]: step must be a positive integer` };
  if (/^\d*$/.test(start) && /^\d+$/.test(end)) {
    const width = start.length > 1 && start.startsWith('0') ? start.length : 0;
    const a = Number(start || '0');
    const b = Number(end);
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) return { error: `host range [${range}]: numbers too large` };
    if (a > b) return { error: `host range [${range}]: start is after end` };
    const count = Math.floor((b - a) / step) + 1;
    return {
      count,
      items: () => Array.from({ length: count }, (_, k) => String(a + k * step).padStart(width, '0')),
    };
  }
  if (/^[a-z]$/i.test(start) && /^[a-z]$/i.test(end)) {
    const a = start.charCodeAt(0);
    const b = end.charCodeAt(0);
    if (a > b) return { error: `host range [${range}]: start is after end` };
    const count = Math.floor((b - a) / step) + 1;
    return { count, items: () => Array.from({ length: count }, (_, k) => String.fromCharCode(a + k * step)) };
  }
  return { error: `host range [${range}] must be numeric ([01:10]) or alphabetic ([a:f])` };
}
