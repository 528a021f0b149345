import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { topology } from '../../../lab/config.js';
import { newKeyPair, parseEnvFile, readState, statePaths, writeState, type LabStateFile } from '../../../lab/state.js';
import { loadConfig } from '../../../src/inventory/index.js';
import { summarise } from '../../../bench/sshd-count.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('light lab clients', () => {
  it('only clients are light; their kinds stay mixed and they need no docker volume', () => {
    const hosts = topology(3, true);
    expect(hosts.map((h) => `${h.name.split('.')[0]} ${h.kind} ${h.light}`)).toEqual([
      'server bookworm false', 'client01 bookworm true', 'client02 trixie true', 'client03 bookworm true',
    ]);
    expect(topology(2, false).every((h) => !h.light)).toBe(true);
  });

  it('writes an inventory the loader accepts: light clients back up their seed files with a path set, full ones keep their volumes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rf-lab-light-'));
    dirs.push(dir);
    const hosts = topology(2, true).map((h, i) => ({
      name: h.name, container: h.container, sshPort: 41000 + i, ip: h.ip, kind: h.kind, restic: '0.14.0', ...(h.light ? { light: true } : {}),
    }));
    const state: LabStateFile = { network: 'rf-bench', subnet: '10.215.0.0/24', hosts, clients: 2 };
    const hostKeys = new Map(hosts.map((h) => [h.name, newKeyPair().publicKey.split(' ').slice(0, 2).join(' ')]));
    writeState({ state, hostKeys, ...newKeyPair() }, dir);
    const p = statePaths(dir);
    expect(readState(dir)!.hosts.map((h) => h.light ?? false)).toEqual([false, true, true]);
    const env = parseEnvFile(readFileSync(p.secrets, 'utf8'));
    const loaded = await loadConfig({ repoRoot: p.inventoryRoot, inventoryDir: p.inventoryDir, env });
    const c1 = loaded.hosts.find((h) => h.name === 'client01.example.com')!;
    expect(c1.client!.sets.map((s) => [s.id, s.type, s.paths])).toEqual([['app files', 'path', ['/srv/data/app']]]);
    expect(c1.client!.repo).toBe('server.example.com:8080/backup');
    expect(loaded.hosts.find((h) => h.name === 'server.example.com')!.server).toBeDefined();
  });
});

describe('bench sshd counts', () => {
  it('summarises per-host counts and names the hosts off the common count', () => {
    const sum = summarise([
      { host: 'server.example.com', connections: 1, sessions: 1 },
      { host: 'client01.example.com', connections: 2, sessions: 3 },
      { host: 'client02.example.com', connections: 2, sessions: 3 },
    ]);
    expect(sum.connections).toEqual({ min: 1, max: 2 });
    expect(sum.sessions).toEqual({ min: 1, max: 3, mean: 7 / 3 });
    expect(sum.outliers.map((o) => o.host)).toEqual(['server.example.com']);
  });
});
