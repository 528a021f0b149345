import { createHash } from 'node:crypto';

const shortHash = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 6);

/**
 * File-, lock- and cron-safe names for free-text set ids ("odoo volume" → "odoo-volume").
 * Ids that collide after slugging get a short hash of the id appended, so the result is
 * deterministic and independent of set order.
 */
export function slugify(ids: string[]): Map<string, string> {
  const base = (id: string): string =>
    id
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'set';
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(base(id), (counts.get(base(id)) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const id of ids) {
    const b = base(id);
    out.set(id, counts.get(b)! > 1 || b === 'set' || b === 'rotation' || b === 'prune' || b === 'check' ? `${b}-${shortHash(id)}` : b);
  }
  return out;
}
