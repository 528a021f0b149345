import { createHmac, randomBytes } from 'node:crypto';
import type { DesiredHost } from '../desired/types.js';
import type { HostFacts } from '../facts/types.js';
import { buildPlan, type FactsResult } from './build.js';
import { planServer, type PartPlan, type PasswordHasher } from './server.js';
import type { Plan } from './types.js';

/**
 * The offline plan compares two desired states and writes no htpasswd, so it needs no
 * bcrypt: that is ~70 ms of CPU per user in pure JS, and a pull request adding a few
 * hundred users would run for minutes. A keyed hash (the key is random per process, and
 * the lines never leave memory) says the same thing: same password or not.
 */
const OFFLINE_KEY = randomBytes(32);
const offlineHash = (p: string): string => `offline$${createHmac('sha256', OFFLINE_KEY).update(p).digest('hex')}`;
export const offlineHasher: PasswordHasher = {
  hash: (p) => Promise.resolve(offlineHash(p)),
  matches: (h, p) => Promise.resolve(h === offlineHash(p)),
};

/** How factsFromDesired writes a user's htpasswd hash (facts only; nothing is written to a host). */
export type HtpasswdLineHash = (password: string) => string;

/**
 * The facts a host would report if it matched `d` exactly. Used for the offline plan
 * (no SSH key, e.g. a fork's pull request): the PR's desired state is diffed against
 * the base branch's desired state as if the hosts had converged to it.
 */
export function factsFromDesired(d: DesiredHost, hashLine: HtpasswdLineHash = offlineHash): HostFacts {
  const f: HostFacts = { host: d.name, uid: 0 };
  if (d.server) {
    const s = d.server;
    f.server = {
      dockerVersion: 'offline',
      networkExists: true,
      dataDir: { mode: 0o700, owner: 'root', group: 'root' },
      // These hashes only exist in memory, to compare the two desired states.
      htpasswd: s.users.map((u) => `${u.user}:${hashLine(u.password.reveal())}\n`).join(''),
      container: {
        id: 'offline',
        image: s.container.image,
        running: true,
        status: 'running',
        labels: s.container.labels,
        env: Object.entries(s.container.env).map(([k, v]) => `${k}=${v}`),
        mounts: s.container.binds.map((b) => ({ source: b.source, destination: b.target })),
        ports: s.container.ports.map((p) => `${p.containerPort}/tcp -> 0.0.0.0:${p.hostPort}`),
        networks: s.container.networks,
        logDriver: s.container.logDriver ?? '',
        logOptions: s.container.logOptions,
        restartPolicy: s.container.restartPolicy,
      },
    };
  }
  if (d.client) {
    const c = d.client;
    f.client = {
      resticVersion: '0.14.0',
      resticPackageVersion: c.package?.split('=')[1] ?? 'offline',
      dockerVersion: 'offline',
      files: Object.fromEntries(
        c.files.map((file) => [
          file.path,
          { mode: file.mode, owner: 'root', group: 'root', sha256: file.sha256, content: typeof file.content === 'string' ? file.content : undefined },
        ]),
      ),
      dirs: Object.fromEntries(c.dirs.map((x) => [x.path, { mode: x.mode, owner: 'root' }])),
      volumes: Object.fromEntries(c.sets.flatMap((s) => (s.volume ? [[s.volume, { mountpoint: `/var/lib/docker/volumes/${s.volume}/_data` }]] : []))),
      repo: { status: 'initialised', detail: '' },
      cronSets: c.cron.flatMap((j) => (j.setId === undefined ? [] : [{ slug: j.name, id: j.setId }])),
      synthesised: true,
    };
  }
  return f;
}

/** A fresh host: nothing installed yet (for hosts the pull request adds). */
function freshFacts(d: DesiredHost): HostFacts {
  return {
    host: d.name,
    uid: 0,
    server: d.server ? { dockerVersion: 'offline', networkExists: false } : undefined,
    client: d.client
      ? { resticVersion: '0.14.0', dockerVersion: 'offline', files: {}, dirs: {}, volumes: {}, repo: { status: 'unchecked', detail: '' }, synthesised: true }
      : undefined,
  };
}

/**
 * Facts of `head` hosts as if they had converged to the base branch's desired state (a host
 * or role new in the PR starts from nothing). For hosts that are not contacted.
 */
export function synthesisedFacts(head: DesiredHost[], base: DesiredHost[]): Map<string, FactsResult> {
  const baseByName = new Map(base.map((d) => [d.name, d]));
  // A repository some base client already uses exists on converged hosts: a new client joins it, no init.
  const baseRepos = new Set(base.flatMap((d) => (d.client ? [d.client.repository.key] : [])));
  return new Map<string, FactsResult>(
    head.map((d) => {
      const b = baseByName.get(d.name);
      // A host whose role is new in this PR starts from nothing for that role.
      const f = b ? factsFromDesired(b) : freshFacts(d);
      if (d.server && !f.server) f.server = freshFacts(d).server;
      if (d.client && !f.client) f.client = freshFacts(d).client;
      if (d.client && f.client?.repo.status === 'unchecked' && baseRepos.has(d.client.repository.key)) f.client.repo = { status: 'initialised', detail: '' };
      return [d.name, { ok: true, facts: f }];
    }),
  );
}

/** The server parts of hosts planned from synthesised facts, hashed without bcrypt (see offlineHasher). */
export async function offlineServerParts(head: DesiredHost[], facts: Map<string, FactsResult>): Promise<Map<string, PartPlan>> {
  const serverParts = new Map<string, PartPlan>();
  for (const d of head) {
    const r = facts.get(d.name);
    if (!d.server || !r?.ok || !r.facts.server) continue;
    try {
      serverParts.set(d.name, await planServer(d.server, r.facts.server, offlineHasher));
    } catch {
      // buildPlan plans it again and reports the failure on that host.
    }
  }
  return serverParts;
}

/** Desired (pull request) vs. desired (base branch): the plan that merging would cause on converged hosts. */
export async function offlinePlan(head: DesiredHost[], base: DesiredHost[]): Promise<{ plan: Plan; removedHosts: string[] }> {
  const facts = synthesisedFacts(head, base);
  // The facts are synthesised, so the plan has no warnings about live hosts' docker (see planClient).
  const { plan } = await buildPlan(head, facts, await offlineServerParts(head, facts));
  const removedHosts = base.map((d) => d.name).filter((n) => !head.some((d) => d.name === n));
  return { plan: { ...plan, offline: true }, removedHosts };
}
