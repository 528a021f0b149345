/**
 * Backup health and restore results for the log (plain text) and the job summary (HTML,
 * every value escaped: core.summary embeds raw HTML as given), plus the warnings that
 * become annotations. Pure renderers: src/action/write.ts writes the summary.
 */
import type { Plan } from '../plan/types.js';
import { redact } from '../secret.js';
import { formatAge, formatMillis } from './duration.js';
import { htmlText, logText, oneLine } from './escape.js';
import { resultText } from './plan-text.js';
import { plural } from './plan-stats.js';
import { renderPlanComment } from './pr-comment.js';
import { REPOSITORY_JOBS, type HostResult, type HostSnapshots, type LastRun, type RepositoryJob, type RestoreReport, type SetStatus, type SnapshotReport } from '../results/types.js';

// ---- shared formatting --------------------------------------------------------

/** "2026-11-27 01:00 UTC" from restic's ISO time (nanoseconds, offsets); the raw text when unparseable. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

export function lastRunText(run: LastRun | undefined): string {
  if (!run) return 'never ran';
  const exit = run.exitCode === undefined ? '' : ` (exit ${run.exitCode})`;
  const msg = run.message ? `: ${oneLine(run.message, 200)}` : '';
  switch (run.status) {
    case 'ok': {
      const took = run.durationSeconds === undefined ? '' : ` in ${run.durationSeconds} s`;
      const added = run.bytesAdded === undefined ? (took && `,${took}`) : `, +${formatBytes(run.bytesAdded)}${took}`;
      return `ok${run.end ? ` ${formatTime(run.end)}` : ''}${added}`;
    }
    case 'failed':
      return `failed${exit}${run.end ? ` ${formatTime(run.end)}` : ''}${msg}`;
    case 'running':
      return `running${run.start ? ` since ${formatTime(run.start)}` : ''}`;
    case 'skipped':
      return `skipped${msg}`;
  }
}

/** The last restore drill, for the row: "drill ok 2026-12-02 05:00 UTC" or "drill FAILED: <first mismatch>". */
export function drillText(run: LastRun | undefined, withMessage = true): string {
  const d = run?.drill;
  if (!d) return '';
  const when = d.time ? ` ${formatTime(d.time)}` : '';
  const msg = withMessage && d.message && d.result !== 'ok' ? `: ${oneLine(d.message, 200)}` : '';
  return `drill ${d.result === 'failed' ? 'FAILED' : d.result}${when}${msg}`;
}
const withDrill = (run: LastRun | undefined, text: string, withMessage = true): string => (run?.drill ? `${text}; ${drillText(run, withMessage)}` : text);

/** What a job is called in warnings and in fail-on-stale's list. */
const JOB_LABEL: Record<RepositoryJob, string> = { check: 'repository check', prune: 'repository prune', rotation: 'rotation' };
const JOB_TITLES: Record<RepositoryJob, string> = {
  check: 'repository check (restic check --read-data-subset)',
  prune: 'repository prune (restic prune, once for every client)',
  rotation: 'rotation (restic forget)',
};

/**
 * The maintenance jobs a host's report shows: the check and the prune always where they run
 * (one client per repository), rotation when it failed or when it is the repository's prune
 * (forget --prune, a repository of its own); a working forget on every client is noise.
 */
export function jobLines(h: HostSnapshots): Array<{ job: RepositoryJob; label: string; run: LastRun; text: string }> {
  return REPOSITORY_JOBS.flatMap((job) => {
    const run = h[job];
    const prunes = job === 'rotation' && h.rotation?.prunes;
    if (!run || (job === 'rotation' && run.status !== 'failed' && !prunes)) return [];
    const title = prunes ? 'rotation and prune (restic forget --prune)' : JOB_TITLES[job];
    return [{ job, label: JOB_LABEL[job], run, text: `${title}: ${lastRunText(run)}` }];
  });
}

const flags = (s: SetStatus): string[] => [...(s.stale ? ['STALE'] : []), ...(s.failing ? ['FAILING'] : [])];

// ---- snapshots: log -------------------------------------------------------------

export function snapshotLogText(report: SnapshotReport): string {
  const out: string[] = [`Backup status (stale after ${formatAge(report.staleAfterSeconds)}, at ${formatTime(report.generatedAt)})`];
  for (const h of report.hosts) out.push(...hostLogLines(h));
  out.push(overviewText(report));
  return logText(out.join('\n'));
}

