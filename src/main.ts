import { rmSync } from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import { annotate } from './action/annotations.js';
import { readInputs, type ActionInputs } from './action/inputs.js';
import * as log from './action/log.js';
import { actionLogger } from './action/logger.js';
import { commentPlan, extractBaseInventory, isForkPullRequest, pullRequest, runUrl } from './action/pull-request.js';
import { applyCommand, loadDesired, planCommand, type InventoryOptions, type LoadedDesired, type RemoteOptions } from './engine/commands.js';
import { snapshotsCommand } from './engine/snapshots.js';
import { InventoryError } from './inventory/types.js';
import { offlinePlan } from './plan/offline.js';
import type { Plan } from './plan/types.js';
import { changedHostsOf, failedHostsOf, setActionOutputs } from './report/outputs.js';
import { planLogGroups, renderResultTable } from './report/plan-text.js';
import {
  planSummaryMarkdown,
  restoreLogText,
  restoreSummaryHtml,
  resultTableHtml,
  snapshotLogText,
  snapshotSummaryHtml,
  staleWarnings,
  writeJobSummary,
} from './report/summary.js';
import type { HostResult, SnapshotReport } from './report/types.js';
import { restoreCommand } from './restore/command.js';
import { CommentWriteError } from './report/sticky-comment.js';
import { addSecretSink, redact } from './secret.js';

/** The GitHub Action door: reads inputs, calls the engine, reports. */
export async function run(): Promise<void> {
  // First: every secret created from here on is masked in the log before it can be printed.
  addSecretSink((v) => core.setSecret(v));
  try {
    const inputs = readInputs();
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    const base: InventoryOptions = {
      repoRoot: workspace,
      inventory: inputs.inventory,
      env: process.env,
      envAllowlist: inputs.envAllowlist,
      vaultPassword: inputs.vaultPassword,
      limit: inputs.limit,
      log: actionLogger,
    };
    switch (inputs.command) {
      case 'validate':
        return await validate(base);
      case 'plan':
        return inputs.sshPrivateKey ? await plan(remote(base, inputs), inputs) : await planOffline(base, inputs, workspace);
      case 'apply':
        return await apply(remote(base, inputs), inputs);
      case 'snapshots':
        return await snapshots(remote(base, inputs), inputs);
      case 'restore':
        return await restore(remote(base, inputs), inputs);
    }
  } catch (err) {
    if (err instanceof InventoryError) {
      annotate(err.diagnostics);
      const n = err.diagnostics.filter((d) => d.severity === 'error').length;
      log.setFailed(`the inventory has ${n} error${n === 1 ? '' : 's'} (see the annotations); nothing was changed`);
    } else {
      log.setFailed(err instanceof Error ? err.message : String(err));
    }
  }
}

/** An error's first line, redacted (git's messages repeat the whole command). */
const firstLine = (err: unknown): string => redact((err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300));

function remote(base: InventoryOptions, inputs: ActionInputs): RemoteOptions {
  if (!inputs.sshPrivateKey) throw new Error(`command ${inputs.command} needs the ssh-private-key input`);
  if (!inputs.knownHosts && !inputs.insecureSkipHostKeyCheck) {
    throw new Error('the known-hosts input is empty: pin the hosts\' keys (ssh-keyscan output) or set insecure-skip-host-key-check: true');
  }
  return {
    ...base,
    concurrency: inputs.concurrency,
    ssh: { privateKey: inputs.sshPrivateKey, knownHosts: inputs.knownHosts, insecureSkipHostKeyCheck: inputs.insecureSkipHostKeyCheck },
  };
}

async function validate(base: InventoryOptions): Promise<void> {
  // A fork's pull request gets no secrets: check everything else, with placeholders for them.
  const fork = isForkPullRequest();
  if (fork) log.warning('pull requests from forks get no secrets: the values of secrets (environment, vault) were not checked');
  const loaded = await loadDesired({ ...base, offline: fork });
  annotate(loaded.diagnostics);
  log.infoRecord(`inventory ${loaded.inventoryDir}: ${loaded.hosts.length} hosts, no errors`);
}

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
  if (pr && inputs.comment && inputs.githubToken) {
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
}

async function plan(o: RemoteOptions, inputs: ActionInputs): Promise<void> {
  // On a pull request the inventory is untrusted: compare it with the base branch first, so
  // hosts and repositories the PR introduces are not contacted with live credentials.
  const pr = pullRequest() ? await baseBranchDesired(o, inputs, o.repoRoot) : undefined;
  const out = await planCommand(o, pr && { hosts: pr.readable ? pr.hosts : undefined, unavailable: pr.readable ? undefined : pr.against });
  annotate(out.loaded.diagnostics);
  await publishPlan(out.run.plan, inputs);
  await writeJobSummary([planSummaryMarkdown(out.run.plan, { runUrl: runUrl() }), resultTableHtml(out.results, 'Hosts (plan)')]);
  setActionOutputs({ planHash: out.run.plan.hash, changedHosts: changedHostsOf(out.results), failedHosts: failedHostsOf(out.results) });
  finish(out.results, 'plan');
}

