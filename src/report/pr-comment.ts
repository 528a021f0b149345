/**
 * The plan as markdown for the sticky pull-request comment (and, without the marker, for
 * the job summary). GitHub does not mask API bodies, so every piece of text is redacted
 * before it is escaped, and the whole body once more at the end. Remote and inventory text
 * cannot inject HTML, break out of code fences, ping people or cross-reference issues.
 */
import type { Change, HostPlan, Plan } from '../plan/types.js';
import { redact } from '../secret.js';
import { codeBlock, htmlText, inlineCode, mdText } from './escape.js';
import { compactDiff, formatDiff, lineDiff } from './line-diff.js';
import { ACTION_SYMBOL, changeTitle, countPlan, destructiveChanges, hostState, plural } from './plan-stats.js';

export const PLAN_COMMENT_MARKER = '<!-- restic-fleet:plan -->';
/** GitHub rejects bodies over 65,536 characters; stay well below. */
export const MAX_COMMENT_CHARS = 60_000;

export interface PlanCommentOptions {
  /** The workflow run (its job summary holds the full plan when the comment is cut). */
  runUrl?: string;
  /**
   * Offline plans: the explanation shown under "live state was not read", saying what the
   * diff is against, e.g. "No SSH key was available …: this diff is the pull request's
   * desired state against the base branch main (4f2c1a9)." Default: a generic one.
   */
  offlineNote?: string;
  /** Start with the hidden marker (default true; the job summary leaves it out). */
  marker?: boolean;
  maxChars?: number;
  /** Where the full plan is when this document is cut (default: the run's job summary). */
  fullPlanHint?: string;
}

const MAX_LISTED = 50; // destructive changes / cut host names listed by name
const MAX_UNCHANGED_NAMES = 200;
const INLINE_BEFORE_AFTER = 80;
const NOTE_RESERVE = 2_000; // single-line values up to this length show as `a` → `b`

/** One part of the comment that may be shown in full, shortened, or left out to fit. */
interface Section {
  host: string;
  /** Failed/skipped hosts come first: they matter more than details of hosts that will converge. */
  problem: boolean;
  full: string;
  compact?: string;
}

export function renderPlanComment(plan: Plan, opts: PlanCommentOptions = {}): string {
  const maxChars = opts.maxChars ?? MAX_COMMENT_CHARS;
  const runUrl = safeUrl(opts.runUrl);
  const head = headerParts(plan, opts, runUrl).join('\n\n');
  // An offline plan diffs two desired states: its hash never equals a live plan's, so apply would refuse it.
  const footer = plan.offline
    ? `---\nPlan hash: ${inlineCode(plan.hash)} · offline plan: this hash cannot be passed as \`plan-hash\` (apply compares it with a live plan, which needs the SSH key).`
    : `---\nPlan hash: ${inlineCode(plan.hash)} · to apply exactly this plan, pass \`plan-hash\` with this value.`;

  const sections = hostSections(plan);
  const marker = opts.marker !== false;
  const assemble = (shown: string[], cut: string[], shortened: string[]): string => {
    const parts = [head, ...shown];
    if (cut.length || shortened.length) parts.push(truncationNote(cut, shortened, runUrl, opts.fullPlanHint));
    parts.push(footer);
    const body = parts.join('\n\n');
    return redact(marker ? `${PLAN_COMMENT_MARKER}\n${body}` : body) + '\n';
  };

  // Greedy fit in order: each section in full, else shortened, else left out (and named).
  let budget = maxChars - head.length - footer.length - NOTE_RESERVE;
  const shown: Array<{ host: string; text: string; compact: boolean }> = [];
  const cut: string[] = [];
  for (const s of sections) {
    const text = s.full.length + 2 <= budget ? s.full : s.compact !== undefined && s.compact.length + 2 <= budget ? s.compact : undefined;
    if (text === undefined) cut.push(s.host);
    else {
      shown.push({ host: s.host, text, compact: text !== s.full });
      budget -= text.length + 2;
    }
  }
  let body = assemble(shown.map((s) => s.text), cut, shown.filter((s) => s.compact).map((s) => s.host));
  // The note's size depends on the names it lists; if it did not fit the reserve, drop more (bounded).
  while (body.length > maxChars && shown.length) {
    cut.push(shown.pop()!.host);
    body = assemble(shown.map((s) => s.text), cut, shown.filter((s) => s.compact).map((s) => s.host));
  }
  // Only a huge header (e.g. an enormous offline note) can get here; cut it hard but visibly.
  if (body.length > maxChars) {
    const note = '\n\n**⚠️ Truncated: this plan is too large for a comment; see the run log.**\n';
    body = body.slice(0, maxChars - note.length) + note;
  }
  return body;
}