function hostLogLines(h: HostSnapshots): string[] {
  if (h.status === 'failed') return [`${h.host}: could not read backup status${h.reason ? `: ${oneLine(h.reason, 300)}` : ''}`];
  if (h.sets.length === 0) return [`${h.host}: no backup sets`];
  const header = ['set', 'status', 'latest', 'time', 'age', 'last run', 'tags', 'paths'];
  const rows = h.sets.map((s) => [
    oneLine(s.setId, 60),
    flags(s).join(',') || 'ok',
    s.latest?.shortId ?? '—',
    s.latest ? formatTime(s.latest.time) : '—',
    s.latest ? formatAge(s.latest.ageSeconds) : '—',
    withDrill(s.lastRun, lastRunText(s.lastRun ? { ...s.lastRun, message: undefined } : undefined), false),
    s.latest?.tags.join(',') || '—',
    s.latest?.paths.join(' ') || '—',
  ]);
  const widths = header.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[]) => `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  const lines = [`${h.host}:`, fmt(header)];
  h.sets.forEach((s, i) => {
    lines.push(fmt(rows[i]!));
    // The host's message goes below its row, so one long message does not widen the table.
    if (s.lastRun?.message) lines.push(`      last run said: ${oneLine(s.lastRun.message, 300)}`);
    if (s.lastRun?.drill?.message && s.lastRun.drill.result !== 'ok') lines.push(`      drill said: ${oneLine(s.lastRun.drill.message, 300)}`);
  });
  for (const j of jobLines(h)) lines.push(`  ${j.text}`);
  return lines;
}

function overviewText(report: SnapshotReport): string {
  const sets = report.hosts.flatMap((h) => h.sets);
  const failedHosts = report.hosts.filter((h) => h.status === 'failed').length;
  const failedJobs = report.hosts.flatMap(jobLines).filter((j) => j.run.status === 'failed').length;
  return [
    plural(report.hosts.length, 'host'),
    plural(sets.length, 'backup set'),
    `${sets.filter((s) => s.stale).length} stale`,
    `${sets.filter((s) => s.failing).length} failing`,
    ...(failedJobs ? [`${plural(failedJobs, 'repository job')} failing`] : []),
    ...(failedHosts ? [`${plural(failedHosts, 'host')} unreadable`] : []),
  ].join(', ');
}

// ---- snapshots: job summary -------------------------------------------------------

const td = (s: string) => `<td>${htmlText(s)}</td>`;
const th = (s: string) => `<th>${htmlText(s)}</th>`;
const code = (s: string) => `<code>${htmlText(s)}</code>`;

export function snapshotSummaryHtml(report: SnapshotReport): string {
  const out = [
    '<h2>Backups</h2>',
    `<p>${htmlText(overviewText(report))} · stale after ${htmlText(formatAge(report.staleAfterSeconds))} · ${htmlText(formatTime(report.generatedAt))}</p>`,
  ];
  for (const h of report.hosts) out.push(hostSummaryHtml(h));
  return out.join('\n');
}

function hostSummaryHtml(h: HostSnapshots): string {
  const title = `<h3>${code(h.host)}</h3>`;
  if (h.status === 'failed') return `${title}\n<p>❌ could not read backup status${h.reason ? `: ${htmlText(oneLine(h.reason, 500))}` : ''}</p>`;
  if (h.sets.length === 0) return `${title}\n<p>No backup sets.</p>`;
  const header = `<tr>${['set', 'latest', 'time', 'age', 'paths', 'tags', 'last run', 'status'].map(th).join('')}</tr>`;
  const rows = h.sets.map((s) => {
    const status = [...(s.stale ? ['⚠️ stale'] : []), ...(s.failing ? ['❌ failing'] : [])].join(' ') || '✅ ok';
    return (
      '<tr>' +
      td(s.setId) +
      (s.latest ? `<td>${code(s.latest.shortId)}</td>` : td('—')) +
      td(s.latest ? formatTime(s.latest.time) : '—') +
      td(s.latest ? formatAge(s.latest.ageSeconds) : '—') +
      (s.latest?.paths.length ? `<td>${s.latest.paths.map(code).join('<br>')}</td>` : td('—')) +
      td(s.latest?.tags.join(', ') || '—') +
      td(withDrill(s.lastRun, lastRunText(s.lastRun))) +
      td(status) +
      '</tr>'
    );
  });
  // No blank lines inside: a blank line would end the HTML block in the summary's markdown.
  const jobs = jobLines(h).map((j) => `\n<p>${j.run.status === 'failed' ? '❌' : j.run.status === 'ok' ? '✅' : '⏳'} ${htmlText(j.text)}</p>`);
  return `${title}\n<table>\n${header}\n${rows.join('\n')}\n</table>${jobs.join('')}`;
}

// ---- annotations --------------------------------------------------------------------

export interface HealthWarning {
  host: string;
  setId?: string;
  problems: Array<'stale' | 'failing' | 'unreadable'>;
  title: string;
  message: string;
}

/**
 * One warning per stale or failing set and per host whose status could not be read, for
 * `core.warning(w.message, { title: w.title })`. With `fail-on-stale` the caller fails the
 * run when any has a 'stale' or 'failing' problem. Redacted (annotations are logged).
 */
export function staleWarnings(report: SnapshotReport): HealthWarning[] {
  const limit = formatAge(report.staleAfterSeconds);
  const out: HealthWarning[] = [];
  for (const h of report.hosts) {
    if (h.status === 'failed') {
      out.push({
        host: h.host,
        problems: ['unreadable'],
        title: `Backup status unknown on ${h.host}`,
        message: redact(`${h.host}: could not read backup status${h.reason ? `: ${oneLine(h.reason, 300)}` : ''}`),
      });
      continue;
    }
    for (const s of h.sets) {
      if (!s.stale && !s.failing) continue;
      const why: string[] = [];
      if (s.stale) {
        why.push(
          s.latest
            ? `newest snapshot ${s.latest.shortId} is ${formatAge(s.latest.ageSeconds)} old (stale after ${limit})`
            : `no snapshot at all (stale after ${limit})`,
        );
      }
      if (s.lastRun?.status === 'failed') why.push(`last run ${lastRunText(s.lastRun)}`);
      if (s.lastRun?.drill?.result === 'failed') why.push(`restore ${drillText(s.lastRun)}`);
      const problems: HealthWarning['problems'] = [...(s.stale ? ['stale' as const] : []), ...(s.failing ? ['failing' as const] : [])];
      out.push({
        host: h.host,
        setId: s.setId,
        problems,
        title: `Backup ${problems.join(' and ')}: ${oneLine(s.setId, 60)} on ${h.host}`,
        message: redact(`${h.host}: backup set "${oneLine(s.setId, 60)}": ${why.join('; ')}`),
      });
    }
    for (const j of jobLines(h).filter((x) => x.run.status === 'failed')) {
      out.push({ host: h.host, problems: ['failing'], title: `${j.label[0]!.toUpperCase()}${j.label.slice(1)} failing on ${h.host}`, message: redact(`${h.host}: ${j.text}`) });
    }
  }
  return out;
}

// ---- restore ----------------------------------------------------------------------------

function restoreRows(r: RestoreReport): Array<[string, string]> {
  const outcome = { restored: '✅ restored', planned: '📝 dry run: nothing changed', failed: '❌ failed' }[r.outcome];
  const rows: Array<[string, string]> = [
    ['outcome', outcome],
    ['host', r.host],
    ['backup set', r.setId],
    ['snapshot', `${r.snapshot.shortId} (${r.snapshot.id})`],
    ['snapshot time', formatTime(r.snapshot.time)],
    ['target', r.target],
    ['files', r.files === undefined ? '—' : String(r.files)],
    ['bytes', formatBytes(r.bytes)],
    ['duration', formatMillis(r.durationMs)],
  ];
  if (r.verification) rows.push(['verification', r.verification]);
  if (r.safetySnapshotId || r.target === 'in-place') rows.push(['safety snapshot', r.safetySnapshotId ?? '—']);
  rows.push(['containers stopped', r.containersStopped.join(', ') || '—'], ['containers started', r.containersStarted.join(', ') || '—']);
  if (r.message) rows.push(['message', r.message]);
  return rows;
}

export function restoreLogText(r: RestoreReport): string {
  const rows = restoreRows(r).map(([k, v]) => [k, k === 'outcome' ? r.outcome : v] as const);
  const width = Math.max(...rows.map(([k]) => k.length));
  return logText([`Restore${r.dryRun ? ' (dry run)' : ''}:`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${oneLine(v, 500)}`)].join('\n'));
}

