import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clientKind, topology } from '../../../lab/config.js';
import { newKeyPair, parseEnvFile, readState, removeState, statePaths, writeState, type LabStateFile } from '../../../lab/state.js';
import { loadConfig } from '../../../src/inventory/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function sampleState(clients: number): { state: LabStateFile; hostKeys: Map<string, string> } {
  const hosts = topology(clients).map((h, i) => ({
    name: h.name, container: h.container, sshPort: 40000 + i, ip: h.ip, kind: h.kind, restic: h.kind === 'trixie' ? '0.18.0' : '0.14.0',
  }));
  const hostKeys = new Map(hosts.map((h) => [h.name, newKeyPair().publicKey.split(' ').slice(0, 2).join(' ')]));
  return { state: { network: 'rf-lab', subnet: '10.213.0.0/24', hosts, clients }, hostKeys };
}

describe('lab state dir', () => {
  it('writes key, known_hosts, secrets and an inventory the real loader accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rf-lab-state-'));
    dirs.push(dir);
    const { state, hostKeys } = sampleState(3);
    writeState({ state, hostKeys, ...newKeyPair() }, dir);
    const p = statePaths(dir);

    expect(readState(dir)).toEqual(state);
    expect(statSync(p.key).mode & 0o777).toBe(0o600);
    expect(statSync(p.secrets).mode & 0o777).toBe(0o600);
    expect(readFileSync(p.key, 'utf8')).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    const kh = readFileSync(p.knownHosts, 'utf8').trim().split('\n');
    expect(kh).toHaveLength(8);
    expect(kh).toContain(`[127.0.0.1]:40001 ${hostKeys.get('client01.example.com')}`);
    expect(kh).toContain(`client01.example.com ${hostKeys.get('client01.example.com')}`);

    const env = parseEnvFile(readFileSync(p.secrets, 'utf8'));
    expect(Object.keys(env).sort()).toEqual(['VAULT_RESTIC_CLIENT_PASSWORD', 'VAULT_RESTIC_REPO_PASSWORD', 'VAULT_RESTIC_SERVER_PASSWORD']);
    expect(env.VAULT_RESTIC_SERVER_PASSWORD).toBe(env.VAULT_RESTIC_CLIENT_PASSWORD);
    expect(env.VAULT_RESTIC_REPO_PASSWORD).not.toBe(env.VAULT_RESTIC_CLIENT_PASSWORD);

    const { hosts } = await loadConfig({ repoRoot: p.inventoryRoot, inventoryDir: p.inventoryDir, env });
    expect(hosts.map((h) => h.name)).toEqual(state.hosts.map((h) => h.name).sort());
    const server = hosts.find((h) => h.name === 'server.example.com')!;
    expect(server.connection).toMatchObject({ host: '127.0.0.1', port: 40000, user: 'root' });
    expect(server.server).toMatchObject({ image: 'restic-fleet/rest-server:lab', containerName: 'restic01', port: 8080, backupDir: '/srv/restic', network: 'restic-fleet' });
    expect(server.server!.users.map((u) => [u.user, u.password.reveal()])).toEqual([['admin', env.VAULT_RESTIC_SERVER_PASSWORD]]);
    const c2 = hosts.find((h) => h.name === 'client02.example.com')!;
    expect(c2.connection.port).toBe(40002);
    expect(c2.client!.repo).toBe('server.example.com:8080/backup');
    expect(c2.client!.repoPassword.reveal()).toBe(env.VAULT_RESTIC_REPO_PASSWORD);
    expect(c2.client!.sets.map((s) => [s.id, s.volume, s.tags, s.hour, s.minute])).toEqual([
      ['app volume', 'app_data', ['app', 'lab'], '1', '0'],
      ['media volume', 'media_data', ['media', 'lab'], '1', '0'],
    ]);
    expect(c2.client!.rotation).toMatchObject({ daily: 7, weekly: 4, monthly: 1 });
  });

  it('removes only its own files on down', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rf-lab-state-'));
    dirs.push(dir);
    const { state, hostKeys } = sampleState(1);
    writeState({ state, hostKeys, ...newKeyPair() }, dir);
    const mine = join(dir, 'notes.txt');
    writeFileSync(mine, 'keep me');
    removeState(dir);
    expect(readState(dir)).toBeUndefined();
    expect(readFileSync(mine, 'utf8')).toBe('keep me');
    expect(() => statSync(statePaths(dir).inventoryRoot)).toThrow();
  });
});

describe('lab topology kinds', () => {
  it('is mixed by default: server and odd-numbered clients bookworm, even-numbered trixie', () => {
    const saved = process.env.RF_LAB_CLIENT_KIND;
    delete process.env.RF_LAB_CLIENT_KIND;
    try {
      expect(topology(4).map((h) => `${h.name.split('.')[0]} ${h.kind}`)).toEqual([
        'server bookworm', 'client01 bookworm', 'client02 trixie', 'client03 bookworm', 'client04 trixie',
      ]);
    } finally {
      if (saved !== undefined) process.env.RF_LAB_CLIENT_KIND = saved;
    }
  });

  it('RF_LAB_CLIENT_KIND gives clients of one kind, and refuses anything else', () => {
    expect([1, 2].map((i) => clientKind(i, 'trixie'))).toEqual(['trixie', 'trixie']);
    expect([1, 2].map((i) => clientKind(i, 'bookworm'))).toEqual(['bookworm', 'bookworm']);
    expect(() => clientKind(1, 'sid')).toThrow(/mixed, bookworm or trixie/);
  });
});
