import type { DesiredHost } from '../desired/types.js';
import type { TransportFactory } from '../engine/sessions.js';
import type { ShellText } from '../remote/shell.js';
import type { ExecOptions, ExecResult, Transport } from '../remote/transport.js';

/**
 * The restore's connection to its host. A restore outlives SSH hiccups: the job runs
 * detached on the host, and this link reconnects (bounded) when the connection drops
 * while the local side is only polling. Only idempotent commands use `execRetrying`.
 */
export class HostLink {
  #t: Transport | undefined;
  reconnects = 0;

  constructor(
    private readonly host: DesiredHost,
    private readonly factory: TransportFactory,
    private readonly opts: { attempts: number; delayMs: number; warn: (m: string) => void },
  ) {}

  async open(): Promise<Transport> {
    this.#t ??= await this.factory(this.host);
    return this.#t;
  }

  /** One attempt; throws when the connection is gone (code null counts as gone). */
  async exec(cmd: ShellText, options?: ExecOptions): Promise<ExecResult> {
    const t = await this.open();
    const r = await t.exec(cmd, options);
    if (r.code === null) throw new Error(`the connection to ${this.host.name} dropped during a command`);
    return r;
  }

  /** Re-opens the connection and retries, up to `attempts` times, for commands safe to repeat. */
  async execRetrying(cmd: ShellText, options?: ExecOptions): Promise<ExecResult> {
    let lastError: unknown;
    for (let i = 0; i <= this.opts.attempts; i++) {
      try {
        return await this.exec(cmd, options);
      } catch (e) {
        lastError = e;
        if (i === this.opts.attempts) break;
        this.opts.warn(`${this.host.name}: ${e instanceof Error ? e.message : String(e)}; reconnecting (${i + 1}/${this.opts.attempts})`);
        await this.drop();
        await sleep(this.opts.delayMs * (i + 1));
      }
    }
    throw lastError;
  }

  /** Forgets the current connection (closing it if still open); the next exec reconnects. */
  async drop(): Promise<void> {
    const t = this.#t;
    this.#t = undefined;
    if (t) {
      this.reconnects++;
      await t.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const t = this.#t;
    this.#t = undefined;
    await t?.close().catch(() => undefined);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
