import type { DesiredHost } from '../desired/types.js';
import { openTransport } from '../remote/connect.js';
import type { Transport, TransportStats } from '../remote/transport.js';
import type { RemoteOptions } from './options.js';

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

/** How to reach a host: the options' factory (tests, local runs) or SSH with the pinned keys. */
export function transportFactoryFor(o: RemoteOptions): TransportFactory {
  return (
    o.transportFactory ??
    ((d) =>
      openTransport({
        hostName: d.name,
        connection: d.connection,
        privateKey: o.ssh.privateKey,
        knownHosts: o.ssh.knownHosts,
        insecureSkipHostKeyCheck: o.ssh.insecureSkipHostKeyCheck,
        warn: (m) => o.log.warn(m),
      }))
  );
}

export const sessionsFor = (o: RemoteOptions): Sessions => new Sessions(transportFactoryFor(o));
