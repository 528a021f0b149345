import type { ClientFacts, RepoStatus, ServerFacts } from '../../src/facts/types.js';
import type { ClientConfig, HostConfig, ServerConfig } from '../../src/inventory/config.js';
import { Secret } from '../../src/secret.js';

/** HostConfig values as the schema would produce them, for pure tests of desired/ and plan/. */
const hostBase = (name: string, group: string): Pick<HostConfig, 'name' | 'groupNames' | 'connection' | 'posOf'> => ({
  name,
  groupNames: [group],
  connection: { host: name, port: 22, user: 'root', become: false, connectTimeoutSeconds: 15, commandTimeoutSeconds: 600 },
  posOf: () => ({ file: `host_vars/${name}.yml`, line: 1, col: 1 }),
});

export function serverHost(name: string, over: Partial<ServerConfig> = {}): HostConfig {
  return {
    ...hostBase(name, 'server'),
    server: {
      image: 'restic/rest-server:0.9.7',
      containerName: 'restic01',
      port: 8080,
      backupDir: '/srv/restic',
      users: [{ user: 'admin', password: new Secret('server-pass-123', 'test') }],
      network: 'example.com',
      logDriver: 'json-file',
      logOptions: { 'max-size': '10m', 'max-file': '3' },
      options: [],
      readyTimeoutSeconds: 30,
      ...over,
    },
  };
}

export function clientHost(name: string, over: Partial<ClientConfig> = {}): HostConfig {
  return {
    ...hostBase(name, 'client'),
    client: {
      package: 'restic',
      repo: 'server.example.com:8080/backup',
      user: 'admin',
      password: new Secret('server-pass-123', 'test'),
      repoPassword: new Secret('repo-pass-456', 'test'),
      sets: [
        { id: 'odoo volume', type: 'docker-volume', volume: 'odoo_data01', tags: ['odoo01', 'postgres01'], hour: '1', minute: '0' },
        { id: 'postgres volume', type: 'docker-volume', volume: 'postgres_data01', tags: ['odoo01', 'postgres01'], hour: '1', minute: '0' },
      ],
      rotation: { daily: 7, weekly: 4, monthly: 1, hour: '23', minute: '17', prune: true },
      ...over,
    },
  };
}

/** Facts of a server host where nothing is set up yet. */
export const freshServerFacts = (): ServerFacts => ({ dockerVersion: '20.10.24', networkExists: false });

/** Facts of a client host with restic 0.14 and the seed's volumes, nothing of restic-fleet yet. */
export const freshClientFacts = (repo: RepoStatus = 'absent'): ClientFacts => ({
  resticVersion: '0.14.0',
  resticPackageVersion: '0.14.0-1',
  dockerVersion: '20.10.24',
  files: {},
  dirs: {},
  volumes: { odoo_data01: { mountpoint: '/var/lib/docker/volumes/odoo_data01/_data' }, postgres_data01: { mountpoint: '/x' } },
  repo: { status: repo, detail: '' },
});
