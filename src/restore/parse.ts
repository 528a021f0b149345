import type { JobStatus, Preflight, ResticSnapshot, VolumeContainer } from './types.js';

const b64 = (s: string | undefined): string => (s && s !== '-' ? Buffer.from(s.trim(), 'base64').toString('utf8') : '');

/** "@@rf <key>" markers, each followed by one value line. */
export function parseSections(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^@@rf (\S+)$/.exec(lines[i]!);
    if (m) out.set(m[1]!, lines[i + 1]?.startsWith('@@rf ') ? '' : (lines[++i] ?? ''));
  }
  return out;
}

/** The `cap` helper's "<code> <base64 stdout> <base64 stderr>" line. */
export function parseCaptured(line: string | undefined): { code: number; stdout: string; stderr: string } {
  const [code, out, err] = (line ?? '').trim().split(' ');
  const n = Number(code);
  if (!line || !Number.isInteger(n)) return { code: -1, stdout: '', stderr: `no output from the host for this check (${(line ?? '').slice(0, 80)})` };
  return { code: n, stdout: b64(out), stderr: b64(err) };
}

export function parseContainers(text: string): VolumeContainer[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((p) => p[0])
    .map(([name, state]) => ({ name: name!, state: state ?? 'unknown' }));
}

export function parsePreflight(stdout: string): Preflight {
  const s = parseSections(stdout);
  const mountpoint = b64(s.get('mountpoint')).trim();
  const targetReal = s.get('target-real');
  const targetState = s.get('target-state')?.trim();
  const resticVersion = s.get('restic')?.trim();
  return {
    resticVersion: resticVersion && resticVersion !== '-' ? resticVersion : undefined,
    credentials: s.get('credentials')?.trim() === 'yes',
    mountpoint: mountpoint || undefined,
    mountpointReal: b64(s.get('mountpoint-real')).trim() || undefined,
    mountpointIsMount: s.get('mountpoint-is-mount')?.trim() === 'yes',
    volumeDriver: ((d) => (d && d !== '-' ? d : undefined))(s.get('volume-driver')?.trim()),
    containers: parseContainers(b64(s.get('containers'))),
    snapshots: parseCaptured(s.get('snapshots')),
    lookup: s.has('lookup') ? parseCaptured(s.get('lookup')) : undefined,
    target:
      targetReal !== undefined && targetState
        ? { real: b64(targetReal).trim(), state: targetState as NonNullable<Preflight['target']>['state'] }
        : undefined,
  };
}

/** `restic snapshots --json` output; throws on anything that is not a list of snapshots. */
export function parseSnapshotsJson(text: string): ResticSnapshot[] {
  const t = text.trim();
  if (t === '' || t === 'null') return [];
  const data: unknown = JSON.parse(t);
  if (!Array.isArray(data)) throw new Error('restic snapshots --json did not print a list');
  return data.map((raw, i) => {
    const o = raw as Record<string, unknown>;
    if (typeof o.id !== 'string' || typeof o.time !== 'string') throw new Error(`snapshot ${i} has no id or time`);
    const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    return {
      id: o.id,
      short_id: typeof o.short_id === 'string' ? o.short_id : o.id.slice(0, 8),
      time: o.time,
      paths: strings(o.paths),
      hostname: typeof o.hostname === 'string' ? o.hostname : '',
      tags: strings(o.tags),
    };
  });
}

const OUTCOMES = new Set(['running', 'restored', 'failed']);

/** The job's status file ("key value" lines); `alive` comes from the poll command. */
export function parseStatus(text: string): JobStatus & { alive?: boolean } {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([a-z-]+)(?: (.*))?$/.exec(line.trimEnd());
    if (m) kv.set(m[1]!, (m[2] ?? '').trim());
  }
  const num = (k: string): number | undefined => {
    const v = kv.get(k);
    return v && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const str = (k: string): string | undefined => kv.get(k) || undefined;
  const words = (k: string): string[] => (kv.get(k) ?? '').split(/\s+/).filter(Boolean);
  const outcome = kv.get('outcome') ?? 'missing';
  const alive = kv.get('alive');
  return {
    run: kv.get('run') ?? '',
    pid: num('pid'),
    mode: str('mode'),
    phase: kv.get('phase') ?? 'unknown',
    outcome: (OUTCOMES.has(outcome) ? outcome : 'missing') as JobStatus['outcome'],
    safety: str('safety'),
    files: num('files'),
    dirs: num('dirs'),
    symlinks: num('symlinks'),
    bytes: num('bytes'),
    verification: str('verification'),
    stopped: words('stopped'),
    started: words('started'),
    recovered: str('recovered')?.replace(/[;\s]+$/, ''),
    volumeState: str('volume'),
    message: str('message')?.replace(/^[;\s]+/, ''),
    start: str('start'),
    end: str('end'),
    alive: alive === undefined ? undefined : alive === 'yes',
  };
}

/** "container <name> true|false|missing" lines printed after a recover. */
export function parseContainerStates(text: string): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const m of text.matchAll(/^container (\S+) (\S+)$/gm)) out.set(m[1]!, m[2] === 'true');
  return out;
}
