import bcrypt from 'bcryptjs';
import type { ContainerSpec, DesiredServer } from '../desired/types.js';
import type { ContainerFact, ServerFacts } from '../facts/types.js';
import type { PlannedChange } from './ops.js';
import type { Change } from './types.js';

export interface PartPlan {
  changes: Change[];
  ops: PlannedChange[];
  warnings: string[];
}

/** bcrypt cost for new htpasswd lines (rest-server accepts bcrypt and {SHA} only). */
export const BCRYPT_COST = 10;

function parseHtpasswd(text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of (text ?? '').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return out;
}

/** Does an existing htpasswd hash still match the password? Then it is kept, not rewritten. */
async function hashMatches(hash: string, password: string): Promise<boolean> {
  if (/^\$2[aby]\$/.test(hash)) return bcrypt.compare(password, hash);
  return false; // {SHA} (the seed's ldap_sha1) and anything else is upgraded to bcrypt
}

/**
 * How htpasswd lines are made and checked: bcrypt on hosts; the offline plan, which writes none,
 * uses a cheap stand-in. Asynchronous: bcryptjs's async form yields to the event loop between
 * rounds (~70 ms of CPU per user at cost 10), so planning many servers does not stall other hosts' I/O.
 */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  matches(hash: string, password: string): Promise<boolean>;
}

export const bcryptHasher: PasswordHasher = { hash: (p) => bcrypt.hash(p, BCRYPT_COST), matches: hashMatches };

export function describeSpec(spec: ContainerSpec): string {
  return [
    `image: ${spec.image}`,
    `ports: ${spec.ports.map((p) => `${p.hostPort}->${p.containerPort}/tcp`).join(', ')}`,
    `volumes: ${spec.binds.map((b) => `${b.source}:${b.target}`).join(', ')}`,
    `networks: ${spec.networks.join(', ') || '(default bridge)'}`,
    `log: ${spec.logDriver ?? '(engine default)'} ${Object.entries(spec.logOptions).map(([k, v]) => `${k}=${v}`).join(' ')}`.trimEnd(),
    `restart: ${spec.restartPolicy}`,
    `env: ${Object.entries(spec.env).map(([k, v]) => `${k}=${v}`).join(' ') || '(none)'}`,
    `spec-hash: ${spec.specHash}`,
  ].join('\n');
}

export function describeContainer(c: ContainerFact): string {
  const opts = c.env.filter((e) => e.startsWith('OPTIONS='));
  return [
    `image: ${c.image}`,
    `ports: ${c.ports.join(', ')}`,
    `volumes: ${c.mounts.map((m) => `${m.source}:${m.destination}`).join(', ')}`,
    `networks: ${c.networks.join(', ')}`,
    `log: ${c.logDriver} ${Object.entries(c.logOptions).map(([k, v]) => `${k}=${v}`).join(' ')}`.trimEnd(),
    `restart: ${c.restartPolicy}`,
    `env: ${opts.join(' ') || '(none)'}`,
    `spec-hash: ${c.labels['restic-fleet.spec-hash'] ?? '(not managed by restic-fleet)'}`,
    `state: ${c.status}`,
  ].join('\n');
}

