/**
 * Plain-text renderings for the job log: the plan (what will change, per host) and the
 * final per-host result table. Output goes through logText(): redacted, and remote text
 * cannot start a workflow command.
 */
import type { Change, HostPlan, Plan } from '../plan/types.js';
import { redact } from '../secret.js';
import { formatMillis } from './duration.js';
import { logText, oneLine } from './escape.js';
import { compactDiff, formatDiff, lineDiff } from './line-diff.js';
import { ACTION_SYMBOL, changeTitle, countPlan, countsLine, hostState, plural } from './plan-stats.js';
import type { HostResult } from '../results/types.js';

/** Longest before/after excerpt printed per change; the rest is counted, not printed. */
const MAX_DETAIL_LINES = 200;

/** The whole plan as one text (header, every host, totals): the log groups, flattened. */
export function renderPlanText(plan: Plan): string {
  const { header, groups, footer } = planLogGroups(plan);
  return [...header, ...groups.flatMap((g) => [g.title, ...g.lines]), ...footer].join('\n');
}

/**
 * The plan as one collapsible log group per host (title: host and outcome), then the
 * totals and the hash: what both doors print for plan and apply.
 */
export function planLogGroups(
  plan: Plan,
  results?: HostResult[],
): { header: string[]; groups: Array<{ title: string; lines: string[] }>; footer: string[] } {
  const byHost = new Map(results?.map((r) => [r.host, r]));
  const groups = plan.hosts.map((h) => {
    const [first, ...rest] = hostLines(h);
    const r = byHost.get(h.host);
    const title = r ? `${h.host}: ${resultText(r)}` : first!;
    const lines = r?.outcome === 'failed' && h.status === 'ok' ? [...rest, `  apply failed: ${oneLine(r.reason ?? '', 500)}`] : rest;
    return { title: logText(title), lines: lines.map(logText) };
  });
  const header = plan.offline
    ? ['Offline plan: live state was NOT read; the diff is desired state (this inventory) against desired state of the base inventory.']
    : [];
  return { header, groups, footer: [countsLine(countPlan(plan)), `plan hash: ${plan.hash}`].map(logText) };
}

function hostLines(h: HostPlan): string[] {
  const roles = h.roles.length ? ` [${h.roles.join(', ')}]` : '';
  const state = hostState(h);
  const lines: string[] = [];
  if (state === 'failed' || state === 'skipped') {
    lines.push(`${h.host}${roles}: ${state.toUpperCase()}${h.reason ? `: ${oneLine(h.reason, 300)}` : ''}`);
  } else {
    lines.push(`${h.host}${roles}: ${state === 'unchanged' ? 'no changes' : plural(h.changes.length, 'change')}`);
  }
  for (const c of h.changes) lines.push(...changeLines(c));
  for (const w of h.warnings) lines.push(`  warning: ${oneLine(w, 500)}`);
  return lines;
}

export function changeLines(c: Change): string[] {
  const mark = c.destructive ? `  !! ${oneLine(c.destructive, 300)}` : '';
  const lines = [`  ${ACTION_SYMBOL[c.action]} ${oneLine(changeTitle(c), 300)}${mark}`];
  const detail = detailLines(c.before, c.after);
  if (detail.length > MAX_DETAIL_LINES) {
    lines.push(...detail.slice(0, MAX_DETAIL_LINES), `      … ${detail.length - MAX_DETAIL_LINES} more lines`);
  } else lines.push(...detail);
  return lines;
}

function detailLines(rawBefore: string | undefined, rawAfter: string | undefined): string[] {
  if (rawBefore === undefined && rawAfter === undefined) return [];
  // Redact whole texts before diffing: diff prefixes would split a multi-line secret.
  const before = rawBefore === undefined ? undefined : redact(rawBefore);
  const after = rawAfter === undefined ? undefined : redact(rawAfter);
  const singleLine = (s: string | undefined) => s === undefined || !/[\r\n]/.test(s.replace(/\n$/, ''));
  if (before !== undefined && after !== undefined && singleLine(before) && singleLine(after)) {
    return [`      ${before.replace(/\n$/, '')} → ${after.replace(/\n$/, '')}`];
  }
  const diff = compactDiff(lineDiff(before ?? '', after ?? ''));
  return formatDiff(diff, '      ').split('\n');
}

/** The final table after plan/apply: one row per host, result last so long reasons do not widen the table. */
export function renderResultTable(results: HostResult[]): string {
  const rows = results.map((r) => [r.host, r.roundTrips === undefined ? '-' : String(r.roundTrips), formatMillis(r.durationMs), resultText(r)]);
  const header = ['host', 'round trips', 'duration', 'result'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const tally = (o: HostResult['outcome']) => results.filter((r) => r.outcome === o).length;
  const total = `${plural(results.length, 'host')}: ${tally('changed')} changed, ${tally('ok')} ok, ${tally('failed')} failed, ${tally('skipped')} skipped`;
  return logText([fmt(header), ...rows.map(fmt), total].join('\n'));
}

export function resultText(r: HostResult): string {
  switch (r.outcome) {
    case 'ok':
      return 'ok';
    case 'changed':
      return `changed ${r.changed}`;
    case 'failed':
    case 'skipped':
      return `${r.outcome}${r.reason ? `: ${oneLine(r.reason)}` : ''}`;
  }
}
