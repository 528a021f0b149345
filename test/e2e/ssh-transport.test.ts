// The SSH transport against real sshd on the lab hosts: exec semantics, secrets on stdin
// (never in `ps`), remote timeouts that really kill, host key pinning (unknown, mismatch,
// hashed, insecure), auth failure, a jump host, and one connection per transport.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { ed25519Pair } from '../support/ssh-keys.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionConfig } from '../../src/inventory/config.js';
import { openTransport, type OpenTransportConfig } from '../../src/remote/connect.js';
import { fingerprint } from '../../src/remote/known-hosts.js';
import { script, sh } from '../../src/remote/shell.js';
import { ConnectError, type Transport } from '../../src/remote/transport.js';
import { Secret } from '../../src/secret.js';
import { hostExec, knownHostKey, labState, type LabHost } from './support/lab.js';

const lab = labState();
const server = lab.hosts.find((h) => h.name === 'server.example.com')!;
const client = lab.hosts.find((h) => h !== server)!;
const labKey = new Secret(readFileSync(lab.keyPath, 'utf8'), 'lab key');
const knownHosts = readFileSync(lab.knownHostsPath, 'utf8');
const BECOME_USER = 'rfdeploy';

function connection(h: LabHost, over: Partial<ConnectionConfig> = {}): ConnectionConfig {
  return { host: '127.0.0.1', port: h.sshPort, user: 'root', become: false, connectTimeoutSeconds: 20, commandTimeoutSeconds: 120, ...over };
}

const opened: Transport[] = [];
async function open(h: LabHost, over: Partial<ConnectionConfig> = {}, cfg: Partial<OpenTransportConfig> = {}) {
  const warnings: string[] = [];
  const t = await openTransport({
    hostName: h.name,
    connection: connection(h, over),
    privateKey: labKey,
    knownHosts,
    insecureSkipHostKeyCheck: false,
    warn: (m) => warnings.push(m),
    ...cfg,
  });
  opened.push(t);
  return { t, warnings };
}

async function connectError(h: LabHost, over: Partial<ConnectionConfig>, cfg: Partial<OpenTransportConfig>): Promise<ConnectError> {
  try {
    await open(h, over, cfg);
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectError);
    expect((e as ConnectError).hostName).toBe(h.name);
    return e as ConnectError;
  }
  throw new Error('expected the connection to be refused');
}

/**
 * Polls a host (through docker exec, not the transport) until `sleep N` is running
 * (want = true) or gone (want = false); bounded. The pattern is written `[s]leep N` so it
 * does not match the polling shell's own command line.
 */
async function waitForSleep(h: LabHost, sleepSeconds: number, want: boolean): Promise<boolean> {
  const cmd = sh`pgrep -f ${`[s]leep ${sleepSeconds}`} >/dev/null && echo running || echo gone`.text;
  for (let i = 0; i < 40; i++) {
    const r = await hostExec(h.name, cmd);
    if ((r.stdout.trim() === 'running') === want) return true;
    await new Promise((res) => setTimeout(res, 250));
  }
  return false;
}

beforeAll(async () => {
  // A non-root login user with passwordless sudo, for ansible_become.
  const r = await hostExec(
    client.name,
    `set -e; id ${BECOME_USER} >/dev/null 2>&1 || useradd -m -s /bin/sh ${BECOME_USER}; usermod -p '*' ${BECOME_USER}
     install -d -m 700 -o ${BECOME_USER} -g ${BECOME_USER} /home/${BECOME_USER}/.ssh
     install -m 600 -o ${BECOME_USER} -g ${BECOME_USER} /root/.ssh/authorized_keys /home/${BECOME_USER}/.ssh/authorized_keys
     echo '${BECOME_USER} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/${BECOME_USER}; chmod 440 /etc/sudoers.d/${BECOME_USER}`,
  );
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  await Promise.all(opened.map((t) => t.close()));
  await hostExec(client.name, `rm -f /etc/sudoers.d/${BECOME_USER}; userdel -r ${BECOME_USER} 2>/dev/null; true`);
});