export async function planServer(d: DesiredServer, f: ServerFacts, hasher: PasswordHasher = bcryptHasher): Promise<PartPlan> {
  const changes: Change[] = [];
  const ops: PlannedChange[] = [];
  const warnings: string[] = [];
  if (!f.dockerVersion) throw new Error('docker is not usable on this host (docker version failed)');

  if (!f.dataDir) {
    const id = `directory:${d.dataDir}`;
    changes.push({ id, kind: 'directory', action: 'create', summary: `create ${d.dataDir} (backup data, mounted at /data)` });
    ops.push({ changeId: id, op: { op: 'mkdir', path: d.dataDir, mode: 0o700 } });
  }

  const existing = parseHtpasswd(f.htpasswd);
  const lines: string[] = [];
  let htChanged = false;
  for (const u of d.users) {
    const id = `htpasswd-user:${u.user}`;
    const old = existing.get(u.user);
    if (old && (await hasher.matches(old, u.password.reveal()))) {
      lines.push(`${u.user}:${old}`);
      continue;
    }
    htChanged = true;
    lines.push(`${u.user}:${await hasher.hash(u.password.reveal())}`);
    changes.push({
      id,
      kind: 'htpasswd-user',
      action: old ? 'update' : 'create',
      summary: old ? `update password of htpasswd user ${u.user} (used by ${u.usedBy.join(', ')})` : `add htpasswd user ${u.user} (used by ${u.usedBy.join(', ')})`,
    });
  }
  for (const user of existing.keys()) {
    if (d.users.some((u) => u.user === user)) continue;
    htChanged = true;
    changes.push({
      id: `htpasswd-user:${user}`,
      kind: 'htpasswd-user',
      action: 'delete',
      summary: `remove htpasswd user ${user} (no longer in the inventory)`,
      destructive: `removes htpasswd user ${user}: clients using it can no longer back up`,
    });
  }
  const content = lines.length ? `${lines.join('\n')}\n` : '';
  if (htChanged || f.htpasswd !== content) {
    const id = `file:${d.htpasswdPath}`;
    const action = f.htpasswd === undefined ? 'create' : 'update';
    changes.push({ id, kind: 'file', action, summary: `${action} ${d.htpasswdPath} (0600, bcrypt hashes)` });
    const users = changes.filter((c) => c.kind === 'htpasswd-user').map((c) => c.id);
    ops.push({ changeId: id, op: { op: 'write-file', path: d.htpasswdPath, mode: 0o600, content }, covers: users });
  }

  if (d.network && !f.networkExists) {
    const id = `network:${d.network}`;
    changes.push({ id, kind: 'network', action: 'create', summary: `create docker network ${d.network}` });
    ops.push({ changeId: id, op: { op: 'network-create', name: d.network } });
  }

  const spec = d.container;
  const id = `container:${spec.name}`;
  const c = f.container;
  if (!c) {
    changes.push({ id, kind: 'container', action: 'create', summary: `run container ${spec.name} (${spec.image})`, after: describeSpec(spec) });
    ops.push({ changeId: id, op: { op: 'container-run', spec, replace: false } });
  } else if (c.labels['restic-fleet.spec-hash'] !== spec.specHash) {
    changes.push({
      id,
      kind: 'container',
      action: 'update',
      summary: `recreate container ${spec.name} (its spec changed)`,
      before: describeContainer(c),
      after: describeSpec(spec),
      destructive: `recreates container ${spec.name}: backups running at that moment fail and are retried by their next run`,
    });
    ops.push({ changeId: id, op: { op: 'container-run', spec, replace: true } });
  } else if (!c.running) {
    changes.push({ id, kind: 'container', action: 'update', summary: `start container ${spec.name} (it is ${c.status})` });
    ops.push({ changeId: id, op: { op: 'container-start', name: spec.name } });
  } else if (ops.some((o) => o.op.op === 'write-file' && o.op.path === d.htpasswdPath)) {
    // A kept, running rest-server sees a new .htpasswd only up to 30 s later (it checks the
    // file at most that often): clients applied right after would get 401. SIGHUP reloads it now.
    ops.push({ changeId: '', op: { op: 'container-reload', name: spec.name } });
  }
  // A started container does not listen at once (a first image load, a slow disk): its clients'
  // `restic init` right after it would fail. The change is done only once the server answers.
  if (ops.some((o) => o.changeId === id)) {
    ops.push({ changeId: id, op: { op: 'await-http', container: spec.name, port: spec.ports[0]!.hostPort, timeoutSeconds: d.readyTimeoutSeconds } });
  }
  return { changes, ops, warnings };
}
