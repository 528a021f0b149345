// Connections and round trips per host, counted on the hosts: the lab's sshd logs at VERBOSE
// (lab/host/init.sh) one "Accepted publickey" line per authenticated connection and one
// "Starting session" line per exec (or subsystem) request, into the container's log.
import { docker, pool } from '../lab/run.js';
import type { LabHost } from '../lab/state.js';

export interface HostCount {
  host: string;
  connections: number;
  sessions: number;
}

/** Counts for each host since `since` (a Date taken before the run started). */
export async function countSince(hosts: readonly LabHost[], since: Date): Promise<HostCount[]> {
  return pool(hosts, 8, async (h) => {
    const r = await docker(['logs', '--since', since.toISOString(), h.container], { timeoutSeconds: 30 });
    if (r.code !== 0) throw new Error(`docker logs ${h.container} failed: ${r.stderr.trim()}`);
    const text = r.stdout + r.stderr; // sshd -e writes to stderr
    const count = (re: RegExp) => text.split('\n').filter((l) => re.test(l)).length;
    return { host: h.name, connections: count(/^Accepted publickey for /), sessions: count(/^Starting session: /) };
  });
}

export interface CountSummary {
  connections: { min: number; max: number };
  sessions: { min: number; max: number; mean: number };
  /** Hosts whose counts differ from the most common pair, e.g. the server. */
  outliers: HostCount[];
}

export function summarise(counts: readonly HostCount[]): CountSummary {
  const c = counts.map((x) => x.connections);
  const s = counts.map((x) => x.sessions);
  const key = (x: HostCount) => `${x.connections}/${x.sessions}`;
  const freq = new Map<string, number>();
  for (const x of counts) freq.set(key(x), (freq.get(key(x)) ?? 0) + 1);
  const common = [...freq.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  return {
    connections: { min: Math.min(...c), max: Math.max(...c) },
    sessions: { min: Math.min(...s), max: Math.max(...s), mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length) },
    outliers: counts.filter((x) => key(x) !== common),
  };
}
