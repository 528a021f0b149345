// Proves the lab's topology: every host reachable over SSH with the pinned key only, the
// tools restic-fleet needs, real volumes with known data, the real rest-server answering
// a real restic init/backup/snapshots with bcrypt htpasswd auth, isolation, and reset.
import bcrypt from 'bcryptjs';
import { NodeSSH } from 'node-ssh';
import type { ClientChannel } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../lab/run.js';
import { hostExec, knownHostKey, labState, resetLab, sshConfig, volumeDigest } from './support/lab.js';

const TOOLS = ['docker', 'restic', 'flock', 'timeout', 'sha256sum', 'stat', 'find', 'tar', 'sudo'];

async function withSsh<T>(name: string, fn: (ssh: NodeSSH) => Promise<T>): Promise<T> {
  const ssh = await new NodeSSH().connect(sshConfig(name));
  try {
    return await fn(ssh);
  } finally {
    ssh.dispose();
  }
}

describe('lab topology', () => {
  const lab = labState();
  const server = lab.hosts.find((h) => h.name === 'server.example.com')!;
  const clients = lab.hosts.filter((h) => h !== server);

  it('writes the state the interface promises', () => {
    expect(server).toBeDefined();
    expect(clients.map((c) => c.name)).toEqual(Array.from({ length: lab.clients }, (_, i) => `client${String(i + 1).padStart(2, '0')}.example.com`));
    expect(new Set(lab.hosts.map((h) => h.sshPort)).size).toBe(lab.hosts.length);
    expect(Object.keys(lab.secretsEnv).sort()).toEqual(['VAULT_RESTIC_CLIENT_PASSWORD', 'VAULT_RESTIC_REPO_PASSWORD', 'VAULT_RESTIC_SERVER_PASSWORD']);
    expect(lab.secretsEnv.VAULT_RESTIC_SERVER_PASSWORD).toBe(lab.secretsEnv.VAULT_RESTIC_CLIENT_PASSWORD);
  });

  it('lets root in on every host with the pinned key, with the tools restic-fleet needs', async () => {
    const results = await Promise.all(
      lab.hosts.map((h) =>
        withSsh(h.name, (ssh) =>
          ssh.execCommand(
            `restic version; docker version --format 'engine {{.Server.Version}}'; pgrep -x cron >/dev/null && echo cron-running; ` +
              `for c in ${TOOLS.join(' ')}; do command -v "$c" >/dev/null || echo "MISSING $c"; done; id -u`,
          ),
        ),
      ),
    );
    for (const [i, r] of results.entries()) {
      const name = lab.hosts[i]!.name;
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/^restic 0\.\d+\.\d+/m);
      expect(r.stdout).toMatch(/^engine \d+\./m);
      expect(r.stdout).toContain('cron-running');
      expect(r.stdout).not.toContain('MISSING');
      expect(r.stdout.trim().split('\n').pop()).toBe('0');
    }
  });

  it('refuses a host whose key is not the pinned one, and password logins', async () => {
    const c1 = clients[0]!;
    const wrongKey = knownHostKey(server.name);
    await expect(
      new NodeSSH().connect({ ...sshConfig(c1.name), hostVerifier: (key: Buffer) => key.equals(wrongKey) }),
    ).rejects.toThrow();
    const { privateKey: _unused, ...noKey } = sshConfig(c1.name);
    await expect(new NodeSSH().connect({ ...noKey, password: 'root', tryKeyboard: true })).rejects.toThrow(/authentication/i);
  });

  it('reaches clients through the server as a jump host, verified by their plain-name known_hosts lines', async () => {
    const target = clients[clients.length - 1]!;
    const out = await withSsh(server.name, async (bastion) => {
      const sock = await new Promise<ClientChannel>((resolve, reject) =>
        bastion.connection!.forwardOut('127.0.0.1', 0, target.name, 22, (err, stream) => (err ? reject(err) : resolve(stream))),
      );
      const expected = knownHostKey(target.name);
      const inner = await new NodeSSH().connect({ ...sshConfig(target.name), host: undefined, port: undefined, sock, hostVerifier: (k: Buffer) => k.equals(expected) });
      try {
        return (await inner.execCommand('hostname')).stdout.trim();
      } finally {
        inner.dispose();
      }
    });
    expect(out).toBe(target.name.split('.')[0]);
  });

  it('gives every client an engine with the two volumes of known data, each used by a running app container', async () => {
    const digests = await Promise.all(
      clients.map(async (c) => {
        const r = await hostExec(
          c.name,
          `docker inspect -f '{{.Name}} {{.State.Running}} {{range .Mounts}}{{.Name}}{{end}}' app media
           a=$(docker volume inspect -f '{{.Mountpoint}}' app_data); m=$(docker volume inspect -f '{{.Mountpoint}}' media_data)
           echo "files $(find "$a" -type f | wc -l)"; echo "media $(stat -c %s "$m/big.bin")"`,
        );
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain('/app true app_data');
        expect(r.stdout).toContain('/media true media_data');
        expect(r.stdout).toContain('files 2005');
        expect(r.stdout).toContain(`media ${24 * 1024 * 1024}`);
        return [await volumeDigest(c.name, 'app_data'), await volumeDigest(c.name, 'media_data')];
      }),
    );
    for (const d of digests) expect(d).toEqual(digests[0]);
    expect(digests[0]![0]).not.toEqual(digests[0]![1]);
  });

  it('keeps the lab subnet from reaching anything outside it (DOCKER-USER)', async () => {
    const r = await run('iptables', ['-C', 'DOCKER-USER', '-s', lab.subnet, '!', '-d', lab.subnet, '-j', 'DROP']);
    expect(r.code, r.stderr).toBe(0);
  });

  describe('rest-server image', () => {
    const user = 'admin';
    const password = 'smoke-' + Math.random().toString(36).slice(2);
    const c1 = clients[0]!;

    beforeAll(async () => {
      // Port 8080 must be free: an earlier e2e file may have left restic-fleet's server running.
      if ((await hostExec(server.name, 'docker ps -aq')).stdout.trim()) await resetLab();
    });

    afterAll(async () => {
      await hostExec(server.name, 'docker rm -f -v lab-smoke-rest lab-smoke-ao >/dev/null 2>&1; rm -rf /srv/lab-smoke');
      await hostExec(c1.name, 'rm -rf /tmp/lab-smoke');
    });

    it('answers restic init/backup/snapshots with bcrypt htpasswd auth and refuses a wrong password with 401', async () => {
      const htpasswd = `${user}:${bcrypt.hashSync(password, 10)}\n`;
      expect(htpasswd).toMatch(/^admin:\$2[aby]\$10\$/);
      const start = await hostExec(
        server.name,
        `set -e; mkdir -p /srv/lab-smoke; cat > /srv/lab-smoke/.htpasswd
         docker run -d --name lab-smoke-rest -p 8080:8000 -v /srv/lab-smoke:/data restic-fleet/rest-server:lab >/dev/null
         docker run -d --name lab-smoke-ao -p 8081:8000 -v /srv/lab-smoke:/data -e OPTIONS='--append-only --private-repos' restic-fleet/rest-server:lab2 >/dev/null
         for i in $(seq 60); do
           docker logs lab-smoke-rest 2>&1 | grep -q 'start server on' && docker logs lab-smoke-ao 2>&1 | grep -q 'start server on' && exit 0
           sleep 0.5
         done; docker logs lab-smoke-rest; exit 1`,
        { stdin: htpasswd },
      );
      expect(start.code, start.stdout + start.stderr).toBe(0);

      await withSsh(c1.name, async (ssh) => {
        // Credentials reach the host on stdin into 0600 files, never argv (as restic-fleet does).
        const write = (file: string, text: string) =>
          ssh.execCommand(`umask 077; mkdir -p /tmp/lab-smoke; cat > /tmp/lab-smoke/${file}`, { stdin: text });
        await write('repo', `rest:http://${user}:${password}@server.example.com:8080/admin/smoke\n`);
        await write('bad-repo', `rest:http://${user}:wrong-${password}@server.example.com:8080/admin/smoke\n`);
        await write('password', 'smoke repository password\n');
        const restic = (repoFile: string, args: string) =>
          ssh.execCommand(`timeout 120 restic --repository-file /tmp/lab-smoke/${repoFile} --password-file /tmp/lab-smoke/password ${args}`);

        const init = await restic('repo', 'init');
        expect(init.code, init.stderr).toBe(0);
        expect(init.stdout).toContain('created restic repository');
        const backup = await restic('repo', `backup --tag app --tag lab "$(docker volume inspect -f '{{.Mountpoint}}' app_data)"`);
        expect(backup.code, backup.stderr).toBe(0);
        const snaps = await restic('repo', 'snapshots --json');
        expect(snaps.code, snaps.stderr).toBe(0);
        const list = JSON.parse(snaps.stdout) as Array<{ tags: string[]; paths: string[]; hostname: string }>;
        expect(list).toHaveLength(1);
        expect(list[0]!.tags).toEqual(['app', 'lab']);
        expect(list[0]!.paths).toEqual(['/var/lib/docker/volumes/app_data/_data']);

        const bad = await restic('bad-repo', 'snapshots');
        expect(bad.code).not.toBe(0);
        expect(bad.stderr).toContain('401 Unauthorized');
      });
    });

    it('maps OPTIONS --append-only and --private-repos onto the server (tag lab2)', async () => {
      // Straight HTTP from this machine to the server host's published port on the lab network.
      const base = `http://${server.ip}:8081`;
      const auth = (p: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${p}`).toString('base64')}` });
      const v2 = { accept: 'application/vnd.x.restic.rest.v2' };
      const keys = await fetch(`${base}/admin/smoke/keys/`, { headers: { ...auth(password), ...v2 } });
      expect(keys.status).toBe(200);
      const [key] = (await keys.json()) as Array<{ name: string }>;
      expect(key?.name).toMatch(/^[0-9a-f]{64}$/);
      expect((await fetch(`${base}/admin/smoke/keys/${key!.name}`, { method: 'DELETE', headers: auth(password) })).status).toBe(403);
      expect((await fetch(`${base}/admin/smoke/keys/${key!.name}`, { headers: auth(password) })).status).toBe(200);
      expect((await fetch(`${base}/someone-else/config`, { headers: auth(password) })).status).toBeGreaterThanOrEqual(401);
      expect((await fetch(`${base}/admin/smoke/config`, { headers: auth('wrong') })).status).toBe(401);
    });
  });

  it('reset returns a used lab to its fresh state', async () => {
    const c1 = clients[0]!;
    const fresh = await volumeDigest(c1.name, 'app_data');
    const dirt = await Promise.all([
      hostExec(
        c1.name,
        `set -e; mkdir -p /etc/restic-fleet /var/lib/restic-fleet; echo x > /etc/restic-fleet/repository
         echo '* * * * * root true' > /etc/cron.d/restic-fleet
         cd "$(docker volume inspect -f '{{.Mountpoint}}' app_data)"; rm -rf data/d03; echo changed > README.txt
         docker stop media >/dev/null; docker volume create leftover >/dev/null`,
      ),
      hostExec(server.name, 'set -e; mkdir -p /srv/restic; docker network create restic-fleet >/dev/null; docker run -d --name restic01 --network restic-fleet restic-fleet/rest-server:lab >/dev/null'),
    ]);
    for (const d of dirt) expect(d.code, d.stderr).toBe(0);
    expect(await volumeDigest(c1.name, 'app_data')).not.toEqual(fresh);

    await resetLab();

    expect(await volumeDigest(c1.name, 'app_data')).toEqual(fresh);
    const client = await hostExec(
      c1.name,
      `ls -d /etc/restic-fleet /var/lib/restic-fleet /etc/cron.d/restic-fleet 2>/dev/null; docker ps --format '{{.Names}}' | sort | tr '\\n' ' '; docker volume ls -q | sort | tr '\\n' ' '`,
    );
    expect(client.stdout.trim()).toBe('app media app_data media_data');
    const srv = await hostExec(server.name, `ls -d /srv/restic 2>/dev/null; docker ps -aq | wc -l; docker network ls --filter type=custom -q | wc -l; docker image ls --format '{{.Repository}}:{{.Tag}}' | grep rest-server | sort | tr '\\n' ' '`);
    expect(srv.stdout.trim().split('\n')).toEqual([
      '0', '0', 'restic-fleet/rest-server:lab restic-fleet/rest-server:lab-dead restic-fleet/rest-server:lab-slow restic-fleet/rest-server:lab2',
    ]);
  });
});
