import { createServer, type AddressInfo } from 'node:net';
import { ed25519Pair } from '../../support/ssh-keys.js';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionConfig } from '../../../src/inventory/config.js';
import { openTransport } from '../../../src/remote/connect.js';
import { script } from '../../../src/remote/shell.js';
import { ConnectError } from '../../../src/remote/transport.js';
import { Secret } from '../../../src/secret.js';
import { startSshd, type ExecReply, type ExecRequest, type LoopbackSshd } from '../../support/loopback-sshd.js';

// The SSH transport against an in-process server on 127.0.0.1 (no shell runs there).
const key = ed25519Pair();
const privateKey = new Secret(key.private, 'test ssh key');
let answer: (r: ExecRequest) => ExecReply = () => ({ code: 0 });
let sshd: LoopbackSshd;

beforeAll(async () => {
  sshd = await startSshd(key.public, (r) => answer(r));
});
afterAll(() => sshd.close());

const connection = (over: Partial<ConnectionConfig> = {}): ConnectionConfig => ({
  host: '127.0.0.1',
  port: sshd.port,
  user: 'root',
  become: false,
  connectTimeoutSeconds: 5,
  commandTimeoutSeconds: 60,
  ...over,
});

function open(over: Partial<ConnectionConfig> = {}, o: { knownHosts?: string; insecure?: boolean; key?: Secret; warnings?: string[] } = {}) {
  return openTransport({
    hostName: 'h1',
    connection: connection(over),
    privateKey: o.key ?? privateKey,
    knownHosts: o.knownHosts ?? sshd.knownHostsLine,
    insecureSkipHostKeyCheck: o.insecure ?? false,
    warn: (m) => o.warnings?.push(m),
  });
}

const connectError = (p: Promise<unknown>) => p.then(() => { throw new Error('connected'); }, (e: unknown) => e as ConnectError);

describe('SshTransport over a loopback SSH server', () => {
  it('runs a command under the remote timeout, stdin in, stdout, stderr and exit code out', async () => {
    answer = (r) => ({ code: 3, stdout: `got ${r.stdin.length} bytes\n`, stderr: 'warn\n' });
    const t = await open();
    const r = await t.exec(script('echo hi'), { stdin: 'secret-on-stdin\n', timeoutSeconds: 42 });
    expect(r).toEqual({ code: 3, stdout: 'got 16 bytes\n', stderr: 'warn\n' });
    const req = sshd.requests.at(-1)!;
    expect(req.stdin).toBe('secret-on-stdin\n');
    expect(req.command).toContain('42');
    expect(req.command).toContain('echo hi');
    expect(req.command).not.toContain('secret-on-stdin');
    expect(t.stats.roundTrips).toBe(1);
    expect(t.stats.bytesReceived).toBe(r.stdout.length + r.stderr.length);
    await t.close();
    const after = await t.exec(script('true'));
    expect(after.code).toBeNull();
    expect(after.stderr).toContain('transport closed');
  });

  it('with become, commands run through sudo -n', async () => {
    answer = () => ({ code: 0 });
    const t = await open({ become: true });
    await t.exec(script('id -u'));
    expect(sshd.requests.at(-1)!.command).toMatch(/^sudo -n /);
    await t.close();
  });

  it('a command killed by a signal has no exit code and says so', async () => {
    answer = () => ({ signal: 'KILL' });
    const t = await open();
    const r = await t.exec(script('sleep 9'));
    expect(r.code).toBeNull();
    expect(r.stderr).toMatch(/the command was killed by signal (SIG)?KILL/);
    await t.close();
  });

  it('a connection that drops mid-command: code null, and later commands say the connection is gone', async () => {
    answer = () => ({ drop: true });
    const t = await open();
    const r = await t.exec(script('apply'));
    expect(r.code).toBeNull();
    const next = await t.exec(script('true'));
    expect(next.code).toBeNull();
    expect(next.stderr).toMatch(/no connection to h1/);
    await t.close();
  });

  it('through a jump host: the target connection is forwarded by the bastion', async () => {
    answer = () => ({ code: 0, stdout: 'via bastion\n' });
    const before = sshd.connections;
    const t = await open({ jumpHost: { host: '127.0.0.1', port: sshd.port, user: 'root' } });
    expect((await t.exec(script('hostname'))).stdout).toBe('via bastion\n');
    expect(sshd.connections - before).toBe(2); // the bastion's and the forwarded one
    await t.close();
  });
});

describe('openTransport refuses with the reason', () => {
  it('a host key that is not the pinned one', async () => {
    const other = ssh2.utils.generateKeyPairSync('ed25519').public.split(' ').slice(0, 2).join(' ');
    const e = await connectError(open({}, { knownHosts: `[127.0.0.1]:${sshd.port} ${other}` }));
    expect(e).toBeInstanceOf(ConnectError);
    expect(e.message).toMatch(new RegExp(`^root@127\\.0\\.0\\.1:${sshd.port}: `));
    expect(e.message).toMatch(/host key/i);
  });

  it('a host missing from known-hosts, unless host key checking is off (then with a warning)', async () => {
    const e = await connectError(open({}, { knownHosts: '' }));
    expect(e.message).toMatch(/known.hosts|ssh-keyscan/i);
    const warnings: string[] = [];
    const t = await open({}, { knownHosts: '', insecure: true, warnings });
    expect(warnings.join('\n')).toMatch(/^h1: INSECURE: host key checking is OFF/);
    await t.close();
  });

  it('a key the host does not accept', async () => {
    const stranger = new Secret(ed25519Pair().private, 'test ssh key');
    const e = await connectError(open({}, { key: stranger }));
    expect(e.message).toMatch(/authentication failed \(publickey\); the host did not accept the key ssh-ed25519 SHA256:/);
  });

  it('a loopback port where nothing listens', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const e = await connectError(open({ port }, { knownHosts: `[127.0.0.1]:${port} ${sshd.knownHostsLine.split(' ').slice(1).join(' ')}` }));
    expect(e.message).toBe(`root@127.0.0.1:${port}: connection refused (is sshd running and the port right?)`);
  });

  it('a jump host that cannot reach the target', async () => {
    const viaJump = await connectError(open({ port: 1, jumpHost: { host: '127.0.0.1', port: sshd.port, user: 'root' } }));
    expect(viaJump.message).toMatch(/the jump host root@127\.0\.0\.1:\d+ could not open a connection to 127\.0\.0\.1:1/);
  });
});
