import path from 'node:path';
import type { DesiredBackupSet, DesiredHost } from '../desired/types.js';
import { RestoreRefused, type RestoreTarget } from './types.js';

const list = (xs: string[]): string => (xs.length ? xs.map((x) => `"${x}"`).join(', ') : '(none)');

/** The inventory host to restore on: must exist and be a backup client. */
export function findClient(hosts: DesiredHost[], name: string): DesiredHost & { client: NonNullable<DesiredHost['client']> } {
  const h = hosts.find((x) => x.name === name);
  const clients = hosts.filter((x) => x.client).map((x) => x.name);
  if (!h) throw new RestoreRefused(`host "${name}" is not in the inventory; its backup clients: ${list(clients)}`);
  if (!h.client) throw new RestoreRefused(`host "${name}" is not a backup client (it has no restic_repo); backup clients: ${list(clients)}`);
  return h as DesiredHost & { client: NonNullable<DesiredHost['client']> };
}

/** A set by its inventory id; the slug (as in cron lines, logs and tags) is accepted too. */
export function findSet(host: DesiredHost & { client: NonNullable<DesiredHost['client']> }, id: string): DesiredBackupSet {
  const sets = host.client.sets;
  const s = sets.find((x) => x.id === id) ?? sets.find((x) => x.slug === id) ?? sets.filter((x) => x.id.toLowerCase() === id.toLowerCase()).at(0);
  if (!s) throw new RestoreRefused(`host ${host.name} has no backup set "${id}"; its sets: ${list(sets.map((x) => x.id))}`);
  if (s.type !== 'docker-volume') throw new RestoreRefused(`set "${s.id}" is of type ${s.type}; restore supports docker-volume sets`);
  return s;
}

/** 'in-place' or an absolute, normalised path (no newline or NUL: it becomes a file name on the host). */
export function parseTarget(target: string): RestoreTarget {
  const t = target.trim();
  if (t === '' || t === 'in-place') return { kind: 'in-place' };
  if (/[\0\n\r]/.test(t)) throw new RestoreRefused('the target path contains a control character');
  if (!t.startsWith('/')) throw new RestoreRefused(`target "${t}" is neither "in-place" nor an absolute path on the host`);
  const p = path.posix.normalize(t).replace(/(.)\/+$/, '$1');
  if (p === '/') throw new RestoreRefused('target "/" is not allowed: name a directory to restore under');
  return { kind: 'path', path: p };
}

/** True when `p` is `dir` or lies under it (both absolute, normalised). */
export function isWithin(p: string, dir: string): boolean {
  const a = path.posix.normalize(p).replace(/\/+$/, '') || '/';
  const b = path.posix.normalize(dir).replace(/\/+$/, '') || '/';
  return a === b || a.startsWith(b === '/' ? '/' : `${b}/`);
}

/** Today + days as YYYY-MM-DD (UTC): the date in the safety snapshot's keep-until tag. */
export function keepUntil(now: Date, days: number): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}
