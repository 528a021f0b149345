import { CRON_FILE } from '../desired/runner-script.js';
import type { DesiredHost } from '../desired/types.js';
import { parseRepoCheckLine } from './repo-check.js';
import { fromBase64, parseSections } from './sections.js';
import type { DrillResult } from '../results/types.js';
import type { ClientFacts, ContainerFact, CronSetFact, FileFact, HostFacts, RepoFact, ServerFacts, StatusRecord } from './types.js';

const b64 = fromBase64;
const absent = (v: string | undefined): boolean => v === undefined || v.trim() === '-' || v.trim() === '';

function fileFact(v: string | undefined): FileFact | undefined {
  if (absent(v)) return undefined;
  const [mode, owner, group, sha256] = v!.trim().split(/\s+/);
  return { mode: parseInt(mode!, 8), owner: owner!, group: group!, sha256: sha256! };
}

function dirFact(v: string | undefined): { mode: number; owner: string } | undefined {
  if (absent(v)) return undefined;
  const [mode, owner] = v!.trim().split(/\s+/);
  return { mode: parseInt(mode!, 8), owner: owner! };
}

/** The fields of `docker inspect` the plan compares and shows. */
export function containerFact(json: string): ContainerFact | undefined {
  if (!json.trim()) return undefined;
  const c = JSON.parse(json) as {
    Id: string;
    Config: { Image: string; Labels?: Record<string, string> | null; Env?: string[] | null };
    State: { Running: boolean; Status: string };
    Mounts?: Array<{ Source: string; Destination: string }>;
    NetworkSettings?: { Ports?: Record<string, Array<{ HostIp: string; HostPort: string }> | null>; Networks?: Record<string, unknown> };
    HostConfig: { LogConfig?: { Type: string; Config?: Record<string, string> }; RestartPolicy?: { Name: string } };
  };
  const ports = Object.entries(c.NetworkSettings?.Ports ?? {}).flatMap(([k, binds]) =>
    (binds ?? []).map((b) => `${k} -> ${b.HostIp || '0.0.0.0'}:${b.HostPort}`),
  );
  return {
    id: c.Id,
    image: c.Config.Image,
    running: c.State.Running,
    status: c.State.Status,
    labels: c.Config.Labels ?? {},
    env: c.Config.Env ?? [],
    mounts: (c.Mounts ?? []).map((m) => ({ source: m.Source, destination: m.Destination })),
    ports: [...new Set(ports)].sort(),
    networks: Object.keys(c.NetworkSettings?.Networks ?? {}).sort(),
    logDriver: c.HostConfig.LogConfig?.Type ?? '',
    logOptions: c.HostConfig.LogConfig?.Config ?? {},
    restartPolicy: c.HostConfig.RestartPolicy?.Name ?? '',
  };
}

/**
 * The backup jobs of the host's cron file (what an earlier apply wrote, or an edit since):
 * each job line's `--set` word, with the id from the `# backup set "id" (` line above it.
 */
export function parseCronSets(text: string): CronSetFact[] {
  const out: CronSetFact[] = [];
  let note: string | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) {
      note = /^# backup set "(.*)" \(/.exec(line)?.[1];
      continue;
    }
    const job = /^(?:\S+\s+){5}root\s+\S+\s+backup\s.*?--set\s+(\S+)/.exec(line);
    if (job) out.push(note === undefined ? { slug: job[1]! } : { slug: job[1]!, id: note });
    if (line.trim()) note = undefined;
  }
  return out;
}

/** One runner status file (JSON written by the runner); garbage reads as "unreadable". */
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A restore drill's result as the runner records it (runner-drill.sh). */
function drillResult(v: unknown): DrillResult | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const d = v as Record<string, unknown>;
  const s = (k: string) => (typeof d[k] === 'string' && d[k] ? (d[k] as string) : undefined);
  return {
    result: (['ok', 'failed', 'skipped'] as const).find((x) => x === d.result) ?? 'failed',
    time: s('time'),
    message: s('message'),
    durationSeconds: num(d.duration),
    snapshot: s('snapshot'),
    files: num(d.files),
    bytes: num(d.bytes),
  };
}

