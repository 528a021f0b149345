import { describe, expect, it } from 'vitest';
import { selectSnapshot, snapshotTimeMs, type SetRef } from '../../../src/restore/select.js';
import type { ResticSnapshot } from '../../../src/restore/types.js';

const ref: SetRef = { host: 'client01.example.com', setId: 'app volume', slug: 'app-volume' };
const MP = '/var/lib/docker/volumes/app_data/_data';

let n = 0;
function snap(over: Partial<ResticSnapshot> & { time: string }): ResticSnapshot {
  const id = (over.id ?? `${(++n).toString(16).padStart(8, '0')}`.padEnd(64, 'a')).toLowerCase();
  return { id, short_id: id.slice(0, 8), paths: [MP], hostname: ref.host, tags: ['restic-fleet:set=app-volume', 'app'], ...over };
}

describe('selectSnapshot', () => {
  const old = snap({ id: '1111111100000000000000000000000000000000000000000000000000000000', time: '2026-11-20T01:00:00.123456789Z' });
  const newer = snap({ id: '2222222200000000000000000000000000000000000000000000000000000000', time: '2026-11-21T01:00:00.5+01:00' });
  const safety = snap({
    id: '3333333300000000000000000000000000000000000000000000000000000000',
    time: '2026-11-22T09:00:00Z',
    tags: ['restic-fleet:set=app-volume', 'restic-fleet:pre-restore', 'restic-fleet:keep-until=2026-12-06'],
  });

  it('latest is the newest snapshot of the set that is not a pre-restore safety snapshot', () => {
    const r = selectSnapshot([old, safety, newer], 'latest', ref);
    expect(r).toEqual({ ok: true, snapshot: newer });
  });

  it('compares times across offsets and nanoseconds, not as strings', () => {
    const a = snap({ time: '2026-11-21T01:30:00+02:00' }); // 23:30Z on the 20th
    const b = snap({ time: '2026-11-20T23:45:00.000000001Z' });
    const r = selectSnapshot([a, b], 'latest', ref);
    expect(r.ok && r.snapshot).toBe(b);
    expect(snapshotTimeMs('2026-11-20T23:45:00.123456789Z')).toBe(Date.UTC(2026, 10, 20, 23, 45, 0, 123));
  });

  it('never widens the choice to snapshots of another host or set, even when the listing holds them', () => {
    const otherHost = snap({ time: '2026-11-25T00:00:00Z', hostname: 'client02.example.com' });
    const otherSet = snap({ time: '2026-11-26T00:00:00Z', tags: ['restic-fleet:set=media-volume'] });
    const untagged = snap({ time: '2026-11-27T00:00:00Z', tags: ['app'] });
    const r = selectSnapshot([old, otherHost, otherSet, untagged], 'latest', ref);
    expect(r.ok && r.snapshot).toBe(old);
  });

  it('says so when the set has only safety snapshots, or none', () => {
    const onlySafety = selectSnapshot([safety], 'latest', ref);
    expect(onlySafety.ok).toBe(false);
    expect(!onlySafety.ok && onlySafety.error).toMatch(/no snapshot of set "app volume".*only 1 pre-restore safety snapshot/);
    const none = selectSnapshot([], 'latest', ref);
    expect(!none.ok && none.error).toMatch(/no snapshot of set "app volume" \(tag restic-fleet:set=app-volume\) on host client01\.example\.com yet/);
  });

  it('takes an id or a unique prefix, including a safety snapshot named explicitly', () => {
    expect(selectSnapshot([old, newer], '11111111', ref)).toEqual({ ok: true, snapshot: old });
    expect(selectSnapshot([old, newer], old.id, ref)).toEqual({ ok: true, snapshot: old });
    expect(selectSnapshot([old, newer], ' 2222 ', ref)).toEqual({ ok: true, snapshot: newer });
    expect(selectSnapshot([old, safety], '33333333', ref)).toEqual({ ok: true, snapshot: safety });
    expect(selectSnapshot([old, newer], 'AbC12345'.toUpperCase(), ref).ok).toBe(false);
  });

  it('refuses ambiguous prefixes and things that are not ids', () => {
    const a = snap({ id: 'abcd0001'.padEnd(64, '0'), time: '2026-11-20T00:00:00Z' });
    const b = snap({ id: 'abcd0002'.padEnd(64, '0'), time: '2026-11-21T00:00:00Z' });
    const amb = selectSnapshot([a, b], 'abcd', ref);
    expect(!amb.ok && amb.error).toMatch(/ambiguous.*abcd0001, abcd0002/);
    for (const bad of ['abc', 'xyz12345', '../etc', '1234 5678', 'latest; rm -rf /']) {
      const r = selectSnapshot([a, b], bad, ref);
      expect(r.ok, bad).toBe(false);
      expect(!r.ok && r.error).toMatch(/is not a snapshot id/);
    }
  });

  it('explains where a snapshot of another set or host belongs', () => {
    const media = snap({ id: '4444444400000000000000000000000000000000000000000000000000000000', time: '2026-11-22T00:00:00Z', tags: ['restic-fleet:set=media-volume', 'media'] });
    const r = selectSnapshot([old, newer], '44444444', ref, [media]);
    expect(!r.ok && r.error).toBe(
      'snapshot 44444444 does not belong to set "app volume" (tag restic-fleet:set=app-volume) on host client01.example.com: it belongs to host client01.example.com, set "media-volume". Nothing was stopped or changed.',
    );
    const foreign = snap({ id: '5555555500000000000000000000000000000000000000000000000000000000', time: '2026-11-22T00:00:00Z', hostname: 'client02.example.com' });
    const r2 = selectSnapshot([old], '55555555', ref, [foreign]);
    expect(!r2.ok && r2.error).toMatch(/belongs to host client02\.example\.com, set "app-volume"/);
    const plain = snap({ id: '6666666600000000000000000000000000000000000000000000000000000000', time: '2026-11-22T00:00:00Z', tags: [] });
    const r3 = selectSnapshot([old], '66666666', ref, [plain]);
    expect(!r3.ok && r3.error).toMatch(/no restic-fleet set/);
    const r4 = selectSnapshot([old], '77777777', ref, []);
    expect(!r4.ok && r4.error).toMatch(/no snapshot "77777777" of set "app volume".*has 1 snapshot/);
  });

  it('refuses a snapshot that does not hold exactly one absolute path', () => {
    const two = snap({ id: '8888888800000000000000000000000000000000000000000000000000000000', time: '2026-11-22T00:00:00Z', paths: [MP, '/etc'] });
    const r = selectSnapshot([two], 'latest', ref);
    expect(!r.ok && r.error).toMatch(/holds 2 paths/);
  });
});
