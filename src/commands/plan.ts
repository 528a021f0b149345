import type { DesiredHost } from '../desired/types.js';
import { baseBranchDesired, type PullRequestRef } from '../engine/base-branch.js';
import { planResults, planRun, type PlanRun } from '../engine/converge.js';
import { loadDesired, type LoadedDesired } from '../engine/load.js';
import type { InventoryOptions, RemoteOptions } from '../engine/options.js';
import { sessionsFor } from '../engine/sessions.js';
import { offlinePlan, synthesisedFacts } from '../plan/offline.js';
import { untrustedDestinations } from '../plan/trust.js';
import type { Plan } from '../plan/types.js';
import type { HostResult, SnapshotReport } from '../results/types.js';

/** What `plan` and `apply` return: the run (plan, ops, timings), one result per host, and what was loaded. */
export interface RunOutcome {
  run: PlanRun;
  results: HostResult[];
  loaded: LoadedDesired;
  /** apply with a report: the snapshot report of the same run. */
  snapshots?: SnapshotReport;
}

/** A pull request's plan: its inventory is compared with the base branch's before any host is contacted. */
export interface PullRequestBase {
  /** The base branch's desired state; undefined when it could not be read (then nothing is trusted). */
  hosts?: DesiredHost[];
  unavailable?: string;
}

/** `plan`: reads every host and plans. With `pr`, hosts and repositories new against the base are not contacted. */
export async function planCommand(o: RemoteOptions, pr?: PullRequestBase): Promise<RunOutcome> {
  const loaded = await loadDesired(o);
  const sessions = sessionsFor(o);
  try {
    const untrusted = pr ? { ...untrustedDestinations(loaded.desired, pr.hosts, pr.unavailable), facts: synthesisedFacts(loaded.desired, pr.hosts ?? []) } : undefined;
    const run = await planRun({ desired: loaded.desired, sessions, concurrency: o.concurrency, untrusted, shard: loaded.shard });
    return { run, results: planResults(run.plan, run, sessions), loaded };
  } finally {
    await sessions.closeAll();
  }
}

/** `plan` on a pull request: the inventory is untrusted, so the base branch is read (git) first. */
export async function pullRequestPlanCommand(o: RemoteOptions, pr: PullRequestRef): Promise<RunOutcome> {
  const base = await baseBranchDesired(o, pr);
  return planCommand(o, { hosts: base.readable ? base.hosts : undefined, unavailable: base.readable ? undefined : base.against });
}

export interface OfflinePlanOutcome {
  loaded: LoadedDesired; // the pull request's inventory
  plan: Plan;
  /** What the diff is against (the base branch, or an empty inventory and why). */
  against: string;
  /** Hosts the pull request removes from the inventory. */
  removedHosts: string[];
}

/** `plan` without an SSH key (a fork's pull request gets no secrets): desired state of the PR vs. the base branch. */
export async function offlinePlanCommand(o: InventoryOptions, pr: PullRequestRef | undefined): Promise<OfflinePlanOutcome> {
  const head = await loadDesired({ ...o, offline: true });
  const { hosts: all, against } = await baseBranchDesired(o, pr);
  // No limit on the base: it may name a host the PR adds. Keep the base hosts the limit selected
  // in the PR, and (without a limit) the ones the PR removes.
  const selected = new Set(head.desired.map((d) => d.name));
  const inHead = new Set(head.hosts.map((h) => h.name));
  const baseHosts = all.filter((d) => selected.has(d.name) || (!o.limit && !inHead.has(d.name)));
  const { plan, removedHosts } = await offlinePlan(head.desired, baseHosts);
  return { loaded: head, plan, against, removedHosts };
}
