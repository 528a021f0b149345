import { createHash } from 'node:crypto';
import type { ClientConfig, HostConfig, ServerConfig } from '../inventory/config.js';
import type { Diagnostic } from '../inventory/types.js';
import { isPlaceholderSecret } from '../inventory/resolve.js';
import { reveal, type MaybeSecret } from '../secret.js';
import { canonicalJson } from '../util/canonical-json.js';
import { CRON_FILE, cronJobs, renderCronFile } from './cron.js';
import { parseRepo, repoDisplay, repoKey, repoUrl, type ParsedRepo } from './repository.js';
import { ETC_DIR, LOG_DIR, PASSWORD_FILE, REPOSITORY_FILE, RUNNER_DIR, RUNNER_PATH, RUNNER_SCRIPT, STATUS_DIR } from './runner-script.js';
import { checkJob } from './drill-jobs.js';
import { pruneJob, rotationFor, RUNNER_CONF, runnerConf, setFiles } from './set-jobs.js';
import { slugify } from './slug.js';
import type { ContainerSpec, DesiredClient, DesiredFile, DesiredHost, DesiredServer, HtpasswdUser, RepositoryRef } from './types.js';

export interface DesiredState {
  hosts: DesiredHost[]; // sorted by name
  diagnostics: Diagnostic[];
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * Pure and deterministic: the inventory's hosts → what each host should look like.
 * Cross-host facts are resolved here: which server serves each client's repository,
 * which clients share a repository, and which htpasswd users each server needs.
 */
export function buildDesired(hosts: HostConfig[], source = 'inventory'): DesiredState {
  const diagnostics: Diagnostic[] = [];
  const sorted = [...hosts].sort((a, b) => a.name.localeCompare(b.name));

  const repos = new Map<string, { parsed: ParsedRepo; clients: HostConfig[] }>();
  for (const h of sorted) {
    if (!h.client) continue;
    const parsed = parseRepo(h.client.repo);
    const key = repoKey(parsed);
    const entry = repos.get(key) ?? { parsed, clients: [] };
    entry.clients.push(h);
    repos.set(key, entry);
  }

  const serverFor = (r: ParsedRepo): HostConfig | undefined =>
    sorted.find(
      (h) => h.server && h.server.port === r.port && [h.name.toLowerCase(), h.connection.host.toLowerCase()].includes(r.host),
    );

  const out: DesiredHost[] = [];
  for (const h of sorted) {
    const d: DesiredHost = { name: h.name, connection: h.connection };
    if (h.server) {
      const clients = [...repos.values()].filter((r) => serverFor(r.parsed) === h).flatMap((r) => r.clients);
      d.server = desiredServer(h, h.server, clients, diagnostics);
    }
    if (h.client) {
      const parsed = parseRepo(h.client.repo);
      const entry = repos.get(repoKey(parsed))!;
      d.client = desiredClient(h, h.client, parsed, entry.clients, serverFor(parsed), source);
      if (entry.clients.length > 1 && entry.clients[0] === h) {
        diagnostics.push({
          severity: 'warning',
          key: 'restic_repo',
          pos: h.posOf(['restic_repo']),
          message:
            `repository ${repoKey(parsed)} is shared by ${entry.clients.length} clients (${entry.clients.map((c) => c.name).join(', ')}): ` +
            'restic-fleet initialises it once, and each client forgets only its own snapshots. For one repository per host use ' +
            `restic_repo: ${parsed.host}:${parsed.port}${parsed.path}/{{ inventory_hostname }}`,
        });
      }
    }
    out.push(d);
  }
  return { hosts: out, diagnostics };
}

function desiredServer(h: HostConfig, s: ServerConfig, clients: HostConfig[], diagnostics: Diagnostic[]): DesiredServer {
  const users = new Map<string, HtpasswdUser & { where: string }>();
  const add = (user: string, password: MaybeSecret | undefined, usedBy: string, where: string, posPath: (string | number)[], pos: HostConfig) => {
    if (!password || typeof password === 'string') return; // schema makes passwords Secrets; a user without one gets no line
    const existing = users.get(user);
    if (!existing) {
      users.set(user, { user, password, usedBy: [usedBy], where });
      return;
    }
    const unknown = isPlaceholderSecret(existing.password) || isPlaceholderSecret(password);
    if (!unknown && reveal(existing.password) !== password.reveal()) {
      diagnostics.push({
        severity: 'error',
        key: posPath.join('.'),
        pos: pos.posOf(posPath),
        message: `htpasswd user "${user}" on ${h.name} gets two different passwords (${existing.where} and ${where}); one user has one password`,
      });
      return;
    }
    if (!existing.usedBy.includes(usedBy)) existing.usedBy.push(usedBy);
  };
  s.users.forEach((u, i) =>
    add(u.user, u.password, i === 0 ? 'restic_server_user' : `restic_server_users[${i - 1}]`, `${h.name} restic_server_user`, ['restic_server_password'], h),
  );
  for (const c of clients) {
    if (c.client?.user) add(c.client.user, c.client.password, c.name, `${c.name} restic_client_password`, ['restic_client_password'], c);
  }
  if (s.options.includes('--private-repos')) {
    for (const c of clients) {
      const p = parseRepo(c.client!.repo).path;
      if (c.client?.user && !(p === `/${c.client.user}` || p.startsWith(`/${c.client.user}/`))) {
        diagnostics.push({
          severity: 'warning',
          key: 'restic_repo',
          pos: c.posOf(['restic_repo']),
          message: `${h.name} runs with --private-repos, so user "${c.client.user}" may only use /${c.client.user}/…; ${c.name}'s repository path is ${p}`,
        });
      }
    }
  }

  const container = containerSpec(s);
  return {
    dataDir: s.backupDir,
    htpasswdPath: `${s.backupDir}/.htpasswd`,
    users: [...users.values()].map(({ where: _w, ...u }) => u).sort((a, b) => a.user.localeCompare(b.user)),
    network: s.network,
    container,
    readyTimeoutSeconds: s.readyTimeoutSeconds,
    clients: clients.map((c) => c.name).sort(),
  };
}

export function containerSpec(s: ServerConfig): ContainerSpec {
  const spec: Omit<ContainerSpec, 'specHash' | 'labels'> = {
    name: s.containerName,
    image: s.image,
    ports: [{ hostPort: s.port, containerPort: 8000 }],
    binds: [{ source: s.backupDir, target: '/data' }],
    networks: s.network ? [s.network] : [],
    logDriver: s.logDriver,
    logOptions: s.logOptions,
    restartPolicy: 'unless-stopped',
    env: s.options.length ? { OPTIONS: s.options.join(' ') } : {},
  };
  const specHash = sha256(canonicalJson(spec)).slice(0, 16);
  return { ...spec, labels: { 'restic-fleet.managed': 'true', 'restic-fleet.spec-hash': specHash }, specHash };
}

function file(path: string, mode: number, content: MaybeSecret, description: string): DesiredFile {
  return { path, mode, owner: 'root', content, sha256: sha256(reveal(content)), description };
}

function desiredClient(
  h: HostConfig,
  c: ClientConfig,
  parsed: ParsedRepo,
  sharing: HostConfig[],
  server: HostConfig | undefined,
  source: string,
): DesiredClient {
  const slugs = slugify(c.sets.map((s) => s.id));
  const sets = c.sets.map((s) => ({ ...s, slug: slugs.get(s.id)! }));
  const url = repoUrl(parsed, c);
  const newline = (v: MaybeSecret): MaybeSecret => (typeof v === 'string' ? `${v}\n` : v.derive((x) => `${x}\n`));
  const repository: RepositoryRef = {
    key: repoKey(parsed),
    url,
    password: c.repoPassword,
    display: repoDisplay(parsed, c),
    serverHost: server?.name,
    sharedBy: sharing.map((x) => x.name),
  };
  const rotation = rotationFor(c.rotation, repository);
  const prune = pruneJob(h.name, repository, new Map(sharing.map((x) => [x.name, x.client?.rotation])));
  const check = checkJob(h.name, repository, c.check);
  const cron = cronJobs(h.name, sets, rotation, prune, check);
  const client: DesiredClient = {
    package: c.package,
    repository,
    sets,
    rotation,
    cron,
    dirs: CLIENT_DIRS,
    files: [
      file(REPOSITORY_FILE, 0o600, newline(url), 'repository URL with HTTP credentials (secret)'),
      file(PASSWORD_FILE, 0o600, newline(c.repoPassword), 'repository password (secret)'),
      file(RUNNER_PATH, 0o755, RUNNER_SCRIPT, 'runner script the cron jobs call'),
      file(RUNNER_CONF, 0o600, runnerConf(c.textfilePath), 'runner settings (node_exporter textfile path)'),
      ...setFiles(sets).map((f) => file(f.path, f.mode, f.content, f.description)),
      file(CRON_FILE, 0o644, renderCronFile(cron, source), 'cron jobs: one per backup set, plus rotation'),
    ],
  };
  if (prune) client.prune = prune;
  if (check) client.check = check;
  return client;
}

/** /etc/restic-fleet holds credentials: root only. Logs exist before cron's first redirect into them. */
const CLIENT_DIRS = [
  { path: ETC_DIR, mode: 0o700 },
  { path: RUNNER_DIR, mode: 0o755 },
  { path: LOG_DIR, mode: 0o750 },
  { path: STATUS_DIR, mode: 0o755 },
];
