// Helpers every e2e test uses to reach the lab that test/e2e/global-setup.ts brought up.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from 'node-ssh';
import { stateDir } from '../../../lab/config.js';
import { reset } from '../../../lab/lifecycle.js';
import { docker } from '../../../lab/run.js';
import { parseEnvFile, readState, statePaths, type LabHost, type LabStateFile } from '../../../lab/state.js';

export type { LabHost };

export interface LabState extends LabStateFile {
  stateDir: string;
  keyPath: string; // private key for root on every host (0600)
  knownHostsPath: string; // "[127.0.0.1]:PORT ssh-ed25519 …" and "NAME ssh-ed25519 …" lines
  inventoryDir: string; // <stateDir>/inventory/inventories/lab
  repoRoot: string; // <stateDir>/inventory: the dir that contains inventories/
  secretsEnv: Record<string, string>; // VAULT_RESTIC_* from secrets.env
}

/** The running lab's state.json plus the paths and secrets `up` wrote. Throws when no lab is up. */
export function labState(): LabState {
  const dir = stateDir();
  const state = readState(dir);
  if (!state) throw new Error(`no lab in ${dir}: the e2e suite's global setup brings it up (or run \`npm run lab -- up\`)`);
  const p = statePaths(dir);
  return {
    ...state,
    stateDir: dir,
    keyPath: p.key,
    knownHostsPath: p.knownHosts,
    inventoryDir: p.inventoryDir,
    repoRoot: p.inventoryRoot,
    secretsEnv: parseEnvFile(readFileSync(p.secrets, 'utf8')),
  };
}

export function labHost(name: string): LabHost {
  const h = labState().hosts.find((x) => x.name === name);
  if (!h) throw new Error(`no lab host ${name}`);
  return h;
}

export interface HostExecResult {
  code: number | null; // null: timed out
  stdout: string;
  stderr: string;
}

/**
 * Runs `sh -c shellCmd` as root on a lab host through `docker exec` on its container —
 * for test assertions only (restic-fleet itself must go through SSH).
 */
export async function hostExec(
  name: string,
  shellCmd: string,
  opts: { stdin?: string; timeoutSeconds?: number } = {},
): Promise<HostExecResult> {
  const h = labHost(name);
  const r = await docker(['exec', ...(opts.stdin !== undefined ? ['-i'] : []), h.container, 'sh', '-c', shellCmd], {
    input: opts.stdin,
    timeoutSeconds: opts.timeoutSeconds ?? 120,
  });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

/** Returns every host to the state `up` left it in (files restic-fleet writes, server containers, volume data). */
export async function resetLab(): Promise<void> {
  await reset();
}

/** The key `NAME` (or `[127.0.0.1]:PORT`) has in the lab's known_hosts, as the raw key blob. */
export function knownHostKey(hostPattern: string): Buffer {
  const text = readFileSync(labState().knownHostsPath, 'utf8');
  for (const line of text.split('\n')) {
    const [pattern, type, blob] = line.trim().split(/\s+/);
    if (pattern === hostPattern && type === 'ssh-ed25519' && blob) return Buffer.from(blob, 'base64');
  }
  throw new Error(`no ssh-ed25519 key for ${hostPattern} in ${labState().knownHostsPath}`);
}

export const fingerprint = (key: Buffer): string =>
  `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;

/** node-ssh connect options for root on a lab host, pinned to its known_hosts key (ed25519 only). */
export function sshConfig(name: string): Config {
  const h = labHost(name);
  const expected = knownHostKey(`[127.0.0.1]:${h.sshPort}`);
  return {
    host: '127.0.0.1',
    port: h.sshPort,
    username: 'root',
    privateKey: readFileSync(labState().keyPath, 'utf8'),
    algorithms: { serverHostKey: ['ssh-ed25519'] },
    hostVerifier: (key: Buffer) => key.equals(expected),
    readyTimeout: 20_000,
  };
}

const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A digest of a docker volume's contents on a host: every path with its type and mode, files'
 * sizes and content hashes, symlink targets (not times, not directory sizes). Equal digests = same data; for restore tests.
 */
export async function volumeDigest(name: string, volume: string): Promise<string> {
  const r = await hostExec(
    name,
    `set -e; cd "$(docker volume inspect -f '{{.Mountpoint}}' ${shQuote(volume)})"
     { find . ! -type f -printf '%p %y %m %l\\n'; find . -type f -printf '%p %y %m %s\\n'; find . -type f -print0 | xargs -0r sha256sum; } |
       LC_ALL=C sort | sha256sum`,
  );
  if (r.code !== 0) throw new Error(`volumeDigest ${name} ${volume}: ${r.stderr}`);
  return r.stdout.split(' ')[0]!;
}
