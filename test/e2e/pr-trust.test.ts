// Issue 12, item 5: a pull request is untrusted text. A same-repository PR's plan (the action
// with the SSH key) must not send live credentials to a destination the PR introduced: a
// client whose restic_repo moves to a new URL is planned without the repository check, and a
// host new in the PR is not contacted at all. A listener on the lab network records every
// request; the control run (the operator's own `restic-fleet plan`) shows it would see one.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github.js';
import { withoutMaskLines } from './support/action.js';
import { actionStep, cli, cliConverge } from './support/doors.js';
import { copyLabInventory, editYaml, type InventoryCopy } from './support/engine.js';
import { hostExec, labState, resetLab } from './support/lab.js';

const SERVER = 'server.example.com';
const clients = () => labState().hosts.filter((h) => h.name !== SERVER).map((h) => h.name).sort();

describe('the pull request door sends no live credentials to destinations the PR introduced', () => {
  let copy: InventoryCopy;
  let fake: FakeGitHub;
  let listenerHost: string;
  let sshProbe: net.Server;
  let sshConnections = 0;
  let sshPort = 0;
  const requests = async () => (await hostExec(listenerHost, 'docker logs rf-listener 2>&1')).stdout;

  beforeAll(async () => {
    await resetLab();
    fake = await startFakeGitHub();
    copy = copyLabInventory();
    expect((await cliConverge(copy, 'apply')).code).toBe(0);
    // The listener: busybox httpd on another client's engine, logging every request (-vv).
    listenerHost = clients().at(-1)!;
    const started = await hostExec(listenerHost, 'docker rm -f rf-listener >/dev/null 2>&1; docker run -d --pull never --name rf-listener -p 9999:8080 restic-fleet/app:lab httpd -f -vv -p 8080 -h /tmp');
    expect(started.code, started.stderr).toBe(0);
    // A local TCP port standing in for a new host's sshd: it counts connections.
    sshProbe = net.createServer((s) => {
      sshConnections++;
      s.destroy();
    });
    await new Promise<void>((r) => sshProbe.listen(0, '127.0.0.1', r));
    sshPort = (sshProbe.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await hostExec(listenerHost, 'docker rm -f rf-listener');
    sshProbe?.close();
    await fake?.close();
  });

  it('plans a moved repository without checking it and a new host without contacting it; the comment says so', async () => {
    const c1 = clients()[0]!;
    editYaml(copy, `host_vars/${c1}.yml`, (doc) => doc.set('restic_repo', `${listenerHost}:9999/evil`));
    editYaml(copy, 'hosts.yml', (doc) => {
      const clientsGroup = doc.getIn(['all', 'children', 'client', 'hosts']) as { set: (k: string, v: unknown) => void } | undefined;
      if (!clientsGroup) throw new Error(`unexpected lab hosts.yml layout:\n${doc.toString()}`);
      clientsGroup.set('client77.example.com', { ansible_host: '127.0.0.1', ansible_port: sshPort });
    });

    const r = await actionStep(copy, 'plan', 'pull_request.opened', { apiUrl: fake.url });
    expect(r.code, withoutMaskLines(r.stdout)).toBe(0);
    expect(await requests()).toBe('');
    expect(sshConnections).toBe(0);
    const body = fake.comments('acme', 'infra', 42).at(-1)!.body;
    expect(body).toContain('new destination: not contacted with credentials (restic\\_repo changed in this pull request'); // markdown-escaped
    expect(body).toContain('new destination: not contacted with credentials (a host new in this pull request');
    // The other hosts were planned live: no change on them, but for the shared repository's new
    // designated client (its first client by name once c1 moves away), which takes over the one
    // prune and check job (issue 13).
    expect(JSON.parse(r.outputs['changed-hosts']!).sort()).toEqual([c1, clients()[1]!, 'client77.example.com'].sort());

    // Control: the same inventory planned by the operator's own CLI contacts the new URL.
    await cli(copy, 'plan', [], {});
    expect(await requests()).toMatch(/url:\/evil\/config/);
  });
});
