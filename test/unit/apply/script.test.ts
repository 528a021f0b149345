import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderApply } from '../../../src/apply/script.js';
import { buildDesired } from '../../../src/desired/build.js';
import { buildProbe } from '../../../src/facts/probe.js';
import { buildPlan, type BuiltPlan } from '../../../src/plan/build.js';
import { clientHost, serverHost } from '../../support/host-config.js';

const secrets = ['server-pass-123', 'repo-pass-456'];
const forms = (s: string) => [s, Buffer.from(s).toString('base64').replace(/=+$/, ''), encodeURIComponent(s)];

describe('secrets stay out of command text', () => {
  const desired = buildDesired([serverHost('server.example.com'), clientHost('c1')]).hosts;
  const fresh = new Map(
    desired.map((d) => [
      d.name,
      {
        ok: true as const,
        facts: {
          host: d.name,
          uid: 0,
          server: d.server ? { dockerVersion: '20.10', networkExists: false } : undefined,
          client: d.client
            ? { resticVersion: '0.14.0', resticPackageVersion: '0.14.0-1', dockerVersion: '20.10', files: {}, dirs: {}, volumes: {}, repo: { status: 'absent' as const, detail: '' } }
            : undefined,
        },
      },
    ]),
  );
  let ops: BuiltPlan['ops'];
  beforeAll(async () => {
    ({ ops } = await buildPlan(desired, fresh));
  });

  it('the apply script carries file contents only on stdin, base64-encoded', () => {
    for (const [host, hostOps] of ops) {
      const { command, stdin } = renderApply(hostOps);
      for (const s of secrets) for (const f of forms(s)) expect(command.text, host).not.toContain(f);
      if (host === 'c1') {
        const decoded = stdin.trim().split('\n').map((l) => Buffer.from(l, 'base64').toString('utf8')).join('\n');
        expect(decoded).toContain('repo-pass-456');
        expect(decoded).toContain('rest:http://admin:server-pass-123@server.example.com:8080/backup');
      }
    }
  });

  it('the probe carries the repository credentials only on stdin', () => {
    const probe = buildProbe(desired.find((d) => d.name === 'c1')!, { checkRepo: true });
    for (const s of secrets) for (const f of forms(s)) expect(probe.command.text).not.toContain(f);
    const [url, password, want, end] = probe.stdin!.split('\n');
    expect([url, password, end]).toEqual(['rest:http://admin:server-pass-123@server.example.com:8080/backup', 'repo-pass-456', '']);
    // sha256 of the two credential files as apply writes them: the probe reuses a recent check only when they are unchanged.
    expect(want).toBe(createHash('sha256').update(`${url}\n${password}\n`).digest('hex'));
    expect(buildProbe(desired.find((d) => d.name === 'c1')!, { checkRepo: false }).stdin).toBeUndefined();
  });

  it('runs the server ops in order and reports each change once', () => {
    const { command } = renderApply(ops.get('server.example.com')!);
    const oks = [...command.text.matchAll(/^ok (\S+)$/gm)].map((m) => m[1]);
    expect(oks).toEqual(['directory:/srv/restic', 'htpasswd-user:admin', 'file:/srv/restic/.htpasswd', 'network:example.com', 'container:restic01']);
    expect(command.text).toMatch(/docker run --name restic01 --detach --restart unless-stopped --publish 8080:8000 --volume \/srv\/restic:\/data --network example.com --log-driver json-file --log-opt max-size=10m --log-opt max-file=3 --label restic-fleet.managed=true --label restic-fleet.spec-hash=[0-9a-f]+ restic\/rest-server:0.9.7/);
    expect(command.text).toContain('flock -w 300 8');
  });
});
