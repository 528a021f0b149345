import { describe, expect, it } from 'vitest';
import type { DesiredHost } from '../../../src/desired/types.js';
import { applyHost } from '../../../src/apply/host.js';
import { Sessions } from '../../../src/engine/sessions.js';
import type { PlannedChange } from '../../../src/plan/ops.js';
import type { ExecResult, Transport } from '../../../src/remote/transport.js';
import { Secret } from '../../../src/secret.js';
import { FakeFleet } from '../../support/fake-transport.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const host = { name: 'h1', connection: { host: '127.0.0.1', port: 22, user: 'root', become: false, connectTimeoutSeconds: 5, commandTimeoutSeconds: 600 } } as DesiredHost;
const secret = new Secret('apply-host-secret-91f3', 'test');
const ops: PlannedChange[] = [
  { changeId: 'directory:/etc/restic-fleet', op: { op: 'mkdir', path: '/etc/restic-fleet', mode: 0o700 } },
  { changeId: 'file:/etc/restic-fleet/password', op: { op: 'write-file', path: '/etc/restic-fleet/password', mode: 0o600, content: secret } },
  { changeId: '', op: { op: 'repo-verify' } },
];

/** Applies `ops` on a host that answers `res`; returns the result and what the host was sent. */
async function apply(res: ExecResult, planned = ops) {
  const fleet = new FakeFleet({ h1: () => res }, 0);
  const t: Transport = await new Sessions(fleet.factory).get(host);
  const r = await applyHost(t, planned, 321);
  return { r, sent: fleet.execs };
}

describe('applyHost', () => {
  it('sends nothing for a host without ops', async () => {
    const { r, sent } = await apply({ code: 0, stdout: '', stderr: '' }, []);
    expect(r).toEqual({ applied: [] });
    expect(sent).toHaveLength(0);
  });

  it('one round trip: the script in the command, file contents on stdin only, the host timeout passed on', async () => {
    const { r, sent } = await apply({ code: 0, stdout: '@@rf ok directory:/etc/restic-fleet\n@@rf ok file:/etc/restic-fleet/password\n@@rf repo 0 \n', stderr: '' });
    expect(r).toEqual({ applied: ['directory:/etc/restic-fleet', 'file:/etc/restic-fleet/password'], failure: undefined, repo: { status: 'initialised', detail: '' } });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.timeoutSeconds).toBe(321);
    expect(sent[0]!.script).not.toContain(secret.reveal());
    expect(sent[0]!.stdin).toBe(`${b64(secret.reveal())}\n`);
  });

  it('reports the first failure with its message, redacted', async () => {
    const msg = `chmod: cannot access: ${secret.reveal()}`;
    const { r } = await apply({ code: 1, stdout: `@@rf ok directory:/etc/restic-fleet\n@@rf fail file:/etc/restic-fleet/password ${b64(msg)}\n`, stderr: '' });
    expect(r.applied).toEqual(['directory:/etc/restic-fleet']);
    expect(r.failure).toBe('file:/etc/restic-fleet/password: chmod: cannot access: ***');
  });

  it('a failure without a message says "failed"', async () => {
    const { r } = await apply({ code: 1, stdout: '@@rf fail lock \n', stderr: '' });
    expect(r.failure).toBe('lock: failed');
  });

  it('a dropped connection (code null) is a failure even after some steps', async () => {
    const { r } = await apply({ code: null, stdout: '@@rf ok directory:/etc/restic-fleet\n', stderr: '' });
    expect(r.applied).toEqual(['directory:/etc/restic-fleet']);
    expect(r.failure).toBe('the connection dropped or the remote command was killed');
  });

  it('a script that exits non-zero without a marker reports its last stderr lines', async () => {
    const { r } = await apply({ code: 2, stdout: '', stderr: 'one\ntwo\nthree\nfour\n' });
    expect(r.failure).toBe('apply script exited 2: two | three | four');
  });

  it('a repository that does not open after apply is a failure', async () => {
    const { r } = await apply({ code: 0, stdout: `@@rf ok directory:/etc/restic-fleet\n@@rf repo 1 ${b64('Fatal: wrong password or no key found')}\n`, stderr: '' });
    expect(r.repo?.status).toBe('wrong-password');
    expect(r.failure).toBe('repository is wrong-password: Fatal: wrong password or no key found');
  });

  it('a host another run changed answers stale: nothing counts as applied', async () => {
    const { r } = await apply({ code: 0, stdout: '@@rf stale 7\n@@rf ok directory:/etc/restic-fleet\n', stderr: '' });
    expect(r).toEqual({ applied: [], stale: true });
  });
});