describe('SshTransport exec', () => {
  it('returns stdout, stderr and exit codes without throwing, and counts stats', async () => {
    const { t } = await open(client);
    expect(await t.exec(script('echo out; echo err >&2; exit 3'))).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    const ok = await t.exec(sh`printf %s ${"it's $HOME `x` ✓"}`);
    expect(ok).toEqual({ code: 0, stdout: "it's $HOME `x` ✓", stderr: '' });
    expect(t.stats.roundTrips).toBe(2);
    expect(t.stats.bytesReceived).toBe(4 + 4 + Buffer.byteLength("it's $HOME `x` ✓"));
    expect(t.stats.bytesSent).toBeGreaterThan(40);
  });

  it('pipes a secret on stdin that never appears in ps on the host during the command', async () => {
    const { t } = await open(client);
    const secret = new Secret(`s3cr3t-${randomBytes(12).toString('hex')}`, 'test');
    const marker = `rf-marker-${randomBytes(6).toString('hex')}`;
    const cmd = script(`: ${marker}; IFS= read -r X; sleep 3; printf %s "$X" | sha256sum`);
    const sampling = hostExec(client.name, `for i in $(seq 1 40); do ps -eww -o args; echo ===; sleep 0.1; done`);
    const [result, samples] = await Promise.all([t.exec(cmd, { stdin: `${secret.reveal()}\n` }), sampling]);
    expect(result.code).toBe(0);
    expect(result.stdout.split(' ')[0]).toBe(createHash('sha256').update(secret.reveal()).digest('hex'));
    expect(samples.stdout).toContain(marker); // the samples did see the command running
    expect(samples.stdout).not.toContain(secret.reveal());
  });

  it('streams a large stdin byte-exact', async () => {
    const { t } = await open(client);
    const big = randomBytes(16 * 1024 * 1024);
    const r = await t.exec(script('sha256sum'), { stdin: big });
    expect(r.stdout.split(' ')[0]).toBe(createHash('sha256').update(big).digest('hex'));
    expect(t.stats.bytesSent).toBeGreaterThan(big.length);
  });

  /** Two sleeps of a unique length run under a 4 s remote timeout: exit 124, and both are gone afterwards. */
  async function expectTimeoutKills(t: Transport, n: number): Promise<void> {
    const [r, seen] = await Promise.all([t.exec(script(`sleep ${n} & sleep ${n + 1}; wait`), { timeoutSeconds: 4 }), waitForSleep(client, n, true)]);
    expect(seen).toBe(true); // the check does see the process while it runs
    expect(r.code).toBe(124);
    expect(await waitForSleep(client, n, false)).toBe(true);
  }

  it('the remote timeout kills the command and its children (exit 124)', async () => {
    const { t } = await open(client);
    await expectTimeoutKills(t, 3000 + Math.floor(Math.random() * 1000));
    expect((await t.exec(script('echo alive'))).stdout).toBe('alive\n');
  });

  it('with become: runs as root through sudo -n, and the timeout still kills root processes', async () => {
    const { t } = await open(client, { user: BECOME_USER, become: true });
    const who = await t.exec(script('id -un; printf %s "$SUDO_USER"'));
    expect(who).toEqual({ code: 0, stdout: `root\n${BECOME_USER}`, stderr: '' });
    await expectTimeoutKills(t, 4000 + Math.floor(Math.random() * 1000));
    const plain = await open(client, { user: BECOME_USER, become: false });
    expect((await plain.t.exec(script('id -un'))).stdout).toBe(`${BECOME_USER}\n`);
  });

  it('uses one connection for many concurrent execs (more than sshd allows channels)', async () => {
    const { t } = await open(client);
    const results = await Promise.all(Array.from({ length: 15 }, (_, i) => t.exec(sh`echo ${i} $SSH_CLIENT`)));
    expect(results.map((r) => r.code)).toEqual(Array(15).fill(0));
    expect(results.map((r) => Number(r.stdout.split(' ')[0]))).toEqual(Array.from({ length: 15 }, (_, i) => i));
    const sourcePorts = new Set(results.map((r) => r.stdout.trim().split(' ')[2]));
    expect(sourcePorts.size).toBe(1);
    expect(t.stats.roundTrips).toBe(15);
  });

  it('reports code null when the connection drops during a command', async () => {
    const { t } = await open(client);
    // Kill this connection's own sshd process from inside the command.
    const killOwnSshd = script(
      `p=$$; while [ "$p" -gt 1 ]; do if [ "$(cat /proc/$p/comm)" = sshd ]; then kill -9 "$p"; break; fi; p=$(awk '{print $4}' /proc/$p/stat); done; sleep 10`,
    );
    const r = await t.exec(killOwnSshd);
    expect(r.code).toBeNull();
    expect(r.stderr).toMatch(/connection .* lost/);
    const after = await t.exec(script('echo again'));
    expect(after.code).toBeNull();
    expect(after.stderr).toMatch(/no connection/);
  });
});

describe('host key pinning', () => {
  it('refuses an unknown host with its fingerprint and the ssh-keyscan command', async () => {
    const fp = fingerprint(knownHostKey(`[127.0.0.1]:${client.sshPort}`));
    const e = await connectError(client, {}, { knownHosts: `server.example.com ssh-ed25519 ${knownHostKey(server.name).toString('base64')}\n` });
    expect(e.message).toBe(
      `root@127.0.0.1:${client.sshPort}: host key for [127.0.0.1]:${client.sshPort} is not in known-hosts (offered ssh-ed25519 ${fp}); add it with: ssh-keyscan -p ${client.sshPort} 127.0.0.1`,
    );
  });

  it('refuses a mismatching key, naming both fingerprints', async () => {
    const wrong = knownHostKey(server.name);
    const e = await connectError(client, {}, { knownHosts: `[127.0.0.1]:${client.sshPort} ssh-ed25519 ${wrong.toString('base64')}\n` });
    expect(e.message).toContain(`HOST KEY MISMATCH for [127.0.0.1]:${client.sshPort}`);
    expect(e.message).toContain(fingerprint(wrong));
    expect(e.message).toContain(fingerprint(knownHostKey(`[127.0.0.1]:${client.sshPort}`)));
  });

  it('accepts a hashed known_hosts entry', async () => {
    const salt = randomBytes(20);
    const mac = createHmac('sha1', salt).update(`[127.0.0.1]:${client.sshPort}`).digest();
    const line = `|1|${salt.toString('base64')}|${mac.toString('base64')} ssh-ed25519 ${knownHostKey(`[127.0.0.1]:${client.sshPort}`).toString('base64')}\n`;
    const { t } = await open(client, {}, { knownHosts: line });
    expect((await t.exec(script('echo hashed-ok'))).stdout).toBe('hashed-ok\n');
  });

  it('insecure mode connects but warns loudly with the offered fingerprint, on every connection', async () => {
    const fp = fingerprint(knownHostKey(`[127.0.0.1]:${client.sshPort}`));
    for (let i = 0; i < 2; i++) {
      const { t, warnings } = await open(client, {}, { knownHosts: '', insecureSkipHostKeyCheck: true });
      expect((await t.exec(script('echo in'))).stdout).toBe('in\n');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('INSECURE');
      expect(warnings[0]).toContain(fp);
    }
  });
});

