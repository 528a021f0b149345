import { Readable, type Writable } from 'node:stream';
import { withBecome, withTimeout, type ShellText } from './shell.js';
import type { ExecOptions, TransportStats } from './transport.js';

/**
 * What SshTransport and LocalTransport share: how a command is wrapped, how stdin is
 * streamed, and the serial queue.
 */

/**
 * `timeout` goes inside `sudo`, not around it: run as the login user, `timeout` cannot
 * signal the root processes sudo started (checked on Debian 12: `timeout 2 sudo -n sh -c
 * "sleep 1001 & sleep 1002; wait"` left both sleeps running and the channel open).
 * As root inside sudo, it kills the command's whole process group. `sudo -n` never
 * prompts, so it cannot hang outside the timeout; the local guard covers the rest.
 */
export function wrapCommand(cmd: ShellText, opts: { timeoutSeconds: number; become: boolean }): ShellText {
  const timed = withTimeout(opts.timeoutSeconds, cmd);
  return opts.become ? withBecome(timed) : timed;
}

/** withTimeout's --kill-after. */
const KILL_AFTER_SECONDS = 10;
/** Extra time for the exit status to travel back before the local guard gives up on the command. */
const GUARD_MARGIN_SECONDS = 20;

/** When the local side stops waiting: the remote timeout, its kill-after, and a margin. */
export function localGuardMs(timeoutSeconds: number): number {
  return (Math.max(1, Math.floor(timeoutSeconds)) + KILL_AFTER_SECONDS + GUARD_MARGIN_SECONDS) * 1000;
}

/** Normalises the stdin option to a stream (chunked, so large buffers interleave with output). */
export function stdinStream(stdin: ExecOptions['stdin']): Readable | undefined {
  if (stdin === undefined) return undefined;
  if (stdin instanceof Readable) return stdin;
  const buf = typeof stdin === 'string' ? Buffer.from(stdin, 'utf8') : Buffer.from(stdin.buffer, stdin.byteOffset, stdin.byteLength);
  const CHUNK = 64 * 1024;
  function* chunks(): Generator<Buffer> {
    for (let i = 0; i < buf.length; i += CHUNK) yield buf.subarray(i, i + CHUNK);
  }
  return Readable.from(chunks(), { objectMode: false });
}

/**
 * Pipes stdin into the command (pipe() honours backpressure) and ends it, counting bytes.
 * Returns a function that detaches the source if the command ends before reading it all.
 */
export function feedStdin(source: Readable | undefined, sink: Writable, stats: TransportStats): () => void {
  if (!source) {
    sink.end();
    return () => {};
  }
  const count = (chunk: Buffer | string) => {
    stats.bytesSent += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  };
  source.on('data', count);
  source.on('error', () => sink.end());
  source.pipe(sink, { end: true });
  return () => {
    source.off('data', count);
    source.unpipe(sink);
  };
}

/** Collects output chunks as bytes (decoding per chunk would split multi-byte characters). */
export class OutputCollector {
  readonly #chunks: Buffer[] = [];
  constructor(private readonly stats: TransportStats) {}
  push = (chunk: Buffer | string): void => {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.#chunks.push(b);
    this.stats.bytesReceived += b.length;
  };
  text(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}

/** Runs tasks one after another: one exec at a time per transport (sshd allows 10 channels per connection). */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

export function newStats(): TransportStats {
  return { roundTrips: 0, bytesSent: 0, bytesReceived: 0 };
}

/** Appends our own note (why a command has no exit code) to the command's stderr. */
export function withNote(stderr: string, note: string): string {
  if (!note) return stderr;
  return stderr === '' || stderr.endsWith('\n') ? stderr + note : `${stderr}\n${note}`;
}
