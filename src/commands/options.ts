/**
 * The options both doors share, read from text (an action input, a CLI flag) with one
 * default and one bound each, so the action and the CLI cannot drift apart. `name` is how
 * the door calls the option ("input concurrency", "--concurrency"); it goes into the error.
 */
import type { RestoreRequest } from '../restore/types.js';
import { parseShard, type ShardSpec } from '../desired/shard.js';
import { parseDuration } from '../util/duration.js';

export const DEFAULT_CONCURRENCY = 10;
/** More hosts at once than this only queues on the runner's sockets and CPU (bcrypt, ssh handshakes). */
export const MAX_CONCURRENCY = 256;
export const DEFAULT_STALE_AFTER = '26h';

/** Hosts at once: a whole number from 1 to 256 (default 10). */
export function concurrencyOption(text: string | undefined, name: string): number {
  const n = Number(text?.trim() || String(DEFAULT_CONCURRENCY));
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) throw new Error(`${name} must be a whole number from 1 to ${MAX_CONCURRENCY}`);
  return n;
}

/** Age after which a backup set's newest snapshot is stale, in seconds (default 26h). */
export const staleAfterOption = (text: string | undefined, name: string): number => parseDuration(text || DEFAULT_STALE_AFTER, name);

/** Host or group names, comma-separated (engine/load.ts splits and checks them); empty: every host. */
export const limitOption = (text: string | undefined): string[] | undefined => (text?.trim() ? [text.trim()] : undefined);

/** One job of a matrix: "servers" or "i/n" (desired/shard.ts); empty: every host. */
export function shardOption(text: string | undefined, name: string): ShardSpec | undefined {
  if (!text?.trim()) return undefined;
  try {
    return parseShard(text);
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`);
  }
}

/** The reviewed plan's hash apply must match; empty: none. */
export const planHashOption = (text: string | undefined): string | undefined => text?.trim() || undefined;

/** What to restore: host and set are required (`missing` says so in the door's words); snapshot latest, target in place. */
export function restoreOption(
  r: { host?: string; set?: string; snapshot?: string; target?: string; dryRun?: boolean },
  missing: string,
): RestoreRequest {
  const host = r.host?.trim() ?? '';
  const set = r.set?.trim() ?? '';
  if (!host || !set) throw new Error(missing);
  return { host, set, snapshot: r.snapshot?.trim() || 'latest', target: r.target?.trim() || 'in-place', dryRun: r.dryRun ?? false };
}
