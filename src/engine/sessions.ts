import type { DesiredHost } from '../desired/types.js';
import type { Transport, TransportStats } from '../remote/transport.js';

export type TransportFactory = (host: DesiredHost) => Promise<Transport>;

/**
 * One connection per host per run: opened on first use, shared by probe and apply,
 * closed at the end. A failed connect is remembered so a host is not retried mid-run.
 */
export class Sessions {
  readonly #open = new Map<string, Promise<Transport>>();
  readonly #stats = new Map<string, TransportStats>();

  constructor(private readonly factory: TransportFactory) {}

  get(host: DesiredHost): Promise<Transport> {
    let p = this.#open.get(host.name);
    if (!p) {
      p = this.factory(host).then((t) => {
        this.#stats.set(host.name, t.stats);
        return t;
      });
      p.catch(() => undefined); // the caller handles it; avoid an unhandled rejection here
      this.#open.set(host.name, p);
    }
    return p;
  }

  stats(name: string): TransportStats | undefined {
    return this.#stats.get(name);
  }

  async closeAll(): Promise<void> {
    await Promise.all(
      [...this.#open.values()].map((p) =>
        p.then(
          (t) => t.close(),
          () => undefined,
        ),
      ),
    );
    this.#open.clear();
  }
}