function headerParts(plan: Plan, opts: PlanCommentOptions, runUrl: string | undefined): string[] {
  const c = countPlan(plan);
  const changes = `${plural(c.changes, 'change')}${c.destructive ? ` (${c.destructive} destructive)` : ''}`;
  const run = runUrl ? ` · [workflow run](${runUrl})` : '';
  const parts = [
    `### restic-fleet plan${plan.offline ? ' (offline)' : ''}`,
    `**hosts: ${c.changed} changed / ${c.unchanged} unchanged / ${c.failed} failed / ${c.skipped} skipped** · ${changes}${run}`,
  ];
  if (plan.offline) {
    // The caller's note (when given) says what the diff is against; else a generic one.
    const explanation = opts.offlineNote
      ? [`> ${mdText(opts.offlineNote)}`]
      : [
          '> No SSH key was available to this run (pull requests from forks get no secrets), so no host was contacted.',
          "> The diff below compares the desired state rendered from this pull request's inventory with the desired state rendered from the base branch's inventory.",
        ];
    parts.push(
      [
        '> [!WARNING]',
        '> **Offline plan: live state was not read.**',
        ...explanation,
        '> Anything that differs on the hosts themselves (drift, manual changes, hosts that are down) is not shown.',
      ].join('\n'),
    );
  }
  const destructive = destructiveChanges(plan);
  if (destructive.length) {
    const lines = destructive
      .slice(0, MAX_LISTED)
      .map(({ host, change }) => `> - ${inlineCode(host)}: **${mdText(change.destructive!)}** (${mdText(changeTitle(change))})`);
    if (destructive.length > MAX_LISTED) lines.push(`> - … and ${destructive.length - MAX_LISTED} more (see the hosts below)`);
    parts.push(['> [!CAUTION]', `> **${plural(destructive.length, 'destructive change')}**: review before merging.`, ...lines].join('\n'));
  }
  return parts;
}

function hostSections(plan: Plan): Section[] {
  const sections: Section[] = [];
  const unchanged: string[] = [];
  for (const h of plan.hosts) {
    const state = hostState(h);
    if (state === 'failed' || state === 'skipped') sections.push(problemSection(h, state));
    else if (state === 'changed' || h.warnings.length) sections.push(changedSection(h));
    else unchanged.push(h.host);
  }
  sections.sort((a, b) => Number(b.problem) - Number(a.problem)); // stable: host order kept within each
  if (unchanged.length) {
    const names = unchanged.slice(0, MAX_UNCHANGED_NAMES).map(inlineCode).join(', ');
    const more = unchanged.length > MAX_UNCHANGED_NAMES ? ` … and ${unchanged.length - MAX_UNCHANGED_NAMES} more` : '';
    sections.push({
      host: `${plural(unchanged.length, 'unchanged host')}`,
      problem: false,
      full: `✅ **No changes** on ${plural(unchanged.length, 'host')}: ${names}${more}`,
      compact: `✅ **No changes** on ${plural(unchanged.length, 'host')}.`,
    });
  }
  return sections;
}

