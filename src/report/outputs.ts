/**
 * The action's outputs as name/value pairs (src/action/write.ts sets them). Outputs are not
 * masked when a later step prints or sends them, so every value is redacted here, after
 * serialisation (a secret inside JSON is JSON-escaped, and the registry knows that form too).
 */
import { redact } from '../secret.js';
import type { HostResult, RestoreReport, SnapshotReport } from '../results/types.js';

export interface ActionOutputs {
  /** Hosts with changes (planned for plan, applied for apply): output `changed-hosts`, a JSON array. */
  changedHosts?: string[];
  /** Hosts that failed: output `failed-hosts`, a JSON array. */
  failedHosts?: string[];
  planHash?: string;
  snapshots?: SnapshotReport;
  restore?: RestoreReport;
}

/** Output names and their (redacted) string values, in a stable order; absent fields are not set. */
export function outputEntries(o: ActionOutputs): Array<[string, string]> {
  const entries: Array<[string, string | undefined]> = [
    ['changed-hosts', o.changedHosts && JSON.stringify(o.changedHosts)],
    ['failed-hosts', o.failedHosts && JSON.stringify(o.failedHosts)],
    ['plan-hash', o.planHash],
    ['snapshots', o.snapshots && JSON.stringify(o.snapshots)],
    ['restore', o.restore && JSON.stringify(o.restore)],
  ];
  return entries.filter((e): e is [string, string] => e[1] !== undefined).map(([k, v]) => [k, redact(v)]);
}

export const changedHostsOf = (results: HostResult[]): string[] => results.filter((r) => r.outcome === 'changed').map((r) => r.host);
export const failedHostsOf = (results: HostResult[]): string[] => results.filter((r) => r.outcome === 'failed').map((r) => r.host);
