import type { HostSnapshots, SetStatus, SnapshotReport } from './types.js';

/**
 * The snapshot reports of the jobs of a sharded run, as one report (the `summary` command).
 * They are the action's own `snapshots` outputs, passed through artifacts: each is checked
 * for the shape the report renders, and a host reported by two jobs is an error (a matrix
 * that does not split the hosts).
 */
export function mergeSnapshotReports(reports: Array<{ name: string; report: unknown }>): SnapshotReport {
  if (!reports.length) throw new Error('no snapshot reports to combine');
  const hosts: HostSnapshots[] = [];
  const from = new Map<string, string>();
  let generatedAt = '';
  let staleAfterSeconds = 0;
  for (const { name, report } of reports) {
    const r = checkReport(report, name);
    for (const h of r.hosts) {
      const other = from.get(h.host);
      if (other) throw new Error(`host ${h.host} is in two snapshot reports (${other} and ${name}): the shards must split the hosts`);
      from.set(h.host, name);
      hosts.push(h);
    }
    if (r.generatedAt > generatedAt) generatedAt = r.generatedAt;
    staleAfterSeconds = Math.max(staleAfterSeconds, r.staleAfterSeconds);
  }
  hosts.sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  return { generatedAt, staleAfterSeconds, hosts };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string';

function checkReport(v: unknown, name: string): SnapshotReport {
  const bad = (what: string): never => {
    throw new Error(`${name} is not a restic-fleet snapshot report: ${what}`);
  };
  if (!isObj(v) || !str(v.generatedAt) || typeof v.staleAfterSeconds !== 'number' || !Array.isArray(v.hosts)) bad('expected {generatedAt, staleAfterSeconds, hosts}');
  const r = v as unknown as SnapshotReport;
  r.hosts.forEach((h: unknown, i) => {
    if (!isObj(h) || !str(h.host) || (h.status !== 'ok' && h.status !== 'failed') || !Array.isArray(h.sets)) bad(`hosts[${i}] needs host, status ok|failed and sets`);
    (h as unknown as HostSnapshots).sets.forEach((s: unknown, j) => {
      const set = s as SetStatus;
      if (!isObj(s) || !str(set.setId) || !str(set.slug) || typeof set.stale !== 'boolean' || typeof set.failing !== 'boolean') {
        bad(`hosts[${i}].sets[${j}] needs setId, slug, stale and failing`);
      }
    });
  });
  return r;
}
