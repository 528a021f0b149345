import { applyHost } from '../apply/host.js';
import type { DesiredHost } from '../desired/types.js';
import { buildProbe } from '../facts/probe.js';
import { parseProbe } from '../facts/parse.js';
import { buildPlan, type ShardContext, type BuiltPlan, type FactsResult } from '../plan/build.js';
import { checksRepository, planServers } from '../plan/servers.js';
import { addTrustWarnings, type Untrusted } from '../plan/trust.js';
import type { Plan } from '../plan/types.js';
import type { HostResult } from '../results/types.js';
import { redact } from '../secret.js';
import { runPool } from '../util/pool.js';
import type { Sessions } from './sessions.js';

export interface ConvergeOptions {
  desired: DesiredHost[]; // already narrowed by --limit
  sessions: Sessions;
  concurrency: number;
}

export interface PlanRunOptions extends ConvergeOptions {
  /** A pull request's new destinations: hosts not contacted (planned from `facts`) and clients not repo-checked. */
  untrusted?: Untrusted & { facts: Map<string, FactsResult> };
  /** One job of a sharded run: servers in shard.readOnly are probed and planned for their clients, never applied. */
  shard?: ShardContext;
}

export interface PlanRun extends BuiltPlan {
  /** What each host's probe read (the snapshot report after apply is built from it). */
  facts: Map<string, FactsResult>;
  durationMs: number;
  factsMs: Map<string, number>;
}

const message = (err: unknown): string => redact(err instanceof Error ? err.message : String(err));

async function probeHost(d: DesiredHost, sessions: Sessions, checkRepo: boolean): Promise<FactsResult> {
  try {
    const t = await sessions.get(d);
    const probe = buildProbe(d, { checkRepo });
    const res = await t.exec(probe.command, { stdin: probe.stdin, timeoutSeconds: 60 });
    if (res.code !== 0) {
      const why = res.code === null ? 'connection dropped' : `exit ${res.code}`;
      return { ok: false, reason: `probe failed (${why}): ${message(res.stderr.trim().split('\n').slice(-3).join(' | '))}` };
    }
    return { ok: true, facts: parseProbe(d, res.stdout) };
  } catch (err) {
    return { ok: false, reason: message(err) };
  }
}

/**
 * Reads every host (one probe each) and builds the plan. Servers are probed and planned
 * first (plan/servers.ts): which of them change decides which clients check their repository.
 */
export async function planRun(o: PlanRunOptions): Promise<PlanRun> {
  const started = Date.now();
  const facts = new Map<string, FactsResult>();
  const factsMs = new Map<string, number>();
  const timed = async (d: DesiredHost, checkRepo: boolean) => {
    const t0 = Date.now();
    facts.set(d.name, await probeHost(d, o.sessions, checkRepo));
    factsMs.set(d.name, Date.now() - t0);
  };

  // A pull request's new destinations are not contacted: planned from synthesised facts.
  const notContacted = o.desired.filter((d) => o.untrusted?.offline.has(d.name));
  for (const d of notContacted) {
    const preset = o.untrusted!.facts.get(d.name);
    if (preset) facts.set(d.name, preset);
  }
  const servers = o.desired.filter((d) => d.server && !facts.has(d.name));
  await runPool(servers, o.concurrency, (d) => timed(d, true));
  const serverPlans = await planServers(servers, facts, o.untrusted && { hosts: notContacted, facts: o.untrusted.facts });

  // A host that is both server and client was probed with the server batch.
  const clients = o.desired.filter((d) => d.client && !facts.has(d.name));
  await runPool(clients, o.concurrency, (d) => timed(d, checksRepository(d, serverPlans, o.untrusted)));

  const built = await buildPlan(o.desired, facts, serverPlans.parts, o.shard);
  addTrustWarnings(built.plan.hosts, o.untrusted);
  return { ...built, facts, durationMs: Date.now() - started, factsMs };
}

/**
 * Applies a plan exactly: servers first, then the one initialiser of each absent
 * repository, then every other client. A failure never stops other hosts; clients of a
 * server that failed to apply are skipped with the reason.
 */
