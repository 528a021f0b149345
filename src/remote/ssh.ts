import { NodeSSH, type Config } from 'node-ssh';
import type { ClientChannel } from 'ssh2';
import type { Duplex } from 'node:stream';
import type { ConnectionConfig } from '../inventory/config.js';
import type { ShellText } from './shell.js';
import { ConnectError, type ExecOptions, type ExecResult, type Transport, type TransportStats } from './transport.js';
import { hostKeyPolicy, type KnownHosts } from './known-hosts.js';
import { OutputCollector, SerialQueue, feedStdin, localGuardMs, newStats, stdinStream, withNote, wrapCommand } from './exec-common.js';

/** Where one SSH connection goes. */
export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
}

export const endpointLabel = (e: SshEndpoint): string => `${e.user}@${e.host}:${e.port}`;

export interface SshConnectParams {
  endpoint: SshEndpoint;
  /** Normalised private key text (see private-key.ts). */
  privateKey: string;
  /** For the auth-failure hint: which key the host should authorise. */
  publicKeyDescription: string;
  knownHosts: KnownHosts;
  insecureSkipHostKeyCheck: boolean;
  warn: (msg: string) => void;
  connectTimeoutSeconds: number;
  /** A stream already connected to the endpoint (forwarded through a jump host). */
  sock?: Duplex;
  /** Set when connecting through a jump host: changes the ssh-keyscan hint. */
  via?: SshEndpoint;
}

/**
 * Opens one authenticated SSH connection with the host key pinned. Throws ConnectError
 * whose message starts with "user@host:port: " and says why.
 */
export async function connectSsh(hostName: string, p: SshConnectParams): Promise<NodeSSH> {
  const { endpoint } = p;
  const policy = hostKeyPolicy(p.knownHosts, {
    host: endpoint.host,
    port: endpoint.port,
    insecureSkipHostKeyCheck: p.insecureSkipHostKeyCheck,
    keyscanHint: p.via
      ? `ssh ${p.via.user}@${p.via.host}${p.via.port === 22 ? '' : ` -p ${p.via.port}`} ssh-keyscan ${endpoint.port === 22 ? '' : `-p ${endpoint.port} `}${endpoint.host} (run it through the jump host)`
      : undefined,
  });
  for (const w of policy.warnings) p.warn(`${hostName}: ${w}`);

  let refusal: string | undefined;
  const config: Config = {
    username: endpoint.user,
    privateKey: p.privateKey,
    readyTimeout: p.connectTimeoutSeconds * 1000,
    // A dead peer is noticed within ~45 s instead of TCP's minutes.
    keepaliveInterval: 15_000,
    keepaliveCountMax: 3,
    hostVerifier: (key: Buffer) => {
      const verdict = policy.verify(key);
      if (!verdict.ok) {
        refusal = verdict.message;
        return false;
      }
      if (verdict.message) p.warn(`${hostName}: ${verdict.message}`);
      return true;
    },
    ...(p.sock ? { sock: p.sock as Config['sock'] } : { host: endpoint.host, port: endpoint.port }),
    ...(policy.serverHostKeyAlgorithms ? { algorithms: { serverHostKey: policy.serverHostKeyAlgorithms as never } } : {}),
  };

  const ssh = new NodeSSH();
  let timer: NodeJS.Timeout | undefined;
  // ssh2's readyTimeout covers the handshake; this also bounds DNS and anything else.
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('connect guard'), { level: 'client-timeout' })), (p.connectTimeoutSeconds + 5) * 1000);
  });
  try {
    await Promise.race([ssh.connect(config), guard]);
  } catch (err) {
    ssh.dispose();
    p.sock?.destroy();
    throw new ConnectError(hostName, `${endpointLabel(endpoint)}: ${explainConnectError(err, { refusal, policyName: policy.name, pinned: policy.serverHostKeyAlgorithms, p })}`);
  } finally {
    clearTimeout(timer);
  }
  return ssh;
}

function explainConnectError(
  err: unknown,
  ctx: { refusal?: string; policyName: string; pinned?: string[]; p: SshConnectParams },
): string {
  const e = err as Error & { code?: string | number; level?: string };
  const msg = e?.message ?? String(err);
  if (ctx.refusal) return ctx.refusal;
  if (e?.level === 'client-authentication') {
    return `authentication failed (publickey); the host did not accept the key ${ctx.p.publicKeyDescription}: is it in ~${ctx.p.endpoint.user}/.ssh/authorized_keys?`;
  }
  if (e?.level === 'client-timeout') return `timed out after ${ctx.p.connectTimeoutSeconds}s (connect timeout) while connecting`;
  if (/no matching host key format/.test(msg)) {
    return `the server offers no host key of the type(s) pinned for ${ctx.policyName} in known-hosts (${(ctx.pinned ?? []).join(', ')}); the host's keys changed or the entry is for another host`;
  }
  switch (e?.code) {
    case 'ECONNREFUSED':
      return 'connection refused (is sshd running and the port right?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'cannot resolve the host name';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ETIMEDOUT':
      return `timed out after ${ctx.p.connectTimeoutSeconds}s (connect timeout) while connecting`;
    case 'ECONNRESET':
      return 'connection reset during the handshake (sshd may be refusing connections: MaxStartups, firewall, or not an SSH port)';
  }
  return `connection failed: ${msg}`;
}

