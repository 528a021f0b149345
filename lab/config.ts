import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Everything the lab creates carries this name prefix and label, so `down` and stale-run cleanup find exactly its own objects. */
/** RF_LAB_PREFIX lets two labs (two worktrees) share one engine: pair it with its own RF_LAB_SUBNET and RF_LAB_DIR. */
export const PREFIX = process.env.RF_LAB_PREFIX ?? 'rf-lab';
export const LABEL = 'io.restic-fleet.lab';
export const NETWORK = PREFIX;

/** Outside Docker's default address pools, so neither the outer engine nor the inner ones pick it for something else. */
export const SUBNET = process.env.RF_LAB_SUBNET ?? '10.213.0.0/24';

export const SERVER_NAME = 'server.example.com';
export const clientName = (i: number): string => `client${String(i).padStart(2, '0')}.example.com`;
export const MAX_CLIENTS = 99;

export const LAB_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(LAB_DIR, '..');
/** Where `up` writes state.json, keys, known_hosts, secrets and the inventory. */
export const stateDir = (): string => resolve(process.env.RF_LAB_DIR ?? join(REPO_ROOT, '.lab'));
/** Build cache (rootfs tarball, debs, image tarballs, seed data); gitignored. */
export const cacheDir = (): string => resolve(process.env.RF_LAB_CACHE ?? join(LAB_DIR, '.cache'));
/** Shared read-only into every host container at /opt/rf-lab-share: image tarballs and the volumes' seed data. */
export const shareDir = (): string => join(cacheDir(), 'share');
export const DOCKERD_LOG = '/var/log/restic-fleet-lab-dockerd.log';

export const IMAGES = {
  hostRepo: 'restic-fleet/lab-host', // tagged <kind>-<recipe hash>
  /** The real rest-server (Debian trixie's restic-rest-server); two tags so a test can change the image. */
  restServer: ['restic-fleet/rest-server:lab', 'restic-fleet/rest-server:lab2'],
  /** Test-only: starts listening RF_LAB_START_DELAY seconds (default 8) after it starts. */
  restServerSlow: 'restic-fleet/rest-server:lab-slow',
  /** Test-only: runs and logs, never listens. */
  restServerDead: 'restic-fleet/rest-server:lab-dead',
  app: 'restic-fleet/app:lab',
} as const;

/** Every rest-server tag the server host's engine gets. */
export const REST_SERVER_TAGS = [...IMAGES.restServer, IMAGES.restServerSlow, IMAGES.restServerDead] as const;

/** Debian release the mirror is looked up for (the machine's own sources name it). */
export const SUITE = 'bookworm';
/** Where the real rest-server and restic 0.18 come from. */
export const REST_SERVER_SUITE = 'trixie';

/** Two kinds of hosts: restic 0.14 (bookworm) and restic 0.18 (trixie). */
export type HostKind = 'bookworm' | 'trixie';
export const HOST_KINDS: readonly HostKind[] = ['bookworm', 'trixie'];

/**
 * Clients' kinds: RF_LAB_CLIENT_KIND=mixed (default: odd-numbered clients bookworm,
 * even-numbered trixie), bookworm or trixie. The server host is always bookworm.
 */
export function clientKind(i: number, mode = process.env.RF_LAB_CLIENT_KIND ?? 'mixed'): HostKind {
  if (mode === 'bookworm' || mode === 'trixie') return mode;
  if (mode !== 'mixed') throw new Error(`RF_LAB_CLIENT_KIND must be mixed, bookworm or trixie, got ${mode}`);
  return i % 2 === 1 ? 'bookworm' : 'trixie';
}

const HOST_PACKAGES = [
  'openssh-server', 'cron', 'restic', 'sudo', 'ca-certificates', 'docker.io', 'iptables',
  'procps', 'util-linux', 'coreutils', 'findutils', 'tar', 'gzip',
];

/** What a host of each kind installs: trixie splits the docker CLI out of docker.io. */
export const hostPackages = (kind: HostKind): string[] => (kind === 'trixie' ? [...HOST_PACKAGES, 'docker-cli'] : HOST_PACKAGES);

/**
 * Light clients (RF_LAB_LIGHT=1 or `up --light`): sshd, cron and restic from the same host
 * images, but no inner dockerd (no caps, no /var/lib/docker volume), with seed files under
 * /srv/data for `path` sets; ~10 MB each, so 50-100 fit on 2 cores. The server stays full.
 */
export const lightFromEnv = (): boolean => process.env.RF_LAB_LIGHT === '1';

export interface HostSpec {
  name: string;
  role: 'server' | 'client';
  kind: HostKind;
  light: boolean;
  container: string;
  ip: string;
  volume: string; // outer volume holding the host's /var/lib/docker
}

/** The lab's hosts for N clients; IPs are fixed so a re-created lab keeps its addresses. */
export function topology(clients: number, light = lightFromEnv()): HostSpec[] {
  const base = SUBNET.replace(/\.\d+\/\d+$/, '');
  const spec = (name: string, role: HostSpec['role'], kind: HostKind, octet: number, isLight: boolean): HostSpec => {
    const short = name.split('.')[0]!;
    return { name, role, kind, light: isLight, container: `${PREFIX}-${short}`, ip: `${base}.${octet}`, volume: `${PREFIX}-${short}-docker` };
  };
  const hosts = [spec(SERVER_NAME, 'server', 'bookworm', 10, false)];
  for (let i = 1; i <= clients; i++) hosts.push(spec(clientName(i), 'client', clientKind(i), 10 + i, light));
  return hosts;
}
