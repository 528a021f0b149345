import type { DesiredHost } from '../desired/types.js';
import type { FactsResult } from './build.js';
import { offlineServerParts } from './offline.js';
import { planServer, type PartPlan } from './server.js';
import type { Untrusted } from './trust.js';

/**
 * Servers are planned before their clients are probed: a client whose server is about to
 * change skips its live repository check (the server may not answer yet) and checks again
 * when it is applied. The parts are handed to buildPlan (bcrypt work is not done twice).
 */
export interface ServerPlans {
  parts: Map<string, PartPlan>;
  /** Servers with changes, or whose planning failed (buildPlan plans them again and reports it). */
  changing: Set<string>;
}

/**
 * `probed`: servers read live (facts in `facts`). `untrusted`: a pull request's hosts planned
 * from synthesised facts, hashed without bcrypt (plan/offline.ts).
 */
export async function planServers(
  probed: DesiredHost[],
  facts: Map<string, FactsResult>,
  untrusted?: { hosts: DesiredHost[]; facts: Map<string, FactsResult> },
): Promise<ServerPlans> {
  const parts = untrusted ? await offlineServerParts(untrusted.hosts, untrusted.facts) : new Map<string, PartPlan>();
  const changing = new Set<string>();
  for (const s of probed) {
    const r = facts.get(s.name);
    if (!s.server || !r?.ok) continue;
    try {
      const part = await planServer(s.server, r.facts.server!);
      parts.set(s.name, part);
      if (part.changes.length) changing.add(s.name);
    } catch {
      changing.add(s.name); // buildPlan plans it again and reports the failure
    }
  }
  return { parts, changing };
}

/** Whether a client's probe opens its repository: not when its server changes, nor when the PR moved the repository. */
export const checksRepository = (d: DesiredHost, servers: ServerPlans, untrusted?: Untrusted): boolean =>
  !servers.changing.has(d.client?.repository.serverHost ?? '') && !untrusted?.noRepoCheck.has(d.name);
