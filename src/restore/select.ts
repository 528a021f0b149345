import { PRE_RESTORE_TAG, SET_TAG_PREFIX } from '../desired/runner-script.js';
import type { ResticSnapshot } from './types.js';

export interface SetRef {
  host: string; // inventory name: the --host every snapshot of the set was made with
  setId: string;
  slug: string;
}

export type Selection = { ok: true; snapshot: ResticSnapshot } | { ok: false; error: string };

export const setTag = (slug: string): string => `${SET_TAG_PREFIX}${slug}`;
export const isSafetySnapshot = (s: ResticSnapshot): boolean => s.tags.includes(PRE_RESTORE_TAG);
export const belongsTo = (s: ResticSnapshot, ref: SetRef): boolean => s.hostname === ref.host && s.tags.includes(setTag(ref.slug));

/** restic prints nanoseconds and local offsets; Date.parse wants at most milliseconds. */
export function snapshotTimeMs(time: string): number {
  const ms = Date.parse(time.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? 0 : ms;
}

const describeSet = (ref: SetRef): string => `set "${ref.setId}" (tag ${setTag(ref.slug)}) on host ${ref.host}`;

/** Who a snapshot belongs to, in words, for "it belongs elsewhere" messages. */
function owner(s: ResticSnapshot): string {
  const sets = s.tags.filter((t) => t.startsWith(SET_TAG_PREFIX)).map((t) => t.slice(SET_TAG_PREFIX.length));
  const set = sets.length ? `set ${sets.map((x) => `"${x}"`).join(', ')}` : 'no restic-fleet set (no restic-fleet:set= tag)';
  return `host ${s.hostname}, ${set}`;
}

/**
 * Picks the snapshot to restore among the set's snapshots. `snapshots` is what
 * `restic snapshots --host H --tag <set tag>` returned; membership is checked again
 * here (host and tag) so a wrong listing can never widen the choice. `latest` never
 * picks a safety snapshot (restoring the state a restore replaced is what an explicit
 * id is for). `elsewhere` is an unfiltered lookup of the requested id, used only to
 * say where a snapshot of another set or host belongs.
 */
export function selectSnapshot(snapshots: ResticSnapshot[], want: string, ref: SetRef, elsewhere: ResticSnapshot[] = []): Selection {
  const own = snapshots.filter((s) => belongsTo(s, ref));
  const w = want.trim().toLowerCase();
  let chosen: ResticSnapshot;
  if (w === 'latest' || w === '') {
    const regular = own.filter((s) => !isSafetySnapshot(s));
    if (!regular.length) {
      const extra = own.length ? ` (only ${own.length} pre-restore safety snapshot(s); name one by id to restore it)` : '';
      return { ok: false, error: `no snapshot of ${describeSet(ref)} yet${extra}: run a backup of the set first` };
    }
    chosen = [...regular].sort((a, b) => snapshotTimeMs(b.time) - snapshotTimeMs(a.time) || b.id.localeCompare(a.id))[0]!;
  } else {
    if (!/^[0-9a-f]{4,64}$/.test(w)) {
      return { ok: false, error: `"${want}" is not a snapshot id: use "latest" or the hex id (at least 4 characters) restic shows` };
    }
    const matches = own.filter((s) => s.id.startsWith(w));
    if (matches.length > 1) {
      return { ok: false, error: `snapshot id "${w}" is ambiguous within ${describeSet(ref)}: ${matches.map((s) => s.short_id).join(', ')}` };
    }
    if (!matches.length) {
      const other = elsewhere.find((s) => s.id.startsWith(w));
      if (other) {
        return {
          ok: false,
          error: `snapshot ${other.short_id} does not belong to ${describeSet(ref)}: it belongs to ${owner(other)}. Nothing was stopped or changed.`,
        };
      }
      return { ok: false, error: `no snapshot "${w}" of ${describeSet(ref)} in the repository (it has ${own.length} snapshot(s) of this set)` };
    }
    chosen = matches[0]!;
  }
  if (chosen.paths.length !== 1 || !chosen.paths[0]!.startsWith('/')) {
    return {
      ok: false,
      error: `snapshot ${chosen.short_id} holds ${chosen.paths.length} paths (${chosen.paths.join(', ')}); a restic-fleet volume snapshot holds exactly one`,
    };
  }
  return { ok: true, snapshot: chosen };
}
