import { createHash } from 'node:crypto';
import type { NodeSSH } from 'node-ssh';
import type { ConnectionConfig } from '../inventory/config.js';
import type { Secret } from '../secret.js';
import { parseKnownHosts, type KnownHosts } from './known-hosts.js';
import { PrivateKeyError, preparePrivateKey, type PreparedPrivateKey } from './private-key.js';
import { SshTransport, connectSsh, endpointLabel, type SshConnectParams, type SshEndpoint } from './ssh.js';
import { ConnectError, type Transport } from './transport.js';

export interface OpenTransportConfig {
  hostName: string; // inventory_hostname
  connection: ConnectionConfig;
  privateKey: Secret;
  /** known_hosts text (the `known-hosts` input). */
  knownHosts: string;
  insecureSkipHostKeyCheck: boolean;
  warn: (msg: string) => void;
}

/**
 * The one factory the engine uses: an SSH connection to the host (through its jump host
 * when it has one), host key pinned, key checked. Throws ConnectError with the reason.
 */
export async function openTransport(cfg: OpenTransportConfig): Promise<Transport> {
  const key = preparedKey(cfg.hostName, cfg.privateKey);
  const { connection: c } = cfg;
  const base: Omit<SshConnectParams, 'endpoint'> = {
    privateKey: key.key.reveal(),
    publicKeyDescription: `${key.type} ${key.publicFingerprint}`,
    knownHosts: parsedKnownHosts(cfg.knownHosts),
    insecureSkipHostKeyCheck: cfg.insecureSkipHostKeyCheck,
    warn: cfg.warn,
    connectTimeoutSeconds: c.connectTimeoutSeconds,
  };
  const target: SshEndpoint = { host: c.host, port: c.port, user: c.user };

  if (!c.jumpHost) {
    const ssh = await connectSsh(cfg.hostName, { ...base, endpoint: target });
    return new SshTransport(cfg.hostName, c, ssh);
  }

  const jump = c.jumpHost;
  const lease = await leaseJumpHost(cfg.hostName, { ...base, endpoint: jump }, poolKey(jump, key, cfg));
  try {
    const sock = await forward(lease.ssh, target, base.connectTimeoutSeconds).catch((err: Error) => {
      throw new ConnectError(
        cfg.hostName,
        `${endpointLabel(target)}: the jump host ${endpointLabel(jump)} could not open a connection to ${target.host}:${target.port} (${err.message})`,
      );
    });
    const ssh = await connectSsh(cfg.hostName, { ...base, endpoint: target, sock, via: jump });
    return new SshTransport(cfg.hostName, c, ssh, lease.release);
  } catch (err) {
    await lease.release();
    throw err;
  }
}

// ---- private key and known-hosts, checked once per run --------------------------

const keys = new WeakMap<Secret, PreparedPrivateKey | PrivateKeyError>();

function preparedKey(hostName: string, secret: Secret): PreparedPrivateKey {
  let k = keys.get(secret);
  if (!k) {
    try {
      k = preparePrivateKey(secret);
    } catch (err) {
      if (!(err instanceof PrivateKeyError)) throw err;
      k = err;
    }
    keys.set(secret, k);
  }
  if (k instanceof PrivateKeyError) throw new ConnectError(hostName, k.message);
  return k;
}

let lastKnownHosts: { text: string; parsed: KnownHosts } | undefined;
function parsedKnownHosts(text: string): KnownHosts {
  if (lastKnownHosts?.text !== text) lastKnownHosts = { text, parsed: parseKnownHosts(text) };
  return lastKnownHosts.parsed;
}

// ---- jump hosts: one connection per bastion, shared by the hosts behind it ------------
// Sharing matters: ten hosts connecting through one bastion at once would otherwise open
// ten connections to it, and sshd's MaxStartups (10) starts dropping new ones there.

interface PoolEntry {
  ssh: Promise<NodeSSH>;
  refs: number;
}
const pool = new Map<string, PoolEntry>();

function poolKey(jump: SshEndpoint, key: PreparedPrivateKey, cfg: OpenTransportConfig): string {
  const kh = createHash('sha256').update(cfg.knownHosts).digest('hex');
  return [endpointLabel(jump), key.publicFingerprint, kh, cfg.insecureSkipHostKeyCheck].join('|');
}

async function leaseJumpHost(
  hostName: string,
  params: SshConnectParams,
  id: string,
): Promise<{ ssh: NodeSSH; release: () => Promise<void> }> {
  let entry = pool.get(id);
  if (!entry) {
    const created: PoolEntry = {
      refs: 0,
      ssh: connectSsh(hostName, params).then((ssh) => {
        // A bastion connection that dies is not handed out again.
        ssh.connection?.on('close', () => pool.get(id) === created && pool.delete(id));
        ssh.connection?.on('error', () => {});
        return ssh;
      }),
    };
    entry = created;
    pool.set(id, entry);
  }
  const e = entry;
  e.refs++;
  let ssh: NodeSSH;
  try {
    ssh = await e.ssh;
  } catch (err) {
    e.refs--;
    if (pool.get(id) === e) pool.delete(id);
    const msg = err instanceof ConnectError ? err.message : String(err);
    throw new ConnectError(hostName, `jump host ${msg}`);
  }
  let released = false;
  return {
    ssh,
    release: async () => {
      if (released) return;
      released = true;
      if (--e.refs === 0) {
        if (pool.get(id) === e) pool.delete(id);
        ssh.dispose();
      }
    },
  };
}

async function forward(bastion: NodeSSH, target: SshEndpoint, timeoutSeconds: number) {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      bastion.forwardOut('127.0.0.1', 0, target.host, target.port),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutSeconds}s`)), timeoutSeconds * 1000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
