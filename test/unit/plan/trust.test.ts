import { describe, expect, it } from 'vitest';
import { buildDesired } from '../../../src/desired/build.js';
import { untrustedDestinations } from '../../../src/plan/trust.js';
import { clientHost, serverHost } from '../../support/host-config.js';

const desired = (over: { repo?: string; port?: number; extra?: boolean } = {}) => {
  const c1 = clientHost('c1', over.repo ? { repo: over.repo } : {});
  if (over.port) c1.connection = { ...c1.connection, port: over.port };
  const hosts = [serverHost('server.example.com'), c1, clientHost('c2')];
  if (over.extra) hosts.push(clientHost('c3'));
  return buildDesired(hosts).hosts;
};

describe('untrustedDestinations: what a pull request may not reach with live credentials', () => {
  it('trusts hosts whose connection and repository are as on the base branch', () => {
    const u = untrustedDestinations(desired(), desired());
    expect([...u.offline.keys(), ...u.noRepoCheck.keys()]).toEqual([]);
  });

  it('does not check a repository the PR moved, and does not contact a host the PR added or re-addressed', () => {
    const u = untrustedDestinations(desired({ repo: 'elsewhere.example.net:8080/x', port: 2222, extra: true }), desired());
    expect([...u.offline.keys()].sort()).toEqual(['c1', 'c3']); // c1's ansible_port changed: not contacted at all
    expect(u.offline.get('c3')).toMatch(/^new destination: not contacted with credentials \(a host new in this pull request/);
    expect(u.offline.get('c1')).toMatch(/ansible_host\/port\/user or jump host changed/);
    const moved = untrustedDestinations(desired({ repo: 'elsewhere.example.net:8080/x' }), desired());
    expect([...moved.noRepoCheck.keys()]).toEqual(['c1']);
    expect(moved.noRepoCheck.get('c1')).toContain('restic_repo changed in this pull request to http://elsewhere.example.net:8080/x');
    expect([...moved.offline.keys()]).toEqual([]);
  });

  it('trusts nothing when the base branch could not be read', () => {
    const u = untrustedDestinations(desired(), undefined, 'git could not read it');
    expect([...u.offline.keys()].sort()).toEqual(['c1', 'c2', 'server.example.com']);
    expect(u.offline.get('c2')).toContain('git could not read it');
  });
});
