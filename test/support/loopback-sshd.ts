import { connect, type AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import { ed25519Pair } from './ssh-keys.js';

/**
 * An SSH server inside the test process, on 127.0.0.1 only: it accepts one public key
 * and answers exec requests from `answer` (no shell runs). For unit tests of the SSH
 * transport; the Docker lab tests it against a real sshd.
 */
export interface ExecRequest {
  command: string;
  stdin: string;
}

export type ExecReply =
  | { code: number; stdout?: string; stderr?: string }
  | { signal: string }
  /** The server ends the whole connection mid-command. */
  | { drop: true };

export interface LoopbackSshd {
  port: number;
  /** known_hosts line for this server. */
  knownHostsLine: string;
  requests: ExecRequest[];
  /** Connections accepted (TCP). */
  connections: number;
  close(): Promise<void>;
}

export async function startSshd(clientPublicKey: string, answer: (r: ExecRequest) => ExecReply): Promise<LoopbackSshd> {
  const hostKey = ed25519Pair();
  const allowed = ssh2.utils.parseKey(clientPublicKey);
  if (allowed instanceof Error) throw allowed;
  const requests: ExecRequest[] = [];
  const clients = new Set<ssh2.Connection>();
  const state = { connections: 0 };

  const server = new ssh2.Server({ hostKeys: [hostKey.private] }, (client) => {
    state.connections++;
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => {});
    client.on('authentication', (ctx) => {
      const keyOk = ctx.method === 'publickey' && ctx.key.algo === allowed.type && ctx.key.data.equals(allowed.getPublicSSH());
      if (!keyOk) return ctx.reject(['publickey']);
      if (!ctx.signature) return ctx.accept(); // the client asks whether the key would do
      return allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) ? ctx.accept() : ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      // A jump host: forwards (direct-tcpip) to loopback ports only.
      client.on('tcpip', (accept, reject, info) => {
        if (info.destIP !== '127.0.0.1') return reject();
        const sock = connect(info.destPort, '127.0.0.1');
        sock.on('error', () => reject());
        sock.on('connect', () => {
          const ch = accept();
          ch.pipe(sock).pipe(ch);
        });
      });
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (accept, _reject, info) => {
          const ch = accept();
          const chunks: Buffer[] = [];
          ch.on('data', (d: Buffer) => chunks.push(d));
          ch.on('end', () => {
            const req = { command: info.command, stdin: Buffer.concat(chunks).toString('utf8') };
            requests.push(req);
            const reply = answer(req);
            if ('drop' in reply) return client.end();
            if ('signal' in reply) {
              ch.exit(reply.signal);
              return ch.end();
            }
            if (reply.stdout) ch.write(reply.stdout);
            if (reply.stderr) ch.stderr.write(reply.stderr);
            ch.exit(reply.code);
            ch.end();
          });
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    knownHostsLine: `[127.0.0.1]:${port} ${hostKey.public.split(' ').slice(0, 2).join(' ')}`,
    requests,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.end();
        server.close(() => resolve());
      }),
  };
}
