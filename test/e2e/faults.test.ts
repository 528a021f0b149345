// Issue 12, item 7: faults survived, as users meet them through the CLI. Each case says what
// the user sees: a host down, the server down, the SSH connection (the apply script) killed
// mid-apply, a wrong host key, the server's data directory read-only, two applies at once.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { cli, cliConverge } from './support/doors.js';
import { copyLabInventory, editYaml, type InventoryCopy } from './support/engine.js';
import { hostExec, labHost, labState, resetLab } from './support/lab.js';
import { docker } from '../../lab/run.js';

const SERVER = 'server.example.com';
const clients = () => labState().hosts.filter((h) => h.name !== SERVER).map((h) => h.name).sort();
const all = () => [SERVER, ...clients()].sort();

async function sh(host: string, cmd: string): Promise<string> {
  const r = await hostExec(host, cmd, { timeoutSeconds: 300 });
  if (r.code !== 0) throw new Error(`${host}: ${cmd} → exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Path, mode and sha256 of everything restic-fleet writes on a host (no times: a rewrite with equal content is equal). */
const managed = (host: string): Promise<string> =>
  sh(host, 'for f in /etc/restic-fleet/* /etc/cron.d/restic-fleet /usr/local/lib/restic-fleet/run /srv/restic/.htpasswd; do [ -e "$f" ] && stat -c "%n %a" "$f" && sha256sum < "$f"; done; true');

/** Leftover temporary files of an interrupted write (write_file's `.rf.XXXXXX`). */
const leftovers = (host: string): Promise<string> =>
  sh(host, 'ls -A /etc/restic-fleet /etc/cron.d /usr/local/lib/restic-fleet /var/lib/restic-fleet 2>/dev/null | grep "^\\.rf\\." || true');

/** An inventory copy whose hosts give up connecting after 3 s (a host that is down does not answer). */
function quickCopy(): InventoryCopy {
  const copy = copyLabInventory();
  editYaml(copy, 'group_vars/all.yml', (doc) => doc.set('restic_fleet_connect_timeout', 3));
  return copy;
}

async function paused<T>(host: string, fn: () => Promise<T>): Promise<T> {
  const c = labHost(host).container;
  await docker(['pause', c]);
  try {
    return await fn();
  } finally {
    await docker(['unpause', c]);
  }
}

describe('faults', () => {
  beforeEach(resetLab);

  it('a client host down: the others converge, the run fails and the table names the host', async () => {
    const copy = quickCopy();
    const down = clients().at(-1)!;
    const out = await paused(down, () => cliConverge(copy, 'apply'));
    expect(out.code).toBe(1);
    const by = Object.fromEntries(out.results.map((r) => [r.host, r]));
    expect(by[down]!.outcome).toBe('failed');
    expect(by[down]!.reason).toMatch(/timed out|timeout/i);
    for (const h of all().filter((x) => x !== down)) expect([h, by[h]!.outcome]).toEqual([h, 'changed']);
    // The human table names it too.
    const table = await paused(down, () => cli(copy, 'plan'));
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(new RegExp(`${down.replace(/\./g, '\\.')}\\s.*failed`));
    // Once it is back, the next run converges it.
    const next = await cliConverge(copy, 'apply');
    expect(next.results.map((r) => [r.host, r.outcome])).toEqual(all().map((h) => [h, h === down ? 'changed' : 'ok']));
  });

  it('the server down: its clients are skipped with that reason and nothing on them changes', async () => {
    const copy = quickCopy();
    const before = await Promise.all(clients().map(managed));
    const out = await paused(SERVER, () => cliConverge(copy, 'apply'));
    expect(out.code).toBe(1);
    const by = Object.fromEntries(out.results.map((r) => [r.host, r]));
    expect(by[SERVER]!.outcome).toBe('failed');
    for (const c of clients()) {
      expect(by[c]!.outcome).toBe('skipped');
      expect(by[c]!.reason).toMatch(/^its server server\.example\.com failed: /);
    }
    expect(await Promise.all(clients().map(managed))).toEqual(before);
  });

  it('the apply killed mid-way on a host (connection lost): no half-written file, and the next run converges it', async () => {
    const copy = copyLabInventory();
    const victim = clients()[0]!;
    // Kill the apply script on the victim as soon as it starts writing files (bounded: 60 s).
    const killer = hostExec(victim, 'i=0; while [ $i -lt 6000 ]; do pkill -KILL -f "[w]rite_file" && exit 0; i=$((i+1)); sleep 0.01; done; exit 1', { timeoutSeconds: 90 });
    const out = await cliConverge(copy, 'apply');
    expect((await killer).code).toBe(0);
    const r = out.results.find((x) => x.host === victim)!;
    expect(r.outcome).toBe('failed');
    expect(r.reason).toMatch(/connection dropped or the remote command was killed|exited/);
    // Every file that exists is complete: the ones present hash to what the next (converging) run leaves.
    const partial = await managed(victim);
    const next = await cliConverge(copy, 'apply');
    expect(next.results.find((x) => x.host === victim)!.outcome).toBe('changed');
    const converged = await managed(victim);
    for (const entry of partial.split(/\n(?=\/)/).filter(Boolean)) expect(converged).toContain(entry);
    expect(await leftovers(victim)).toBe('');
    const again = await cliConverge(copy, 'apply');
    expect(again.results.every((x) => x.outcome === 'ok')).toBe(true);
  });

  it('a wrong host key: the host fails before anything is sent and is left untouched', async () => {
    const copy = copyLabInventory();
    const victim = clients()[0]!;
    const other = clients()[1]!;
    const lab = labState();
    // The victim's pinned key replaced by another host's key.
    const lines = readFileSync(lab.knownHostsPath, 'utf8').split('\n');
    const keyOf = (h: string) => lines.find((l) => l.startsWith(`[127.0.0.1]:${labHost(h).sshPort} `))!.split(' ').slice(1).join(' ');
    const forged = lines.map((l) => (l.startsWith(`[127.0.0.1]:${labHost(victim).sshPort} `) ? `[127.0.0.1]:${labHost(victim).sshPort} ${keyOf(other)}` : l));
    const known = path.join(copy.repoRoot, 'known_hosts.forged');
    writeFileSync(known, forged.join('\n'));
    const out = await cli(copy, 'apply', ['--json', '--known-hosts', known]);
    expect(out.code).toBe(1);
    const result = (JSON.parse(out.stdout) as { results: Array<{ host: string; outcome: string; reason?: string; roundTrips?: number }> }).results.find((x) => x.host === victim)!;
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/host key/i);
    expect(result.roundTrips ?? 0).toBe(0);
    expect((await hostExec(victim, 'test -e /etc/restic-fleet; echo $?')).stdout.trim()).toBe('1');
  });

  it('the server\'s data directory read-only: the failing backup is reported by snapshots', async () => {
    const copy = copyLabInventory();
    // /srv/restic on its own small filesystem, so it can be made read-only under the running server.
    await sh(SERVER, 'mkdir -p /srv/restic && mount -t tmpfs -o size=64m tmpfs /srv/restic');
    try {
      expect((await cliConverge(copy, 'apply')).code).toBe(0);
      await sh(SERVER, 'mount -o remount,ro /srv/restic');
      const c1 = clients()[0]!;
      const cron = await sh(c1, 'cat /etc/cron.d/restic-fleet');
      const job = /^\S+ \S+ \* \* \* root (.*--set app-volume .*?) >>/m.exec(cron)![1]!;
      const backup = await hostExec(c1, job, { timeoutSeconds: 280 });
      expect(backup.code).not.toBe(0);
      const snaps = await cli(copy, 'snapshots', ['--json']);
      const report = JSON.parse(snaps.stdout) as { hosts: Array<{ host: string; sets: Array<{ setId: string; failing: boolean; lastRun?: { status: string; exitCode?: number } }> }> };
      const set = report.hosts.find((h) => h.host === c1)!.sets.find((s) => s.setId === 'app volume')!;
      expect(set.failing).toBe(true);
      expect(set.lastRun).toMatchObject({ status: 'failed' });
      const text = await cli(copy, 'snapshots');
      expect(text.stdout).toMatch(/1 failing|failing/);
    } finally {
      await hostExec(SERVER, 'docker rm -f restic01 >/dev/null 2>&1; umount /srv/restic');
    }
  }, 400_000);

  it('two applies at once on the same hosts are serialised; the result equals one apply', async () => {
    const copy = copyLabInventory();
    const [a, b] = await Promise.all([cliConverge(copy, 'apply'), cliConverge(copy, 'apply')]);
    for (const r of [a, b]) expect(r.results.filter((x) => x.outcome === 'failed')).toEqual([]);
    expect((await sh(SERVER, 'ls /srv/restic/backup/keys | wc -l')).trim()).toBe('1');
    const third = await cliConverge(copy, 'apply');
    expect(third.results.map((r) => [r.host, r.outcome])).toEqual(all().map((h) => [h, 'ok']));
    for (const c of clients()) expect((await hostExec(c, 'restic --repository-file /etc/restic-fleet/repository --password-file /etc/restic-fleet/password check')).code).toBe(0);
  }, 400_000);
});