function problemSection(h: HostPlan, state: 'failed' | 'skipped'): Section {
  const icon = state === 'failed' ? '❌' : '⏭️';
  const line = `${icon} ${inlineCode(h.host)} ${rolesText(h)}**${state}**${h.reason ? `: ${mdText(h.reason)}` : ''}`;
  const warnings = h.warnings.map((w) => `  - ⚠️ ${mdText(w)}`);
  return { host: h.host, problem: true, full: [`- ${line}`, ...warnings].join('\n'), compact: `- ${line}` };
}

function changedSection(h: HostPlan): Section {
  const destructive = h.changes.filter((c) => c.destructive).length;
  const what = h.changes.length ? plural(h.changes.length, 'change') : 'no changes';
  const summary = `<code>${htmlText(h.host)}</code> ${htmlText(rolesText(h))}— ${what}${destructive ? `, <b>${destructive} destructive</b>` : ''}`;
  const open = `<details><summary>${h.changes.length ? '🟡' : '✅'} ${summary}</summary>`;
  const warnings = h.warnings.map((w) => `- ⚠️ ${mdText(w)}`);
  const full = [open, ...h.changes.map(changeBlock), ...(warnings.length ? [warnings.join('\n')] : []), '</details>'];
  const titles = h.changes.map((c) => `- ${changeLine(c)}`);
  const compact = [open, '', ...titles, ...warnings, '', '*(before → after left out to fit the comment)*', '', '</details>'];
  return { host: h.host, problem: false, full: full.join('\n\n'), compact: compact.join('\n') };
}

const rolesText = (h: HostPlan): string => (h.roles.length ? `(${h.roles.join(', ')}) ` : '');

function changeLine(c: Change): string {
  const mark = c.destructive ? ` — ⚠️ **destructive: ${mdText(c.destructive)}**` : '';
  return `${inlineCode(ACTION_SYMBOL[c.action])} ${mdText(changeTitle(c))}${mark}`;
}

function changeBlock(c: Change): string {
  const detail = beforeAfter(c);
  return detail ? `${changeLine(c)}\n\n${detail}` : changeLine(c);
}

function beforeAfter(c: Change): string | undefined {
  // Redact whole texts before diffing: diff prefixes would split a multi-line secret.
  const before = c.before === undefined ? undefined : redact(c.before);
  const after = c.after === undefined ? undefined : redact(c.after);
  if (before === undefined && after === undefined) return undefined;
  const short = (s: string | undefined) => s !== undefined && !/[\r\n]/.test(s.replace(/\n$/, '')) && s.length <= INLINE_BEFORE_AFTER;
  if (before !== undefined && after !== undefined && short(before) && short(after)) {
    return `${inlineCode(before.replace(/\n$/, ''))} → ${inlineCode(after.replace(/\n$/, ''))}`;
  }
  if (before === undefined) return codeBlock(after!);
  if (after === undefined) return codeBlock(before);
  return codeBlock(formatDiff(compactDiff(lineDiff(before, after), 3)), 'diff');
}

function truncationNote(cut: string[], shortened: string[], runUrl: string | undefined, hint: string | undefined): string {
  const names = (hosts: string[]) => {
    const listed = hosts.slice(0, MAX_LISTED).map(inlineCode).join(', ');
    return hosts.length > MAX_LISTED ? `${listed} … and ${hosts.length - MAX_LISTED} more` : listed;
  };
  const where = hint ?? (runUrl ? `the [job summary of this run](${runUrl})` : "this run's job summary");
  const lines = ['> [!IMPORTANT]', `> **Truncated to stay under GitHub's comment size limit.** The full plan is in ${where}.`];
  if (cut.length) lines.push(`> - Left out entirely (${cut.length}): ${names(cut)}`);
  if (shortened.length) lines.push(`> - Shown without before → after (${shortened.length}): ${names(shortened)}`);
  return lines.join('\n');
}

/** Only our own run URL goes into a link, and only if it cannot break the markdown. */
function safeUrl(url: string | undefined): string | undefined {
  return url && /^https?:\/\/[^\s()<>[\]`]+$/.test(url) ? url : undefined;
}
