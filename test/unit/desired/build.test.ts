import { describe, expect, it } from 'vitest';
import { buildDesired } from '../../../src/desired/build.js';
import { renderCronFile } from '../../../src/desired/cron.js';
import { CRON_FILE, PASSWORD_FILE, REPOSITORY_FILE } from '../../../src/desired/runner-script.js';
import { Secret } from '../../../src/secret.js';
import { clientHost, serverHost } from '../../support/host-config.js';

describe('buildDesired', () => {
  it('resolves the server of a client repository and gives it the client user', () => {
    const { hosts, diagnostics } = buildDesired([clientHost('client.example.com'), serverHost('server.example.com')]);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const server = hosts.find((h) => h.name === 'server.example.com')!.server!;
    expect(server.clients).toEqual(['client.example.com']);
    expect(server.users.map((u) => [u.user, u.usedBy])).toEqual([['admin', ['restic_server_user', 'client.example.com']]]);
    const client = hosts.find((h) => h.name === 'client.example.com')!.client!;
    expect(client.repository.serverHost).toBe('server.example.com');
    expect(client.repository.key).toBe('http://server.example.com:8080/backup');
    expect(client.repository.display).toBe('rest:http://admin:***@server.example.com:8080/backup');
  });

  it('keeps credentials in secret files only and out of the cron file', () => {
    const { hosts } = buildDesired([clientHost('c1')]);
    const files = new Map(hosts[0]!.client!.files.map((f) => [f.path, f]));
    expect(files.get(REPOSITORY_FILE)!.mode).toBe(0o600);
    expect(String(files.get(REPOSITORY_FILE)!.content)).toBe('***');
    expect((files.get(REPOSITORY_FILE)!.content as Secret).reveal()).toBe('rest:http://admin:server-pass-123@server.example.com:8080/backup\n');
    expect((files.get(PASSWORD_FILE)!.content as Secret).reveal()).toBe('repo-pass-456\n');
    const cron = files.get(CRON_FILE)!.content as string;
    expect(cron).not.toMatch(/pass-|RESTIC_PASSWORD/);
    expect(cron).toContain('0 1 * * * root /usr/local/lib/restic-fleet/run backup --host c1 --set odoo-volume --volume odoo_data01 --manifest --tag odoo01 --tag postgres01');
    expect(cron).toContain('17 23 * * * root /usr/local/lib/restic-fleet/run forget --host c1 --daily 7 --weekly 4 --monthly 1 --prune');
    expect(JSON.stringify(hosts)).not.toContain('pass-');
  });

  it('gives the cron jobs as values, and renders the cron file from exactly those (quoted words)', () => {
    const sets = clientHost('c1').client!.sets;
    const [d] = buildDesired([clientHost('c1', { sets: [{ ...sets[0]!, tags: ["it's", 'plain'] }] })]).hosts;
    const c = d!.client!;
    expect(c.cron.map((j) => [j.setId, j.name, j.minute, j.hour])).toEqual([
      ['odoo volume', 'odoo-volume', sets[0]!.minute, sets[0]!.hour],
      [undefined, 'rotation', '17', '23'],
      // Weekly (Sunday) by default: the set's restore drill, and the check of the repository its one client runs.
      [undefined, 'odoo-volume.drill', '0', '3'],
      [undefined, 'check', '30', '4'],
    ]);
    expect(c.cron.map((j) => j.weekday)).toEqual([undefined, undefined, '0', '0']);
    expect(c.cron[0]!.args).toEqual(['backup', '--host', 'c1', '--set', 'odoo-volume', '--volume', 'odoo_data01', '--manifest', '--tag', "it's", '--tag', 'plain']);
    expect(c.files.find((f) => f.path === CRON_FILE)!.content).toBe(renderCronFile(c.cron, 'inventory'));
    expect(renderCronFile(c.cron, 'x')).toContain(`--tag 'it'\\''s' --tag plain >> /var/log/restic-fleet/odoo-volume.log 2>&1`);
    expect(() => renderCronFile([{ ...c.cron[0]!, args: ['backup', '50%'] }], 'x')).toThrow(/refusing a cron command with %/);
  });

  it('URL-encodes credentials in the repository URL', () => {
    const h = clientHost('c1', { user: 'ad min', password: new Secret('p@ss/w:rd', 't') });
    const file = buildDesired([h]).hosts[0]!.client!.files.find((f) => f.path === REPOSITORY_FILE)!;
    expect((file.content as Secret).reveal()).toBe('rest:http://ad%20min:p%40ss%2Fw%3Ard@server.example.com:8080/backup\n');
  });

  it('detects a repository shared by several clients and warns once', () => {
    const { hosts, diagnostics } = buildDesired([clientHost('c2'), clientHost('c1'), clientHost('c3', { repo: 'server.example.com:8080/other' })]);
    const c1 = hosts.find((h) => h.name === 'c1')!.client!;
    expect(c1.repository.sharedBy).toEqual(['c1', 'c2']);
    expect(hosts.find((h) => h.name === 'c3')!.client!.repository.sharedBy).toEqual(['c3']);
    const shared = diagnostics.filter((d) => d.message.includes('is shared by'));
    expect(shared).toHaveLength(1);
    expect(shared[0]!.message).toContain('c1, c2');
  });

  it('rejects one htpasswd user with two passwords, naming both places', () => {
    const c = clientHost('c1', { password: new Secret('different-pass', 't') });
    const { diagnostics } = buildDesired([c, serverHost('server.example.com')]);
    const err = diagnostics.find((d) => d.severity === 'error');
    expect(err?.message).toMatch(/"admin".*two different passwords/);
    expect(err?.message).not.toContain('different-pass');
  });

  it('gives the container spec a stable hash that changes with the image only when the spec changes', () => {
    const a = buildDesired([serverHost('s')]).hosts[0]!.server!.container;
    const b = buildDesired([serverHost('s')]).hosts[0]!.server!.container;
    const c = buildDesired([serverHost('s', { image: 'restic/rest-server:0.13.0' })]).hosts[0]!.server!.container;
    expect(a.specHash).toBe(b.specHash);
    expect(c.specHash).not.toBe(a.specHash);
    expect(a.labels['restic-fleet.spec-hash']).toBe(a.specHash);
    expect(a).toMatchObject({ ports: [{ hostPort: 8080, containerPort: 8000 }], binds: [{ source: '/srv/restic', target: '/data' }], restartPolicy: 'unless-stopped' });
  });

  it('makes distinct safe slugs for ids that collide', () => {
    const h = clientHost('c1', {
      sets: [
        { id: 'odoo volume', type: 'docker-volume', volume: 'a', tags: [], hour: '1', minute: '0' },
        { id: 'odoo-volume', type: 'docker-volume', volume: 'b', tags: [], hour: '1', minute: '0' },
        { id: "x'; touch /tmp/pwned", type: 'docker-volume', volume: 'c', tags: [], hour: '1', minute: '0' },
      ],
    });
    const slugs = buildDesired([h]).hosts[0]!.client!.sets.map((s) => s.slug);
    expect(new Set(slugs).size).toBe(3);
    for (const s of slugs) expect(s).toMatch(/^[a-z0-9-]+$/);
  });
});
