import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { stateDir, type HostKind } from './config.js';
import { writeInventory } from './inventory.js';

/** `<stateDir>/state.json`: what others code against (test/e2e/support/lab.ts, the demo). */
export interface LabHost {
  name: string; // inventory name, also the network alias on the lab network
  container: string; // outer container name
  sshPort: number; // published on 127.0.0.1
  ip: string; // address on the lab network
  kind: HostKind; // bookworm (restic 0.14) or trixie (restic 0.18)
  restic: string; // `restic version` of the host, e.g. "0.18.0"
  /** A light client: no docker engine, seed files under /srv/data (absent in older state files: false). */
  light?: boolean;
}

export interface LabStateFile {
  network: string;
  subnet: string;
  hosts: LabHost[];
  clients: number;
}

export const statePaths = (dir = stateDir()) => ({
  dir,
  state: join(dir, 'state.json'),
  key: join(dir, 'id_ed25519'),
  pub: join(dir, 'id_ed25519.pub'),
  knownHosts: join(dir, 'known_hosts'),
  secrets: join(dir, 'secrets.env'),
  inventoryRoot: join(dir, 'inventory'),
  inventoryDir: join(dir, 'inventory', 'inventories', 'lab'),
});

export function readState(dir = stateDir()): LabStateFile | undefined {
  const p = statePaths(dir).state;
  if (!existsSync(p)) return undefined;
  return JSON.parse(readFileSync(p, 'utf8')) as LabStateFile;
}

const writePrivate = (path: string, text: string): void => {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600); // mode is ignored when the file already existed
};

/**
 * A fresh ed25519 key pair for root on every host (OpenSSH format, as ssh and node-ssh read
 * it). About 1 in 250 keys from ssh2's generator fails ssh2's own parser: draw again.
 */
export function newKeyPair(): { privateKey: string; publicKey: string } {
  for (let i = 0; i < 20; i++) {
    const kp = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'restic-fleet-lab' });
    if (!(ssh2.utils.parseKey(kp.private) instanceof Error)) return { privateKey: kp.private, publicKey: kp.public };
  }
  throw new Error('ssh2 generated 20 ed25519 keys it cannot parse');
}

/** Random per `up`; hex so they survive shells, URLs and env files unquoted. */
const password = (): string => randomBytes(18).toString('hex');

export interface StateInput {
  state: LabStateFile;
  privateKey: string;
  publicKey: string;
  /** host name → its sshd's ed25519 public key line ("ssh-ed25519 AAAA..."). */
  hostKeys: Map<string, string>;
}

/** Writes everything `up` promises in the state dir; secrets and the key 0600. state.json last: its presence means "complete". */
export function writeState(input: StateInput, dir = stateDir()): void {
  const p = statePaths(dir);
  mkdirSync(p.dir, { recursive: true, mode: 0o700 });
  rmSync(p.state, { force: true });
  writePrivate(p.key, input.privateKey.endsWith('\n') ? input.privateKey : `${input.privateKey}\n`);
  writeFileSync(p.pub, `${input.publicKey.trim()}\n`);
  const kh: string[] = [];
  for (const h of input.state.hosts) {
    const key = input.hostKeys.get(h.name);
    if (!key) throw new Error(`no host key read from ${h.name}`);
    kh.push(`[127.0.0.1]:${h.sshPort} ${key}`, `${h.name} ${key}`);
  }
  writeFileSync(p.knownHosts, `${kh.join('\n')}\n`);
  const userPassword = password();
  writePrivate(
    p.secrets,
    [
      `VAULT_RESTIC_CLIENT_PASSWORD=${userPassword}`,
      // The seed uses user admin on both sides: the server's password must be the client's.
      `VAULT_RESTIC_SERVER_PASSWORD=${userPassword}`,
      `VAULT_RESTIC_REPO_PASSWORD=${password()}`,
      '',
    ].join('\n'),
  );
  writeInventory(p.inventoryDir, input.state);
  writeFileSync(p.state, `${JSON.stringify(input.state, null, 2)}\n`);
}

/** Removes the files `up` wrote (and the dir if then empty); nothing else that may live there. */
export function removeState(dir = stateDir()): void {
  const p = statePaths(dir);
  for (const f of [p.state, p.key, p.pub, p.knownHosts, p.secrets]) rmSync(f, { force: true });
  rmSync(p.inventoryDir, { recursive: true, force: true });
  for (const d of [join(p.inventoryRoot, 'inventories'), p.inventoryRoot, p.dir]) {
    try {
      rmdirSync(d);
    } catch {
      // not empty (someone else's files) or already gone: leave it
    }
  }
}

export { parseEnvFile } from '../src/util/env-file.js';
