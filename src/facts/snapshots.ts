import type { DesiredHost } from '../desired/types.js';
import { PASSWORD_FILE, PRE_RESTORE_TAG, REPOSITORY_FILE, SET_TAG_PREFIX, STATUS_DIR } from '../desired/runner-script.js';
import { joinShell, script, sh, type ShellText } from '../remote/shell.js';
import { fromBase64, parseSections } from './sections.js';
import { isFailing, isStale, snapshotAgeSeconds } from '../report/staleness.js';
import type { DrillResult, HostSnapshots, LastRun, LatestSnapshot, SetStatus } from '../report/types.js';

/**
 * One round trip per client: its snapshots (read-only, --no-lock, with the host's
 * installed credential files) and the runner's status file of every set.
 */
export function buildSnapshotsProbe(d: DesiredHost): ShellText {
  const parts: ShellText[] = [
    script(`PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RF_T=$(mktemp -d) || exit 1`),
    sh`timeout 120 restic --repository-file ${REPOSITORY_FILE} --password-file ${PASSWORD_FILE} --no-lock snapshots --json --host ${d.name} > "$RF_T/out" 2> "$RF_T/err"`,
    script(`RF_RC=$?
echo '@@rf snapshots-exit'; echo "$RF_RC"
echo '@@rf snapshots'; base64 -w0 < "$RF_T/out"; echo
echo '@@rf snapshots-err'; tail -n 3 "$RF_T/err" | base64 -w0; echo
rm -rf "$RF_T"`),
  ];
  for (const set of d.client?.sets ?? []) {
    parts.push(sh`echo '@@rf status '${set.slug}; base64 -w0 < ${`${STATUS_DIR}/${set.slug}.json`} 2>/dev/null; echo`);
  }
  // The repository check's record, on the one client that runs it.
  if (d.client?.check) parts.push(sh`echo '@@rf check'; base64 -w0 < ${`${STATUS_DIR}/check.json`} 2>/dev/null; echo`);
  return joinShell(parts);
}

interface ResticSnapshot {
  id: string;
  short_id?: string;
  time: string;
  paths?: string[];
  tags?: string[] | null;
}

interface StatusFile {
  status?: string;
  start?: string;
  end?: string;
  exit?: number | null;
  snapshot?: string;
  message?: string;
  type?: string;
  duration?: number | null;
  files_new?: number | null;
  bytes_added?: number | null;
  stopped?: string;
  unlocked?: string;
  drill?: { time?: string; result?: string; message?: string; duration?: number | null; snapshot?: string; files?: number | null; bytes?: number | null } | null;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function lastRun(json: string | undefined): LastRun | undefined {
  if (!json) return undefined;
  try {
    const s = JSON.parse(json) as StatusFile;
    const status = (['ok', 'failed', 'running', 'skipped'] as const).find((x) => x === s.status) ?? 'failed';
    return {
      status,
      start: s.start || undefined,
      end: s.end || undefined,
      exitCode: typeof s.exit === 'number' ? s.exit : undefined,
      snapshotId: s.snapshot || undefined,
      message: s.message || undefined,
      type: s.type || undefined,
      durationSeconds: num(s.duration),
      filesNew: num(s.files_new),
      bytesAdded: num(s.bytes_added),
      stopped: s.stopped || undefined,
      unlocked: s.unlocked || undefined,
      drill: drillResult(s.drill),
    };
  } catch {
    return { status: 'failed', message: 'unreadable status file' };
  }
}

function drillResult(d: StatusFile['drill']): DrillResult | undefined {
  if (!d || typeof d !== 'object') return undefined;
  const result = (['ok', 'failed', 'skipped'] as const).find((x) => x === d.result) ?? 'failed';
  return {
    result,
    time: d.time || undefined,
    message: d.message || undefined,
    durationSeconds: num(d.duration),
    snapshot: d.snapshot || undefined,
    files: num(d.files),
    bytes: num(d.bytes),
  };
}

/** Pure: probe output → the host's row of the snapshot report. */
export function parseSnapshots(d: DesiredHost, stdout: string, now: Date, staleAfterSeconds: number): HostSnapshots {
  const sec = parseSections(stdout);
  const b64 = fromBase64;
  const code = Number(sec.get('snapshots-exit'));
  if (code !== 0) {
    return { host: d.name, status: 'failed', reason: `restic snapshots failed: ${b64(sec.get('snapshots-err')).trim().split('\n').join(' | ')}`, sets: [] };
  }
  let snaps: ResticSnapshot[] = [];
  try {
    snaps = (JSON.parse(b64(sec.get('snapshots')) || '[]') as ResticSnapshot[] | null) ?? [];
  } catch {
    return { host: d.name, status: 'failed', reason: 'restic snapshots printed no JSON', sets: [] };
  }
  const sets: SetStatus[] = (d.client?.sets ?? []).map((set) => {
    const mine = snaps
      .filter((s) => (s.tags ?? []).includes(`${SET_TAG_PREFIX}${set.slug}`) && !(s.tags ?? []).includes(PRE_RESTORE_TAG))
      .sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
    const newest = mine[0];
    const latest: LatestSnapshot | undefined = newest && {
      id: newest.id,
      shortId: newest.short_id ?? newest.id.slice(0, 8),
      time: newest.time,
      ageSeconds: Math.max(0, snapshotAgeSeconds(newest.time, now) || 0),
      paths: newest.paths ?? [],
      tags: (newest.tags ?? []).filter((t) => !t.startsWith('restic-fleet:')),
    };
    const run = lastRun(b64(sec.get(`status ${set.slug}`)) || undefined);
    return {
      setId: set.id,
      slug: set.slug,
      latest,
      lastRun: run,
      stale: isStale(newest?.time, staleAfterSeconds, now),
      failing: isFailing(run),
    };
  });
  const check = d.client?.check ? (lastRun(b64(sec.get('check')) || undefined) ?? { status: 'skipped', message: 'no check has run yet' }) : undefined;
  return check ? { host: d.name, status: 'ok', sets, check } : { host: d.name, status: 'ok', sets };
}
