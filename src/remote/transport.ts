import type { Readable } from 'node:stream';
import type { ShellText } from './shell.js';

export interface ExecResult {
  code: number | null; // null when killed by a signal or the connection dropped
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /**
   * Bytes for the command's stdin: the only way secrets reach a host (besides 0600 files written from stdin).
   * Written with backpressure, then closed; a Readable (e.g. a tar stream) is streamed, not buffered.
   */
  stdin?: string | Uint8Array | Readable;
  /** Remote-side timeout (wrapped in `timeout`), default the host's command timeout. */
  timeoutSeconds?: number;
}

export interface TransportStats {
  roundTrips: number; // exec calls
  bytesSent: number; // command text + stdin
  bytesReceived: number; // stdout + stderr
}

/**
 * One connection to one host. Everything that touches a host goes through here,
 * with shell text built only by ./shell.ts. `become` (sudo -n) and the remote
 * timeout are applied by the transport, so callers write plain root commands.
 */
export interface Transport {
  readonly hostName: string; // inventory_hostname
  exec(command: ShellText, options?: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
  readonly stats: TransportStats;
}

/** Raised when a host cannot be reached or refused: unknown host key, auth failure, timeout. */
export class ConnectError extends Error {
  constructor(
    readonly hostName: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectError';
  }
}
