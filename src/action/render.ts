/**
 * How the action shows a command's result: log, annotations, job summary, plan comment,
 * outputs and the step's failure. Texts come from src/report/ (pure); this file writes them.
 */
import type { RunOutcome, OfflinePlanOutcome } from '../commands/plan.js';
import { InventoryError, type Diagnostic } from '../inventory/types.js';
import type { Plan } from '../plan/types.js';
import { changedHostsOf, failedHostsOf } from '../report/outputs.js';
import { planLogGroups, renderResultTable } from '../report/plan-text.js';
import { jobLines, planSummaryMarkdown, restoreLogText, restoreSummaryHtml, resultTableHtml, snapshotLogText, snapshotSummaryHtml, staleWarnings } from '../report/summary.js';
import type { HostResult, RestoreReport, SnapshotReport } from '../results/types.js';
import { annotate } from './annotations.js';
import type { ActionInputs } from './inputs.js';
import * as log from './log.js';
import { actionLogger } from './logger.js';
import { commentPlan, pullRequest, runUrl } from './pull-request.js';
import { CommentWriteError } from './sticky-comment.js';
import { setActionOutputs, writeJobSummary } from './write.js';

/** A command that threw: an inventory's errors as annotations, anything else as the failure message. */
export function renderError(err: unknown): void {
  if (err instanceof InventoryError) {
    annotate(err.diagnostics);
    const n = err.diagnostics.filter((d) => d.severity === 'error').length;
    log.setFailed(`the inventory has ${n} error${n === 1 ? '' : 's'} (see the annotations); nothing was changed`);
  } else {
    log.setFailed(err instanceof Error ? err.message : String(err));
  }
}

export function renderValidate(loaded: { diagnostics: Diagnostic[]; inventoryDir: string; hosts: unknown[] }): void {
  annotate(loaded.diagnostics);
  log.infoRecord(`inventory ${loaded.inventoryDir}: ${loaded.hosts.length} hosts, no errors`);
}

/** The final table, one error annotation per failed host, and the step's failure when any failed. */
function finish(results: HostResult[], what: string): void {
  log.info(renderResultTable(results));
  for (const r of results.filter((x) => x.outcome === 'failed')) log.error(`${r.host}: ${r.reason ?? 'failed'}`, { title: `restic-fleet ${what}` });
  const failed = failedHostsOf(results);
  if (failed.length) log.setFailed(`${failed.length} host${failed.length === 1 ? '' : 's'} failed: ${failed.join(', ')}`);
}

/** One collapsible log group per host, then totals and the hash. */
function logPlan(p: Plan, results?: HostResult[]): void {
  const { header, groups, footer } = planLogGroups(p, results);
  if (header.length) log.info(header.join('\n'));
  for (const g of groups) actionLogger.group(g.title, g.lines);
  log.info(footer.join('\n'));
}

async function publishPlan(p: Plan, inputs: ActionInputs, offlineNote?: string): Promise<void> {
  logPlan(p);
  const pr = pullRequest();
  if (!pr || !inputs.comment || !inputs.githubToken) return;
  try {
    log.infoRecord(await commentPlan(inputs.githubToken, pr, p, offlineNote));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (err instanceof CommentWriteError && !err.outdated) {
      // No comment of ours was there (e.g. a fork's read-only token): nothing outdated is shown.
      log.warning(`could not post the plan comment: ${why}; the plan is in the log and the job summary`);
    } else {
      // The pull request may still show an older plan: a green check under it would vouch for it.
      log.setFailed(
        `could not update the plan comment on pull request #${pr.number} (${why}): it may show an older plan. ` +
          `This run's plan is in the log and the job summary; re-run the job to update the comment.`,
      );
    }
  }
}

export async function renderPlan(out: RunOutcome, inputs: ActionInputs): Promise<void> {
  annotate(out.loaded.diagnostics);
  await publishPlan(out.run.plan, inputs);
  await writeJobSummary([planSummaryMarkdown(out.run.plan, { runUrl: runUrl() }), resultTableHtml(out.results, 'Hosts (plan)')]);
  setActionOutputs({ planHash: out.run.plan.hash, changedHosts: changedHostsOf(out.results), failedHosts: failedHostsOf(out.results) });
  finish(out.results, 'plan');
}

export async function renderOfflinePlan(out: OfflinePlanOutcome, inputs: ActionInputs): Promise<void> {
  annotate(out.loaded.diagnostics);
  const { plan: p, removedHosts } = out;
  const note =
    `No SSH key was available (pull requests from forks get no secrets), so live hosts were not read: ` +
    `this diff is the pull request's desired state against ${out.against}.` +
    (removedHosts.length ? ` Hosts removed from the inventory (restic-fleet leaves them as they are): ${removedHosts.join(', ')}.` : '');
  log.warning(note);
  await publishPlan(p, inputs, note);
  await writeJobSummary([planSummaryMarkdown(p, { runUrl: runUrl(), offlineNote: note })]);
  setActionOutputs({ planHash: p.hash, changedHosts: p.hosts.filter((h) => h.changes.length).map((h) => h.host), failedHosts: [] });
}

/** The snapshot report in the log, a warning per stale/failing set or unreadable host, and the output. */
function logSnapshots(report: SnapshotReport): void {
  log.info(snapshotLogText(report));
  for (const w of staleWarnings(report)) log.warning(w.message, { title: w.title });
  setActionOutputs({ snapshots: report });
}

function failOnStale(report: SnapshotReport, inputs: ActionInputs): void {
  const bad = report.hosts.flatMap((h) => [
    ...h.sets.filter((s) => s.stale || s.failing).map((s) => `${h.host}/${s.setId}`),
    ...jobLines(h).filter((j) => j.run.status === 'failed').map((j) => `${h.host}/${j.label}`),
  ]);
  if (inputs.failOnStale && bad.length) log.setFailed(`stale or failing backup sets: ${bad.join(', ')}`);
}

/** Apply's plan and results in the log, before the snapshots are read. */
export function renderApplied(out: RunOutcome): void {
  annotate(out.loaded.diagnostics);
  logPlan(out.run.plan, out.results);
}

/** Then the backup status after the apply, the summary, outputs and the step's failure. */
export async function renderApplySnapshots(out: RunOutcome, report: SnapshotReport, inputs: ActionInputs): Promise<void> {
  logSnapshots(report);
  await writeJobSummary([resultTableHtml(out.results, 'Hosts (apply)'), snapshotSummaryHtml(report), planSummaryMarkdown(out.run.plan, { runUrl: runUrl() })]);
  setActionOutputs({ planHash: out.run.plan.hash, changedHosts: changedHostsOf(out.results), failedHosts: failedHostsOf(out.results) });
  finish(out.results, 'apply');
  failOnStale(report, inputs);
}

export async function renderSnapshots(report: SnapshotReport, inputs: ActionInputs): Promise<void> {
  logSnapshots(report);
  await writeJobSummary([snapshotSummaryHtml(report)]);
  const failed = report.hosts.filter((h) => h.status === 'failed').map((h) => h.host);
  setActionOutputs({ failedHosts: failed });
  if (failed.length) log.setFailed(`could not read snapshots of ${failed.join(', ')}`);
  failOnStale(report, inputs);
}

export async function renderRestore(report: RestoreReport): Promise<void> {
  log.info(restoreLogText(report));
  await writeJobSummary([restoreSummaryHtml(report)]);
  setActionOutputs({ restore: report });
  if (report.outcome === 'failed') log.setFailed(`restore failed: ${report.message ?? ''}`);
}