export function statusRecord(json: string): StatusRecord {
  try {
    const r = JSON.parse(json) as Record<string, unknown>;
    const str = (k: string) => (typeof r[k] === 'string' && r[k] ? (r[k] as string) : undefined);
    return {
      status: str('status') ?? 'unreadable',
      start: str('start'),
      end: str('end'),
      exit: typeof r.exit === 'number' ? r.exit : undefined,
      snapshot: str('snapshot'),
      message: str('message'),
      lastSnapshot: str('last_snapshot'),
      lastSnapshotTime: str('last_snapshot_time'),
      type: str('type'),
      duration: num(r.duration),
      filesNew: num(r.files_new),
      bytesAdded: num(r.bytes_added),
      stopped: str('stopped'),
      unlocked: str('unlocked'),
      drill: drillResult(r.drill),
    };
  } catch {
    return { status: 'unreadable' };
  }
}

export class ProbeError extends Error {}

/** While its server is about to change, only "already initialised" (seen with the installed credentials) is certain. */
function repoBeforeServer(installed: string | undefined, resticVersion: string | undefined): RepoFact {
  if (!absent(installed) && parseRepoCheckLine(installed!, resticVersion).status === 'initialised') return { status: 'initialised', detail: '' };
  return { status: 'unchecked', detail: 'not checked: its server converges first' };
}

export function parseProbe(d: DesiredHost, stdout: string): HostFacts {
  const s = parseSections(stdout);
  const uid = Number(s.get('uid x')?.trim());
  if (!Number.isInteger(uid)) throw new ProbeError(`the probe did not run to completion (output: ${stdout.slice(0, 200)})`);
  const docker = s.get('docker x');
  const dockerVersion = absent(docker) ? undefined : docker!.trim();
  const facts: HostFacts = { host: d.name, uid };
  const generation = s.get('generation x')?.trim();
  if (generation && /^\d+$/.test(generation)) facts.generation = generation;

  if (d.server) {
    const sv = d.server;
    const ht = s.get(`htpasswd ${sv.htpasswdPath}`);
    const ct = s.get(`container ${sv.container.name}`);
    const server: ServerFacts = {
      dockerVersion,
      dataDir: dirFact(s.get(`dir ${sv.dataDir}`)) as ServerFacts['dataDir'],
      htpasswd: absent(ht) ? undefined : b64(ht!),
      container: absent(ct) ? undefined : containerFact(b64(ct!)),
      networkExists: sv.network ? s.get(`network ${sv.network}`)?.trim() === 'yes' : true,
    };
    facts.server = server;
  }

  if (d.client) {
    const c = d.client;
    const rv = s.get('restic x');
    const pv = s.get('restic-package x');
    const repoLine = s.get('repo x');
    const installed = s.get('repo-installed x');
    // The version read by this same probe decides how the repository check's exit code reads.
    const resticVersion = absent(rv) ? undefined : /restic (\d+\.\d+\.\d+)/.exec(rv!)?.[1];
    const client: ClientFacts = {
      resticVersion,
      resticPackageVersion: absent(pv) ? undefined : pv!.trim(),
      dockerVersion,
      files: {},
      dirs: {},
      volumes: {},
      repo: repoLine !== undefined ? parseRepoCheckLine(repoLine, resticVersion) : repoBeforeServer(installed, resticVersion),
    };
    for (const dir of c.dirs) client.dirs[dir.path] = dirFact(s.get(`dir ${dir.path}`));
    for (const f of c.files) {
      const fact = fileFact(s.get(`file ${f.path}`));
      const content = s.get(`content ${f.path}`);
      if (fact && !absent(content)) fact.content = b64(content!);
      client.files[f.path] = fact;
      if (f.path === CRON_FILE && fact?.content !== undefined) client.cronSets = parseCronSets(fact.content);
    }
    for (const set of c.sets) {
      if (!set.volume) continue; // only docker-volume sets have one
      const v = s.get(`volume ${set.volume}`);
      client.volumes[set.volume] = absent(v) ? undefined : { mountpoint: v!.trim() };
    }
    const records = [...s].filter(([k]) => k.startsWith('status-record '));
    if (records.length) client.statusRecords = Object.fromEntries(records.map(([k, v]) => [k.slice('status-record '.length), statusRecord(b64(v))]));
    facts.client = client;
  }
  return facts;
}
