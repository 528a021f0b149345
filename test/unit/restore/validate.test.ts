import { describe, expect, it } from 'vitest';
import { buildDesired } from '../../../src/desired/build.js';
import { RestoreRefused } from '../../../src/restore/types.js';
import { findClient, findSet, isWithin, keepUntil, parseTarget } from '../../../src/restore/validate.js';
import { clientHost, serverHost } from '../../support/host-config.js';

const desired = buildDesired([serverHost('server.example.com'), clientHost('client01.example.com')]).hosts;

describe('host and set resolution', () => {
  it('finds a client and its set by id, slug or id in another case', () => {
    const h = findClient(desired, 'client01.example.com');
    expect(findSet(h, 'odoo volume').volume).toBe('odoo_data01');
    expect(findSet(h, 'postgres-volume').volume).toBe('postgres_data01');
    expect(findSet(h, 'Odoo Volume').volume).toBe('odoo_data01');
  });

  it('refuses unknown hosts, servers and unknown sets with the names that exist', () => {
    expect(() => findClient(desired, 'client99.example.com')).toThrow(RestoreRefused);
    expect(() => findClient(desired, 'client99.example.com')).toThrow('host "client99.example.com" is not in the inventory; its backup clients: "client01.example.com"');
    expect(() => findClient(desired, 'server.example.com')).toThrow(/is not a backup client \(it has no restic_repo\)/);
    const h = findClient(desired, 'client01.example.com');
    expect(() => findSet(h, 'mysql volume')).toThrow('host client01.example.com has no backup set "mysql volume"; its sets: "odoo volume", "postgres volume"');
  });
});

describe('parseTarget', () => {
  it('reads in-place and absolute paths, normalised', () => {
    expect(parseTarget('in-place')).toEqual({ kind: 'in-place' });
    expect(parseTarget('')).toEqual({ kind: 'in-place' });
    expect(parseTarget('/srv/restore/')).toEqual({ kind: 'path', path: '/srv/restore' });
    expect(parseTarget('/srv//x/../restore')).toEqual({ kind: 'path', path: '/srv/restore' });
  });

  it('refuses relative paths, the root and control characters', () => {
    expect(() => parseTarget('restore')).toThrow(/neither "in-place" nor an absolute path/);
    expect(() => parseTarget('./x')).toThrow(RestoreRefused);
    expect(() => parseTarget('/')).toThrow(/not allowed/);
    expect(() => parseTarget('/a/..')).toThrow(/not allowed/);
    expect(() => parseTarget('/tmp/a\nb')).toThrow(/control character/);
  });
});

describe('isWithin', () => {
  const vol = '/var/lib/docker/volumes/app_data/_data';
  it('is true for the directory itself and anything under it', () => {
    expect(isWithin(vol, vol)).toBe(true);
    expect(isWithin(`${vol}/`, vol)).toBe(true);
    expect(isWithin(`${vol}/restore/x`, vol)).toBe(true);
    expect(isWithin(`${vol}/../_data/x`, vol)).toBe(true);
  });
  it('is false for siblings sharing a prefix and for parents', () => {
    expect(isWithin('/var/lib/docker/volumes/app_data/_data2', vol)).toBe(false);
    expect(isWithin('/var/lib/docker/volumes/app_data', vol)).toBe(false);
    expect(isWithin('/srv/restore', vol)).toBe(false);
  });
});

describe('keepUntil', () => {
  it('adds whole days in UTC', () => {
    expect(keepUntil(new Date('2026-11-27T23:30:00Z'), 14)).toBe('2026-12-11');
    expect(keepUntil(new Date('2026-12-31T00:00:00Z'), 1)).toBe('2027-01-01');
  });
});
