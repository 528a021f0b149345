/**
 * Ansible host ranges in inventory host names: `web[01:03].example.com`,
 * `db-[a:c]`, `node[0:10:5]` (start:end[:step], inclusive; leading zeros keep
 * the width). Several ranges in one name multiply out.
 */
export function expandHostPattern(name: string): { hosts: string[] } | { error: string } {
  const m = /^(.*?)\[([^\]]*)\](.*)$/.exec(name);
  if (!m) return { hosts: [name] };
  const [, head, range, tail] = m as unknown as [string, string, string, string];
  const parts = range.split(':');
  if (parts.length < 2 || parts.length > 3) return { error: `host range [${range}] must be [start:end] or [start:end:step]` };
  const [start, end, stepText] = parts as [string, string, string?];
  const step = stepText === undefined || stepText === '' ? 1 : Number(stepText);
  if (!Number.isInteger(step) || step < 1) return { error: `host range [${range}]: step must be a positive integer` };
  const items: string[] = [];
  if (/^\d*$/.test(start) && /^\d+$/.test(end)) {
    const width = start.length > 1 && start.startsWith('0') ? start.length : 0;
    const a = Number(start || '0');
    const b = Number(end);
    if (a > b) return { error: `host range [${range}]: start is after end` };
    if ((b - a) / step > 10000) return { error: `host range [${range}] expands to more than 10000 hosts` };
    for (let i = a; i <= b; i += step) items.push(String(i).padStart(width, '0'));
  } else if (/^[a-z]$/i.test(start) && /^[a-z]$/i.test(end)) {
    const a = start.charCodeAt(0);
    const b = end.charCodeAt(0);
    if (a > b) return { error: `host range [${range}]: start is after end` };
    for (let c = a; c <= b; c += step) items.push(String.fromCharCode(c));
  } else {
    return { error: `host range [${range}] must be numeric ([01:10]) or alphabetic ([a:f])` };
  }
  const out: string[] = [];
  for (const it of items) {
    const rest = expandHostPattern(`${it}${tail}`);
    if ('error' in rest) return rest;
    for (const h of rest.hosts) out.push(`${head}${h}`);
  }
  return { hosts: out };
}
