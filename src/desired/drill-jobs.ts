import { DEFAULT_CHECK, drillSchedule, type CheckConfig, type Schedule } from '../inventory/drill-check.js';
import { designatedClient } from './set-jobs.js';
import type { DesiredBackupSet, RepositoryRef } from './types.js';

/**
 * Restore drills and repository checks (issue 13 items 2-3) in a client's desired state:
 * one drill job per set that has not opted out, and the repository's check job on its one
 * designated client (the client that prunes a shared repository: set-jobs.ts).
 */

/** Sets whose backups record a manifest for the drill: the file-based types. */
export const recordsManifest = (set: DesiredBackupSet): boolean => set.drill !== false && (set.type === 'docker-volume' || set.type === 'path');

/** When the set's drill runs, or undefined for `drill: false`. */
export const drillTime = (set: DesiredBackupSet): Schedule | undefined => (set.drill === false ? undefined : drillSchedule(set.drill ?? {}, set));

/** The runner arguments of a set's drill: what to restore and compare, and its budget. */
export function drillArgs(host: string, set: DesiredBackupSet): string[] {
  const args: string[] = ['drill', '--host', host, '--set', set.slug, '--type', set.type];
  if (set.volume) args.push('--volume', set.volume);
  for (const p of set.paths ?? []) args.push('--path', p);
  for (const e of set.exclude ?? []) args.push('--exclude', e);
  if (set.container) args.push('--container', set.container);
  if (set.database) args.push('--database', set.database);
  if (set.drill && set.drill.maxBytes !== undefined) args.push('--drill-max-bytes', String(set.drill.maxBytes));
  if (set.drill && set.drill.timeoutSeconds !== undefined) args.push('--drill-timeout', String(set.drill.timeoutSeconds));
  return args;
}

/** The check job of this client: only the repository's designated client runs one. */
export function checkJob(host: string, repo: RepositoryRef, check: CheckConfig | false | undefined): CheckConfig | undefined {
  if (check === false || designatedClient(repo) !== host) return undefined;
  return check ?? { ...DEFAULT_CHECK };
}

/** A percentage goes to the runner without its "%" (it ends a cron command): --subset 5 means 5 %. */
export const checkArgs = (host: string, c: CheckConfig): string[] => ['check', '--host', host, '--subset', c.subset.replace(/%$/, '')];
