/** Counting and naming things in a Plan, shared by the log, PR comment and job summary renderers. */
import type { Change, ChangeAction, HostPlan, Plan } from '../plan/types.js';

export const ACTION_SYMBOL: Record<ChangeAction, string> = { create: '+', update: '~', delete: '-', run: '>' };

export type HostState = 'changed' | 'unchanged' | 'failed' | 'skipped';

export function hostState(h: HostPlan): HostState {
  if (h.status !== 'ok') return h.status;
  return h.changes.length > 0 ? 'changed' : 'unchanged';
}

export interface PlanCounts {
  changed: number;
  unchanged: number;
  failed: number;
  skipped: number;
  changes: number;
  destructive: number;
}

export function countPlan(plan: Plan): PlanCounts {
  const counts: PlanCounts = { changed: 0, unchanged: 0, failed: 0, skipped: 0, changes: 0, destructive: 0 };
  for (const h of plan.hosts) {
    counts[hostState(h)]++;
    counts.changes += h.changes.length;
    counts.destructive += h.changes.filter((c) => c.destructive).length;
  }
  return counts;
}

export function destructiveChanges(plan: Plan): Array<{ host: string; change: Change }> {
  return plan.hosts.flatMap((h) => h.changes.filter((c) => c.destructive).map((change) => ({ host: h.host, change })));
}

/**
 * The change's one-line title with its verb: summaries usually start with it already
 * ("update /etc/cron.d/restic-fleet …"); when not, the action is put in front.
 */
export function changeTitle(c: Change): string {
  const s = c.summary.trim();
  return s.toLowerCase().startsWith(`${c.action} `) || s.toLowerCase() === c.action ? s : `${c.action} ${s}`;
}

export const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;

export function countsLine(c: PlanCounts): string {
  const changes = `${plural(c.changes, 'change')}${c.destructive ? ` (${c.destructive} destructive)` : ''}`;
  return `hosts: ${c.changed} changed / ${c.unchanged} unchanged / ${c.failed} failed / ${c.skipped} skipped; ${changes}`;
}