describe('connect failures', () => {
  it('says "authentication failed (publickey)" for a key the host does not know', async () => {
    const other = new Secret(ed25519Pair().private, 'other key');
    const e = await connectError(client, {}, { privateKey: other });
    expect(e.message).toMatch(new RegExp(`^root@127\\.0\\.0\\.1:${client.sshPort}: authentication failed \\(publickey\\)`));
  });

  it('says "connection refused" for a closed port', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const e = await connectError(client, { port }, {});
    expect(e.message).toBe(`root@127.0.0.1:${port}: connection refused (is sshd running and the port right?)`);
  });

  it('explains a private key pasted with literal \\n before connecting', async () => {
    const flat = new Secret(labKey.reveal().trim().replace(/\n/g, '\\n'), 'flat key');
    const e = await connectError(client, {}, { privateKey: flat });
    expect(e.message).toBe('the ssh-private-key input contains literal \\n sequences; paste the key with real newlines');
  });
});

describe('jump host', () => {
  const jumpHost = { host: '127.0.0.1', port: server.sshPort, user: 'root' };

  it('reaches a client through the server by its lab network name, pinned by that name', async () => {
    const { t } = await open(client, { host: client.name, port: 22, jumpHost });
    const r = await t.exec(script('hostname; echo "$SSH_CLIENT"'));
    expect(r.code).toBe(0);
    const [hostname, sshClient] = r.stdout.trim().split('\n');
    expect(hostname).toBe(client.name.split('.')[0]);
    expect(sshClient!.split(' ')[0]).toBe(server.ip); // the connection came from the bastion
  });

  it('shares one bastion connection between the hosts behind it', async () => {
    // Established TCP connections into the bastion's sshd (local port 22 = 0016 hex, state 01).
    const sshdConnections = async () => {
      const r = await hostExec(server.name, `cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$2 ~ /:0016$/ && $4 == "01"' | wc -l`);
      return Number(r.stdout.trim());
    };
    const others = lab.hosts.filter((h) => h !== server);
    expect(others.length).toBeGreaterThanOrEqual(2);
    const before = await sshdConnections();
    const ts = await Promise.all(others.map((h) => open(h, { host: h.name, port: 22, jumpHost })));
    const names = await Promise.all(ts.map(async ({ t }) => (await t.exec(script('hostname'))).stdout.trim()));
    expect(names).toEqual(others.map((h) => h.name.split('.')[0]));
    // Without sharing this would grow by one per host.
    expect((await sshdConnections()) - before).toBeLessThanOrEqual(1);
  });

  it('refuses the target when its name is not pinned, with a keyscan hint through the jump host', async () => {
    const onlyBastion = knownHosts
      .split('\n')
      .filter((l) => !l.startsWith(client.name))
      .join('\n');
    const e = await connectError(client, { host: client.name, port: 22, jumpHost }, { knownHosts: onlyBastion });
    expect(e.message).toContain(`host key for ${client.name} is not in known-hosts`);
    expect(e.message).toContain(`ssh root@127.0.0.1 -p ${server.sshPort} ssh-keyscan ${client.name}`);
  });

  it('refuses when the bastion itself is not pinned', async () => {
    const noBastion = knownHosts
      .split('\n')
      .filter((l) => !l.startsWith(`[127.0.0.1]:${server.sshPort} `))
      .join('\n');
    const e = await connectError(client, { host: client.name, port: 22, jumpHost }, { knownHosts: noBastion });
    expect(e.message).toMatch(new RegExp(`^jump host root@127\\.0\\.0\\.1:${server.sshPort}: host key for \\[127\\.0\\.0\\.1\\]:${server.sshPort} is not in known-hosts`));
  });

  it('says when the bastion cannot reach the target', async () => {
    const e = await connectError(client, { host: client.name, port: 2, jumpHost }, {});
    expect(e.message).toContain(`the jump host root@127.0.0.1:${server.sshPort} could not open a connection to ${client.name}:2`);
  });
});