export async function applyRun(o: ConvergeOptions, run: PlanRun): Promise<HostResult[]> {
  const results = new Map<string, HostResult>();
  const byName = new Map(o.desired.map((d) => [d.name, d]));
  for (const h of run.plan.hosts) {
    if (h.status !== 'ok') {
      results.set(h.host, { host: h.host, outcome: h.status === 'failed' ? 'failed' : 'skipped', changed: 0, reason: h.reason, durationMs: run.factsMs.get(h.host) ?? 0 });
    }
  }

  const okHosts = run.plan.hosts.filter((h) => h.status === 'ok').map((h) => h.host);
  const isInit = (name: string) => (run.ops.get(name) ?? []).some((p) => p.op.op === 'repo-init');
  // The one client per repository that initialises it in this run (planned by buildPlan).
  const initialiserOf = new Map(okHosts.filter(isInit).map((n) => [byName.get(n)!.client!.repository.key, n]));
  const stale = new Set<string>();
  const firstLine = (r?: string) => (r ? `: ${r.split('\n')[0]}` : '');

  /** Why a client cannot be applied: a server or initialiser it depends on did not get there. */
  const blockedBy = (name: string, d: DesiredHost): string | undefined => {
    const serverHost = d.client?.repository.serverHost;
    const server = serverHost && serverHost !== name ? results.get(serverHost) : undefined;
    // A server skipped as stale was converged by another run: its clients check for themselves.
    if (server?.outcome === 'failed' || (server?.outcome === 'skipped' && !stale.has(serverHost!))) return `its server ${serverHost} failed${firstLine(server.reason)}`;
    const init = d.client && initialiserOf.get(d.client.repository.key);
    const initResult = init && init !== name ? results.get(init) : undefined;
    if (initResult?.outcome === 'failed' || initResult?.outcome === 'skipped') return `its repository's initialiser ${init} failed${firstLine(initResult.reason)}`;
    return undefined;
  };

  const applyOne = async (name: string) => {
    const t0 = Date.now();
    const d = byName.get(name)!;
    const blocked = blockedBy(name, d);
    if (blocked) {
      results.set(name, { host: name, outcome: 'skipped', changed: 0, reason: blocked, durationMs: 0 });
      return;
    }
    const ops = run.ops.get(name) ?? [];
    try {
      const t = await o.sessions.get(d);
      const r = await applyHost(t, ops, d.connection.commandTimeoutSeconds);
      if (r.stale) {
        stale.add(name);
        const reason = 'another restic-fleet run changed this host after this run read it: nothing was applied here (plan again to see what is left)';
        results.set(name, { host: name, outcome: 'skipped', changed: 0, reason, durationMs: Date.now() - t0 });
        return;
      }
      const planned = run.plan.hosts.find((h) => h.host === name)!.changes.length;
      const changed = new Set(r.applied).size;
      results.set(name, {
        host: name,
        outcome: r.failure ? 'failed' : planned ? 'changed' : 'ok',
        changed,
        reason: r.failure,
        durationMs: Date.now() - t0 + (run.factsMs.get(name) ?? 0),
      });
    } catch (err) {
      results.set(name, { host: name, outcome: 'failed', changed: 0, reason: message(err), durationMs: Date.now() - t0 });
    }
  };

  const phases = [
    okHosts.filter((n) => byName.get(n)!.server),
    okHosts.filter((n) => !byName.get(n)!.server && isInit(n)),
    okHosts.filter((n) => !byName.get(n)!.server && !isInit(n)),
  ];
  for (const phase of phases) await runPool(phase, o.concurrency, applyOne);

  for (const [name, r] of results) {
    const s = o.sessions.stats(name);
    if (s) Object.assign(r, { roundTrips: s.roundTrips, bytes: s.bytesSent + s.bytesReceived });
  }
  return [...results.values()].sort((a, b) => a.host.localeCompare(b.host));
}

/** Results of a plan-only run, for the same final table. */
export function planResults(plan: Plan, run: PlanRun, sessions: Sessions): HostResult[] {
  return plan.hosts.map((h) => {
    const s = sessions.stats(h.host);
    return {
      host: h.host,
      outcome: h.status === 'ok' ? (h.changes.length ? 'changed' : 'ok') : h.status,
      changed: h.changes.length,
      reason: h.reason,
      durationMs: run.factsMs.get(h.host) ?? 0,
      ...(s ? { roundTrips: s.roundTrips, bytes: s.bytesSent + s.bytesReceived } : {}),
    };
  });
}
