import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RemoteOptions } from '../../src/engine/options.js';
import type { Logger } from '../../src/engine/logger.js';
import { Secret } from '../../src/secret.js';
import type { FakeFleet } from './fake-transport.js';

/**
 * A small inventory on disk for the engine's commands: one REST server `srv` and clients
 * that share its repository `srv:8080/backup`. Every host is ansible_host 127.0.0.1;
 * the fake transport never connects anyway.
 */
export interface FleetSpec {
  clients: string[];
  /** Extra host_vars per client (YAML lines), e.g. a different restic_repo. */
  clientVars?: Record<string, string>;
}

export const FLEET_ENV = { VAULT_HTTP_PASSWORD: 'http-pass-7d1e', VAULT_REPO_PASSWORD: 'repo-pass-2c9f' };

export function fleetFiles(spec: FleetSpec): Record<string, string> {
  const host = (n: string) => `        ${n}:\n          ansible_host: 127.0.0.1\n`;
  const files: Record<string, string> = {
    'hosts.yml': `all:\n  children:\n    server:\n      hosts:\n${host('srv')}    client:\n      hosts:\n${spec.clients.map(host).join('')}`,
    'group_vars/server.yml': [
      'restic_server_image: restic/rest-server:0.9.7',
      'restic_server_user: admin',
      'restic_server_password: "{{ vault_http_password }}"',
      'restic_server_port: 8080',
      'restic_server_hostname: restic01',
      'restic_server_backup_dir: /srv/restic',
      '',
    ].join('\n'),
    'group_vars/client.yml': [
      'restic_client_package: restic',
      'restic_client_user: admin',
      'restic_client_password: "{{ vault_http_password }}"',
      'restic_repo: srv:8080/backup',
      'restic_repo_password: "{{ vault_repo_password }}"',
      'restic_backup_sets:',
      '  - id: "app data"',
      '    type: docker-volume',
      '    volume: app_data',
      '    hour: "1"',
      '    minute: "0"',
      '',
    ].join('\n'),
  };
  for (const [name, vars] of Object.entries(spec.clientVars ?? {})) files[`host_vars/${name}.yml`] = vars;
  return files;
}

const made: string[] = [];

/** Writes the inventory under <tmp>/inv and returns the repository root. */
export async function writeFleet(spec: FleetSpec): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'rf-fleet-'));
  made.push(root);
  for (const [p, content] of Object.entries(fleetFiles(spec))) {
    const abs = join(root, 'inv', p);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, content);
  }
  return root;
}

export const removeFleets = () => Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));

/** A logger that keeps every line, to assert on warnings. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return {
    lines,
    info: push('info'),
    warn: push('warn'),
    error: push('error'),
    group: (title, body) => void lines.push(`group ${title}`, ...body),
  };
}

/** RemoteOptions that reach the hosts through `fleet` (no SSH). */
export function remoteOptions(root: string, fleet: FakeFleet, over: Partial<RemoteOptions> = {}): RemoteOptions {
  return {
    repoRoot: root,
    inventory: 'inv',
    env: { ...FLEET_ENV },
    log: memoryLogger(),
    ssh: { privateKey: new Secret('unused-key', 'test'), knownHosts: '', insecureSkipHostKeyCheck: false },
    concurrency: 4,
    transportFactory: fleet.factory,
    ...over,
  };
}