export function restoreSummaryHtml(r: RestoreReport): string {
  const rows = restoreRows(r).map(([k, v]) => `<tr>${th(k)}${td(v)}</tr>`);
  const title = `<h2>Restore${r.dryRun ? ' (dry run)' : ''}: ${code(r.setId)} on ${code(r.host)}</h2>`;
  return `${title}\n<table>\n${rows.join('\n')}\n</table>`;
}

// ---- plan / apply results ------------------------------------------------------------------

export function resultTableHtml(results: HostResult[], title = 'Hosts'): string {
  const header = `<tr>${['host', 'result', 'round trips', 'duration'].map(th).join('')}</tr>`;
  const icon = { ok: '✅', changed: '🟡', failed: '❌', skipped: '⏭️' } as const;
  const rows = results.map(
    (r) =>
      `<tr><td>${code(r.host)}</td>${td(`${icon[r.outcome]} ${resultText(r)}`)}${td(r.roundTrips === undefined ? '—' : String(r.roundTrips))}${td(formatMillis(r.durationMs))}</tr>`,
  );
  return `<h2>${htmlText(title)}</h2>\n<table>\n${header}\n${rows.join('\n')}\n</table>`;
}

/** The plan for the job summary: the PR comment's markdown without the marker, with room for all of it. */
export function planSummaryMarkdown(plan: Plan, opts: { runUrl?: string; offlineNote?: string } = {}): string {
  return renderPlanComment(plan, { ...opts, marker: false, maxChars: 900_000, fullPlanHint: 'the run log' });
}