/**
 * One SSH connection to one host. Execs run one at a time (sshd's MaxSessions is 10 per
 * connection, and callers batch anyway). `become` and the remote timeout are applied here.
 */
export class SshTransport implements Transport {
  readonly stats: TransportStats = newStats();
  readonly #queue = new SerialQueue();
  #lost: string | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(
    readonly hostName: string,
    private readonly connection: Pick<ConnectionConfig, 'become' | 'commandTimeoutSeconds'>,
    private readonly ssh: NodeSSH,
    /** Runs after this connection closed (releases a jump host connection). */
    private readonly onClose: () => Promise<void> = async () => {},
  ) {
    const client = ssh.connection;
    // Without an 'error' listener a dropped connection would crash the process.
    client?.on('error', (err: Error) => (this.#lost ??= err.message));
    client?.on('close', () => (this.#lost ??= 'the connection closed'));
  }

  exec(command: ShellText, options: ExecOptions = {}): Promise<ExecResult> {
    return this.#queue.run(() => this.#execNow(command, options));
  }

  async #execNow(command: ShellText, options: ExecOptions): Promise<ExecResult> {
    const timeoutSeconds = options.timeoutSeconds ?? this.connection.commandTimeoutSeconds;
    const text = wrapCommand(command, { timeoutSeconds, become: this.connection.become }).text;
    this.stats.roundTrips++;
    this.stats.bytesSent += Buffer.byteLength(text);
    const client = this.ssh.connection;
    if (this.#closed || this.#lost || !client) {
      return { code: null, stdout: '', stderr: `restic-fleet: no connection to ${this.hostName}: ${this.#closed ? 'transport closed' : this.#lost}` };
    }

    const stdout = new OutputCollector(this.stats);
    const stderr = new OutputCollector(this.stats);
    return new Promise<ExecResult>((resolve) => {
      let settled = false;
      let channel: ClientChannel | undefined;
      let detachStdin = () => {};
      let code: number | null = null;
      let note = '';
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        clearTimeout(hardStop);
        detachStdin();
        resolve({ code, stdout: stdout.text(), stderr: withNote(stderr.text(), note) });
      };
      let hardStop: NodeJS.Timeout | undefined;
      // The remote `timeout` should have ended the command long before this fires.
      let gaveUp = false;
      const guard = setTimeout(() => {
        gaveUp = true;
        code = null;
        note = `restic-fleet: no answer from ${this.hostName} within ${Math.round(localGuardMs(timeoutSeconds) / 1000)}s (remote timeout ${timeoutSeconds}s); gave up on the command`;
        channel?.close();
        // A connection that cannot even close a channel is dead: drop it.
        hardStop = setTimeout(() => {
          this.#lost ??= 'the connection stopped answering';
          this.ssh.dispose();
          finish();
        }, 5_000);
      }, localGuardMs(timeoutSeconds));

      client.exec(text, (err, ch) => {
        if (err) {
          note = `restic-fleet: could not start the command on ${this.hostName}: ${err.message}`;
          return finish();
        }
        channel = ch;
        ch.on('error', () => {}); // e.g. writing stdin after the command exited: the exit status says what happened
        ch.on('data', stdout.push);
        ch.stderr.on('data', stderr.push);
        ch.on('exit', (c: number | null, signal?: string) => {
          if (gaveUp) return;
          code = typeof c === 'number' ? c : null;
          if (signal) note = `restic-fleet: the command was killed by signal ${signal}`;
        });
        ch.on('close', () => {
          if (code === null && !note && this.#lost) note = `restic-fleet: connection to ${this.hostName} lost: ${this.#lost}`;
          finish();
        });
        detachStdin = feedStdin(stdinStream(options.stdin), ch, this.stats);
      });
    });
  }

  close(): Promise<void> {
    // Execs queued before close() still run; the connection goes after them.
    this.#closing ??= this.#queue.run(async () => {
      this.#closed = true;
      this.ssh.dispose();
      await this.onClose();
    });
    return this.#closing;
  }
}