/** No SSH key (a fork's pull request gets no secrets): desired state of the PR vs. the base branch. */
async function planOffline(base: InventoryOptions, inputs: ActionInputs, workspace: string): Promise<void> {
  const head = await loadDesired({ ...base, offline: true });
  annotate(head.diagnostics);
  const { hosts: all, against } = await baseBranchDesired(base, inputs, workspace);
  // No limit on the base: it may name a host the PR adds. Keep the base hosts the limit selected
  // in the PR, and (without a limit) the ones the PR removes.
  const selected = new Set(head.desired.map((d) => d.name));
  const inHead = new Set(head.hosts.map((h) => h.name));
  const baseHosts = all.filter((d) => selected.has(d.name) || (!inputs.limit && !inHead.has(d.name)));
  const { plan: p, removedHosts } = offlinePlan(head.desired, baseHosts);
  const note =
    `No SSH key was available (pull requests from forks get no secrets), so live hosts were not read: ` +
    `this diff is the pull request's desired state against ${against}.` +
    (removedHosts.length ? ` Hosts removed from the inventory (restic-fleet leaves them as they are): ${removedHosts.join(', ')}.` : '');
  log.warning(note);
  await publishPlan(p, inputs, note);
  await writeJobSummary([planSummaryMarkdown(p, { runUrl: runUrl(), offlineNote: note })]);
  setActionOutputs({ planHash: p.hash, changedHosts: p.hosts.filter((h) => h.changes.length).map((h) => h.host), failedHosts: [] });
}

/**
 * The desired state of the base branch's inventory, for the offline diff, and what the
 * diff is against (said in the comment). Falls back to an empty inventory, saying why,
 * when there is no base, git cannot give it, or it does not load (a PR fixing a broken
 * inventory: the base's errors are not this PR's, and their annotations would point at
 * lines of the PR's files).
 */
async function baseBranchDesired(
  base: InventoryOptions,
  inputs: ActionInputs,
  workspace: string,
): Promise<{ hosts: LoadedDesired['desired']; against: string; readable: boolean }> {
  const pr = pullRequest();
  if (!pr?.baseSha) return { hosts: [], against: 'an empty inventory (no base branch: not a pull request)', readable: false };
  const branch = `the base branch ${pr.baseRef ?? ''} (${pr.baseSha.slice(0, 7)})`.replace('  ', ' ');
  const rel = path.relative(workspace, path.resolve(workspace, inputs.inventory));
  let dir: string | undefined;
  try {
    dir = extractBaseInventory(workspace, rel, pr.baseSha);
  } catch (err) {
    return { hosts: [], against: `an empty inventory: ${branch} could not be read from git (${firstLine(err)})`, readable: false };
  }
  if (!dir) return { hosts: [], against: `${branch}, which has no inventory at that path`, readable: true };
  try {
    const all = (await loadDesired({ ...base, repoRoot: dir, inventory: rel, offline: true, limit: undefined })).desired;
    return { hosts: all, against: branch, readable: true };
  } catch (err) {
    if (!(err instanceof InventoryError)) throw err;
    const n = err.diagnostics.filter((d) => d.severity === 'error').length;
    return { hosts: [], against: `an empty inventory: the inventory of ${branch} does not load (${n} error${n === 1 ? '' : 's'})`, readable: false };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function collectSnapshots(o: RemoteOptions, inputs: ActionInputs): Promise<SnapshotReport> {
  const report = await snapshotsCommand(o, inputs.staleAfterSeconds);
  log.info(snapshotLogText(report));
  const warnings = staleWarnings(report);
  for (const w of warnings) log.warning(w.message, { title: w.title });
  setActionOutputs({ snapshots: report });
  return report;
}

async function apply(o: RemoteOptions, inputs: ActionInputs): Promise<void> {
  const out = await applyCommand(o, inputs.planHash);
  annotate(out.loaded.diagnostics);
  logPlan(out.run.plan, out.results);
  const report = await collectSnapshots(o, inputs);
  await writeJobSummary([resultTableHtml(out.results, 'Hosts (apply)'), snapshotSummaryHtml(report), planSummaryMarkdown(out.run.plan, { runUrl: runUrl() })]);
  setActionOutputs({ planHash: out.run.plan.hash, changedHosts: changedHostsOf(out.results), failedHosts: failedHostsOf(out.results) });
  finish(out.results, 'apply');
  failOnStale(report, inputs);
}

async function snapshots(o: RemoteOptions, inputs: ActionInputs): Promise<void> {
  const report = await collectSnapshots(o, inputs);
  await writeJobSummary([snapshotSummaryHtml(report)]);
  const failed = report.hosts.filter((h) => h.status === 'failed').map((h) => h.host);
  setActionOutputs({ failedHosts: failed });
  if (failed.length) log.setFailed(`could not read snapshots of ${failed.join(', ')}`);
  failOnStale(report, inputs);
}

function failOnStale(report: SnapshotReport, inputs: ActionInputs): void {
  const bad = report.hosts.flatMap((h) => [
    ...h.sets.filter((s) => s.stale || s.failing).map((s) => `${h.host}/${s.setId}`),
    ...(h.check?.status === 'failed' ? [`${h.host}/repository check`] : []),
  ]);
  if (inputs.failOnStale && bad.length) log.setFailed(`stale or failing backup sets: ${bad.join(', ')}`);
}

async function restore(o: RemoteOptions, inputs: ActionInputs): Promise<void> {
  const r = inputs.restore;
  if (!r.host || !r.set) throw new Error('command restore needs the host and set inputs');
  const report = await restoreCommand(o, r);
  log.info(restoreLogText(report));
  await writeJobSummary([restoreSummaryHtml(report)]);
  setActionOutputs({ restore: report });
  if (report.outcome === 'failed') log.setFailed(`restore failed: ${report.message ?? ''}`);
}
