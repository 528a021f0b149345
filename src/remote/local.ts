import { spawn } from 'node:child_process';
import type { ShellText } from './shell.js';
import type { ExecOptions, ExecResult, Transport, TransportStats } from './transport.js';
import { OutputCollector, SerialQueue, feedStdin, localGuardMs, newStats, stdinStream, withNote, wrapCommand } from './exec-common.js';

export interface LocalTransportOptions {
  /** Run commands through `sudo -n` (ansible_become). Default false. */
  become?: boolean;
  /** Default remote-side timeout when exec() gives none. Default 600. */
  commandTimeoutSeconds?: number;
}

/**
 * Runs commands on this machine with `sh -c`, wrapped exactly as over SSH (timeout,
 * become), so the remote shell scripts can be tested without a host. Not a connection
 * an inventory selects: every inventory host is reached over SSH (`ansible_connection`
 * is not read).
 */
export class LocalTransport implements Transport {
  readonly stats: TransportStats = newStats();
  readonly #queue = new SerialQueue();
  readonly #become: boolean;
  readonly #defaultTimeout: number;
  #closed = false;

  constructor(
    readonly hostName = 'localhost',
    options: LocalTransportOptions = {},
  ) {
    this.#become = options.become ?? false;
    this.#defaultTimeout = options.commandTimeoutSeconds ?? 600;
  }

  exec(command: ShellText, options: ExecOptions = {}): Promise<ExecResult> {
    return this.#queue.run(() => this.#execNow(command, options));
  }

  #execNow(command: ShellText, options: ExecOptions): Promise<ExecResult> {
    const timeoutSeconds = options.timeoutSeconds ?? this.#defaultTimeout;
    const text = wrapCommand(command, { timeoutSeconds, become: this.#become }).text;
    this.stats.roundTrips++;
    this.stats.bytesSent += Buffer.byteLength(text);
    if (this.#closed) return Promise.resolve({ code: null, stdout: '', stderr: 'restic-fleet: transport closed' });

    const stdout = new OutputCollector(this.stats);
    const stderr = new OutputCollector(this.stats);
    return new Promise((resolve) => {
      // detached: its own process group, so the guard can kill everything it started.
      const child = spawn('sh', ['-c', text], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      let note = '';
      let settled = false;
      const finish = (code: number | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        detach();
        resolve({ code, stdout: stdout.text(), stderr: withNote(stderr.text(), note) });
      };
      const guard = setTimeout(() => {
        note = `restic-fleet: the command did not end within ${localGuardMs(timeoutSeconds) / 1000}s; killed`;
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, localGuardMs(timeoutSeconds));
      child.stdout.on('data', stdout.push);
      child.stderr.on('data', stderr.push);
      child.stdin.on('error', () => {}); // EPIPE when the command exits without reading stdin
      child.on('error', (err) => {
        note = withNote(note, `restic-fleet: could not run sh: ${err.message}`);
        finish(null);
      });
      child.on('close', (code, signal) => {
        if (signal) note = withNote(note, `restic-fleet: the command was killed by signal ${signal}`);
        finish(code);
      });
      const detach = feedStdin(stdinStream(options.stdin), child.stdin, this.stats);
    });
  }

  async close(): Promise<void> {
    await this.#queue.run(async () => {
      this.#closed = true;
    });
  }
}
