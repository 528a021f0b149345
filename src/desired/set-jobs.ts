import type { RotationConfig } from '../inventory/config.js';
import type { MaybeSecret } from '../secret.js';
import { posixQuote } from '../util/posix-quote.js';
import { ETC_DIR } from './runner-script.js';
import type { DesiredBackupSet, RepositoryRef } from './types.js';

/**
 * What the set types add to a client's desired state (issue 13): the runner arguments of
 * each set, the root-only files its hooks and ping URL live in, the runner's settings
 * file, and the prune job of the one client that prunes a shared repository.
 */

/** Settings the runner sources (restic_textfile_path); values quoted (util/posix-quote.ts). */
export const RUNNER_CONF = `${ETC_DIR}/runner.conf`;
export const hookFile = (slug: string, phase: 'pre' | 'post'): string => `${ETC_DIR}/${slug}.${phase}`;
export const pingFile = (slug: string): string => `${ETC_DIR}/${slug}.ping`;

/** The runner arguments of one set after `backup --host H --set SLUG`: type, its fields, whether hooks / pings are installed. */
export function setBackupArgs(set: DesiredBackupSet): string[] {
  // docker-volume is the runner's default type: the seed's cron lines stay as they were.
  const args: string[] = set.type === 'docker-volume' ? [] : ['--type', set.type];
  if (set.volume) args.push('--volume', set.volume);
  if (set.stop) args.push('--stop');
  for (const c of set.stopContainers ?? []) args.push('--stop-container', c);
  for (const p of set.paths ?? []) args.push('--path', p);
  for (const e of set.exclude ?? []) args.push('--exclude', e);
  if (set.container) args.push('--container', set.container);
  if (set.database) args.push('--database', set.database);
  if (set.dumpTimeout !== undefined) args.push('--dump-timeout', String(set.dumpTimeout));
  if (set.pre !== undefined) args.push('--pre');
  if (set.post !== undefined) args.push('--post');
  if ((set.pre !== undefined || set.post !== undefined) && set.hookTimeout !== undefined) args.push('--hook-timeout', String(set.hookTimeout));
  if (set.pingUrl) args.push('--ping');
  // The drill compares a restore with the manifest the backup records (drill-jobs.ts).
  if (set.drill !== false && (set.type === 'docker-volume' || set.type === 'path')) args.push('--manifest');
  for (const t of set.tags) args.push('--tag', t);
  return args;
}

/** What a cron comment says about a set (public fields only). */
export function setSummary(set: DesiredBackupSet): string {
  if (set.volume) return `${set.type}: ${set.volume}${set.stop ? ', stops its containers' : set.stopContainers?.length ? `, stops ${set.stopContainers.join(' ')}` : ''}`;
  if (set.paths) return `${set.type}: ${set.paths.join(' ')}`;
  return `${set.type}: ${set.container ?? ''} ${set.database ?? 'all databases'}`;
}

export interface SetFile {
  path: string;
  mode: number;
  content: MaybeSecret;
  description: string;
}

/** Hook scripts (0700) and ping URL files (0600, the URL is a secret), all root-only. */
export function setFiles(sets: DesiredBackupSet[]): SetFile[] {
  const out: SetFile[] = [];
  for (const s of sets) {
    for (const phase of ['pre', 'post'] as const) {
      const text = s[phase];
      if (text !== undefined) out.push({ path: hookFile(s.slug, phase), mode: 0o700, content: `${text.replace(/\n*$/, '')}\n`, description: `${phase} hook of "${s.id}"` });
    }
    if (s.pingUrl) out.push({ path: pingFile(s.slug), mode: 0o600, content: s.pingUrl, description: `ping URL of "${s.id}" (secret)` });
  }
  return out;
}

/** runner.conf: TEXTFILE for the node_exporter textfile, or nothing. */
export function runnerConf(textfilePath: string | undefined): string {
  const lines = ['# Managed by restic-fleet: settings the runner reads.'];
  lines.push(`TEXTFILE=${posixQuote(textfilePath ?? '')}`);
  return `${lines.join('\n')}\n`;
}

/** The one client of a repository that prunes it (and checks it: drill-jobs.ts): its first by name, the one that initialises it. */
export const designatedClient = (repo: RepositoryRef): string | undefined => repo.sharedBy[0];

/** One prune per shared repository, by its first client (by name; the one that initialises it). */
export interface PruneJob {
  hour: string;
  minute: string;
}

/**
 * Shared repositories: every client forgets its own snapshots without --prune, and the
 * repository's first client prunes once, an hour after the latest forget of all its
 * clients (when their times are plain numbers; else at 04:00). Unshared repositories keep
 * `forget --prune` in the rotation job.
 */
export function pruneJob(host: string, repo: RepositoryRef, rotations: Map<string, RotationConfig | undefined>): PruneJob | undefined {
  if (repo.sharedBy.length < 2 || designatedClient(repo) !== host) return undefined;
  const rs = repo.sharedBy.map((h) => rotations.get(h)).filter((r): r is RotationConfig => r !== undefined);
  if (!rs.some((r) => r.prune)) return undefined;
  const plain = rs.every((r) => /^\d+$/.test(r.hour) && /^\d+$/.test(r.minute));
  if (!plain) return { hour: '4', minute: '0' };
  const latest = Math.max(...rs.map((r) => Number(r.hour) * 60 + Number(r.minute)));
  const at = (latest + 60) % (24 * 60);
  return { hour: String(Math.floor(at / 60)), minute: String(at % 60) };
}

/** Rotation of a client of a shared repository never prunes: the prune job does, once. */
export const rotationFor = (r: RotationConfig | undefined, repo: RepositoryRef): RotationConfig | undefined =>
  r && repo.sharedBy.length > 1 ? { ...r, prune: false } : r;

