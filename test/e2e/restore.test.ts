// Issue 6 end to end: restore a backup set on a real lab client over SSH — in place (exact,
// verified, with a safety snapshot and the app container restarted), to a path, refusals
// before anything is stopped, and all-or-nothing when the SSH connection drops or the job
// dies in the middle of the swap. Converge and the restores users run go through the built
// CLI and action as processes; the fault tests (a dropped connection, a job killed at a
// failpoint) need in-process hooks and call the engine's restoreCommand.
import { beforeAll, describe, expect, it } from 'vitest';
import type { RemoteOptions } from '../../src/engine/options.js';
import type { TransportFactory } from '../../src/engine/sessions.js';
import { openTransport } from '../../src/remote/connect.js';
import type { Transport } from '../../src/remote/transport.js';
import { restoreCommand, type RestoreRunOptions } from '../../src/commands/restore.js';
import type { RestoreReport } from '../../src/results/types.js';
import { RESTORE_DIR, type RestoreRequest } from '../../src/restore/types.js';
import { withoutMaskLines } from './support/action.js';
import { actionStep, cliConverge, cliRestore } from './support/doors.js';
import { copyLabInventory, labOptions, type InventoryCopy } from './support/engine.js';
import { hostExec, labState, resetLab } from './support/lab.js';

const SERVER = 'server.example.com';
const SET = 'app volume';
const VOLUME = 'app_data';
const RESTIC_ENV = 'RESTIC_REPOSITORY_FILE=/etc/restic-fleet/repository RESTIC_PASSWORD_FILE=/etc/restic-fleet/password RESTIC_CACHE_DIR=/var/cache/restic-fleet';
// The last client: other e2e files mostly work on the first.
const HOST = labState().hosts.filter((h) => h.name !== SERVER).map((h) => h.name).sort().at(-1)!;

async function sh(cmd: string): Promise<string> {
  const r = await hostExec(HOST, cmd, { timeoutSeconds: 300 });
  if (r.code !== 0) throw new Error(`${HOST}: ${cmd} → exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/**
 * Every entry of a directory tree on the host: type, mode, owner, group, mtime (ns), and
 * for files size + sha256, for symlinks the target. Directory sizes are left out (they
 * depend on a directory's history, not its contents).
 */
async function treeState(dir: string): Promise<Map<string, string>> {
  const out = await sh(
    `cd ${dir} && find . -printf '%y|%m|%U|%G|%T@|%l|%p\\n' && echo @@sums && find . -type f -print0 | xargs -0r sha256sum && echo @@sizes && find . -type f -printf '%s|%p\\n'`,
  );
  const [meta, sums, sizes] = out.split(/^@@\w+$/m);
  const state = new Map<string, string>();
  for (const line of meta!.trim().split('\n')) {
    const [type, mode, uid, gid, mtime, link, ...p] = line.split('|');
    state.set(p.join('|'), `${type} ${mode} ${uid}:${gid} ${mtime}${type === 'l' ? ` -> ${link}` : ''}`);
  }
  for (const line of sizes!.trim().split('\n').filter(Boolean)) {
    const [size, ...p] = line.split('|');
    const k = p.join('|');
    state.set(k, `${state.get(k)} ${size}B`);
  }
  for (const line of sums!.trim().split('\n').filter(Boolean)) {
    const m = /^([0-9a-f]{64}) {2}(.*)$/.exec(line)!;
    state.set(m[2]!, `${state.get(m[2]!)} ${m[1]}`);
  }
  return state;
}

const mountpoint = async (): Promise<string> => (await sh(`docker volume inspect -f '{{.Mountpoint}}' ${VOLUME}`)).trim();
const volumeState = async () => treeState(await mountpoint());
const startedAt = async (c: string) => (await sh(`docker inspect -f '{{.State.Running}} {{.State.StartedAt}}' ${c}`)).trim();
const snapshotsOfSet = async (slug: string) =>
  JSON.parse(await sh(`${RESTIC_ENV} restic snapshots --json --no-lock --host ${HOST} --tag restic-fleet:set=${slug}`)) as Array<{ id: string; short_id: string; tags: string[]; paths: string[] }>;

/** Runs the set's cron command (from /etc/cron.d/restic-fleet) and returns the new snapshot's id. */
async function backupNow(slug: string): Promise<string> {
  const cron = await sh('cat /etc/cron.d/restic-fleet');
  const job = new RegExp(`^\\S+ \\S+ \\* \\* \\* root (.*--set ${slug} .*?) >>`, 'm').exec(cron)?.[1];
  expect(job, cron).toBeDefined();
  const before = new Set((await snapshotsOfSet(slug)).map((s) => s.id));
  await sh(job!);
  const added = (await snapshotsOfSet(slug)).filter((s) => !before.has(s.id));
  expect(added).toHaveLength(1);
  return added[0]!.id;
}

/** Modifies two files, deletes one, adds new ones (one in a new directory), changes a mode. */
async function changeVolume(tag: string): Promise<void> {
  const mp = await mountpoint();
  await sh(
    `cd ${mp} && echo '${tag} changed' > README.txt && echo '${tag}' >> 'notes with space.txt' && rm -f data/d00/s0/f00.txt && ` +
      `echo '${tag} extra' > extra.txt && mkdir -p new-dir/deeper && echo '${tag} new' > new-dir/deeper/new.txt && chmod 0600 data/d01/s1/f01.txt`,
  );
}

function diffStates(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) out.push(`${k}: ${v} ≠ ${b.get(k) ?? '(missing)'}`);
  for (const k of b.keys()) if (!a.has(k)) out.push(`${k}: extra`);
  return out;
}

/** A factory whose transport is closed right after the restore job was launched (a dropped SSH connection). */
function droppingFactory(o: RemoteOptions): { factory: TransportFactory; drops: () => number } {
  let drops = 0;
  const real: TransportFactory = (d) =>
    openTransport({ hostName: d.name, connection: d.connection, privateKey: o.ssh.privateKey, knownHosts: o.ssh.knownHosts, insecureSkipHostKeyCheck: false, warn: () => {} });
  const factory: TransportFactory = async (d) => {
    const t = await real(d);
    const wrapped: Transport = {
      hostName: t.hostName,
      stats: t.stats,
      close: () => t.close(),
      exec: async (cmd, opts) => {
        const r = await t.exec(cmd, opts);
        if (cmd.text.includes('setsid -f')) {
          drops++;
          await t.close();
        }
        return r;
      },
    };
    return wrapped;
  };
  return { factory, drops: () => drops };
}

/** Waits (bounded) until the host has no live restore job. */
async function waitForJobs(seconds = 240): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    const r = await hostExec(HOST, `pgrep -f '[/]${RESTORE_DIR.slice(1)}/' >/dev/null && echo busy || echo idle`);
    if (r.stdout.trim() === 'idle') return;
    await new Promise((res) => setTimeout(res, 1000));
  }
  throw new Error(`a restore job still runs on ${HOST} after ${seconds}s`);
}

describe('restore', () => {
  let copy: InventoryCopy;
  let opts: RemoteOptions;
  let backedUp: Map<string, string>;
  let appSnapshot: string;
  const restore = (req: Partial<RestoreRequest>, run: RestoreRunOptions = {}, o: RemoteOptions = opts) =>
    restoreCommand(o, { host: HOST, set: SET, snapshot: 'latest', target: 'in-place', dryRun: false, ...req }, { pollIntervalMs: 500, ...run });
  /** `restic-fleet restore --json` as a process: its report, or its error message thrown (exit 1 without a report). */
  const restoreCli = async (req: Partial<RestoreRequest>): Promise<RestoreReport> => {
    const r = await cliRestore(copy, { host: HOST, set: SET, ...req });
    if (r.report) return r.report;
    throw new Error(r.stderr.replace(/^restic-fleet: /, '').trim() || `exit ${r.code}`);
  };

  beforeAll(async () => {
    await resetLab();
    copy = copyLabInventory();
    opts = labOptions(copy);
    const applied = await cliConverge(copy, 'apply');
    for (const r of applied.results) expect([r.host, r.outcome === 'failed' || r.outcome === 'skipped' ? r.reason : 'converged']).toEqual([r.host, 'converged']);
    appSnapshot = await backupNow('app-volume');
    backedUp = await volumeState();
    expect(backedUp.size).toBeGreaterThan(2000);
  });

  it('in place: the volume becomes byte-identical to the snapshot, the safety snapshot holds what it replaced, the app runs again', async () => {
    await changeVolume('first');
    const changed = await volumeState();
    expect(diffStates(backedUp, changed).length).toBeGreaterThanOrEqual(6);
    const appBefore = await startedAt('app');
    const mediaBefore = await startedAt('media');

    const r = await restoreCli({});
    expect(r.outcome, r.message).toBe('restored');
    expect(r.snapshot.id).toBe(appSnapshot);
    expect(r.containersStopped).toEqual(['app']);
    expect(r.containersStarted).toEqual(['app']);
    expect(r.files).toBe(2005);
    expect(r.bytes).toBeGreaterThan(0);
    expect(r.verification).toMatch(/restic restore --verify re-read the content of 2005 files; the staged tree matches the snapshot listing: 2005 files, \d+ directories, 1 symlinks/);

    // Exact: every file's checksum, mode, owner and time, no extra file, no missing one.
    expect(diffStates(backedUp, await volumeState())).toEqual([]);
    // The app container was stopped and started again; the other volume's container was not touched.
    const appAfter = await startedAt('app');
    expect(appAfter).toMatch(/^true /);
    expect(appAfter).not.toBe(appBefore);
    expect(await startedAt('media')).toBe(mediaBefore);
    // Nothing left behind: no staging, no old tree, no journal, no container list.
    expect((await sh(`ls -A $(dirname ${await mountpoint()})`)).trim()).toBe('_data');
    expect((await sh(`ls ${RESTORE_DIR} | grep -E 'journal|containers-' || true`)).trim()).toBe('');

    // The safety snapshot: tagged so rotation keeps it, and holding exactly the changed state.
    const safety = (await snapshotsOfSet('app-volume')).find((s) => s.id.startsWith(r.safetySnapshotId!))!;
    expect(safety.tags).toEqual(expect.arrayContaining(['restic-fleet:set=app-volume', 'restic-fleet:pre-restore', expect.stringMatching(/^restic-fleet:keep-until=\d{4}-\d{2}-\d{2}$/)]));
    const target = `/tmp/rf-restore-e2e-safety-${Date.now()}`;
    const appMid = await startedAt('app');
    const p = await restoreCli({ snapshot: r.safetySnapshotId!, target });
    expect(p.outcome, p.message).toBe('restored');
    expect(p.containersStopped).toEqual([]);
    expect(p.safetySnapshotId).toBeUndefined();
    expect(diffStates(changed, await treeState(target))).toEqual([]);
    // Restoring to a path left the live volume and its container alone.
    expect(diffStates(backedUp, await volumeState())).toEqual([]);
    expect(await startedAt('app')).toBe(appMid);
    await sh(`rm -rf ${target}`);

    // `latest` still means the newest regular backup, not the newer safety snapshot.
    const dry = await restoreCli({ dryRun: true });
    expect(dry.outcome).toBe('planned');
    expect(dry.snapshot.id).toBe(appSnapshot);

    // The manual door: workflow_dispatch → the action's restore (here a dry run), its report as an output.
    const step = await actionStep(copy, 'restore', 'workflow_dispatch', { inputs: { host: HOST, set: SET, snapshot: 'latest', target: 'in-place', 'dry-run': 'true' } });
    expect(step.code, withoutMaskLines(step.stdout)).toBe(0);
    expect(JSON.parse(step.outputs.restore!)).toMatchObject({ outcome: 'planned', snapshot: { id: appSnapshot } });
    expect(step.summary).toContain(appSnapshot.slice(0, 8));
  });

  it('refuses, before stopping anything, a snapshot of another set, an unknown host or set, and bad targets', async () => {
    const mediaSnapshot = await backupNow('media-volume');
    await changeVolume('refusals');
    const before = await volumeState();
    const app = await startedAt('app');
    const media = await startedAt('media');
    const jobsBefore = await sh(`ls ${RESTORE_DIR}`);

    await expect(restoreCli({ snapshot: mediaSnapshot.slice(0, 8) })).rejects.toThrow(
      new RegExp(`snapshot ${mediaSnapshot.slice(0, 8)} does not belong to set "app volume" \\(tag restic-fleet:set=app-volume\\) on host ${HOST.replace(/\./g, '\\.')}: it belongs to host ${HOST.replace(/\./g, '\\.')}, set "media-volume"`),
    );
    await expect(restoreCli({ host: 'client99.example.com' })).rejects.toThrow(/host "client99\.example\.com" is not in the inventory; its backup clients: "client01\.example\.com"/);
    await expect(restoreCli({ host: SERVER })).rejects.toThrow(/is not a backup client/);
    await expect(restoreCli({ set: 'nope' })).rejects.toThrow(`host ${HOST} has no backup set "nope"; its sets: "app volume", "media volume"`);
    await expect(restoreCli({ snapshot: 'deadbeef' })).rejects.toThrow(/no snapshot "deadbeef" of set "app volume"/);
    await expect(restoreCli({ target: `${await mountpoint()}/sub` })).rejects.toThrow(/is inside the live volume app_data/);
    await expect(restoreCli({ target: 'relative/dir' })).rejects.toThrow(/target "relative\/dir" is neither "in-place" nor an absolute path on the host/);
    await expect(restoreCli({ target: '/etc' })).rejects.toThrow(/target \/etc is not empty/);
    const dry = await restoreCli({ dryRun: true });
    expect(dry.outcome).toBe('planned');
    expect(dry.message).toMatch(/would stop container\(s\) app, take a safety snapshot/);

    expect(await startedAt('app')).toBe(app);
    expect(await startedAt('media')).toBe(media);
    expect(diffStates(before, await volumeState())).toEqual([]);
    expect(await sh(`ls ${RESTORE_DIR}`)).toBe(jobsBefore); // no job was even started
  });

  it('survives a dropped SSH connection: the detached job finishes, the local side reconnects and reports', async () => {
    await changeVolume('drop');
    const dropping = droppingFactory(opts);
    const r = await restore({ snapshot: appSnapshot }, { reconnectDelayMs: 500 }, { ...opts, transportFactory: dropping.factory });
    expect(dropping.drops()).toBe(1);
    expect(r.outcome, r.message).toBe('restored');
    expect(r.message).toMatch(/SSH connection dropped 1 time\(s\)/);
    expect(diffStates(backedUp, await volumeState())).toEqual([]);
    expect(await startedAt('app')).toMatch(/^true /);
  });

  it('all or nothing when the connection is lost for good and the job dies between the two renames; the next restore completes it', async () => {
    await changeVolume('crash');
    const changed = await volumeState();
    const dropping = droppingFactory(opts);
    // No reconnects: the local side gives up at once, the job runs on alone and dies mid-swap.
    const lost = await restore({ snapshot: appSnapshot }, { failpoint: 'between-renames', reconnectAttempts: 0 }, { ...opts, transportFactory: dropping.factory });
    expect(lost.outcome).toBe('failed');
    expect(lost.message).toMatch(/lost the connection .* the restore job keeps running there on its own/);
    await waitForJobs();

    // The job died after the first rename: the live directory is gone, the journal knows both halves.
    const mp = await mountpoint();
    expect((await sh(`ls -A $(dirname ${mp})`)).trim().split('\n').sort()).toEqual([expect.stringMatching(/^\.rf-new-/), expect.stringMatching(/^\.rf-old-/)]);
    expect((await sh(`cat ${RESTORE_DIR}/swap-app-volume.journal`))).toMatch(/^run .*\nmp .*\nold .*\nnew .*\n$/);
    expect(await startedAt('app')).toMatch(/^false /);

    // The next restore (of the pre-change snapshot) first settles the interrupted swap, then restores.
    const next = await restore({ snapshot: appSnapshot });
    expect(next.outcome, next.message).toBe('restored');
    expect(next.message).toMatch(/recovery: completed the interrupted swap of run .*: volume restored/);
    expect(diffStates(backedUp, await volumeState())).toEqual([]);
    expect(await startedAt('app')).toMatch(/^true /);
    expect((await sh(`ls -A $(dirname ${mp})`)).trim()).toBe('_data');
    // Its safety snapshot holds the fully restored state the recovery completed, not a half.
    const target = `/tmp/rf-restore-e2e-crash-${Date.now()}`;
    await restore({ snapshot: next.safetySnapshotId!, target });
    expect(diffStates(backedUp, await treeState(target))).toEqual([]);
    expect(diffStates(changed, backedUp).length).toBeGreaterThan(0);
    await sh(`rm -rf ${target}`);
  });

  it('a job that dies is settled at once: rolled back before the swap, completed after its first rename, containers restarted', async () => {
    for (const [failpoint, expectRestored] of [
      ['after-stop', false],
      ['before-swap', false],
      ['between-renames', true],
      ['after-swap', true],
    ] as const) {
      await changeVolume(failpoint);
      const changed = await volumeState();
      const r = await restore({ snapshot: appSnapshot }, { failpoint });
      expect(r.message, failpoint).toMatch(new RegExp(`the restore job died in phase (stop|swap)`));
      expect(r.outcome, `${failpoint}: ${r.message}`).toBe(expectRestored ? 'restored' : 'failed');
      expect(diffStates(expectRestored ? backedUp : changed, await volumeState()), failpoint).toEqual([]);
      expect(await startedAt('app'), failpoint).toMatch(/^true /);
      expect(r.containersStarted, failpoint).toEqual(['app']);
      expect((await sh(`ls -A $(dirname ${await mountpoint()})`)).trim(), failpoint).toBe('_data');
      if (failpoint !== 'after-stop') expect(r.message, failpoint).toMatch(/safety snapshot [0-9a-f]{8}/);
    }
    // And the next plain restore works.
    const r = await restore({ snapshot: appSnapshot.slice(0, 8) });
    expect(r.outcome, r.message).toBe('restored');
    expect(diffStates(backedUp, await volumeState())).toEqual([]);
    // Nothing the killed jobs left behind survives a later run: no journal, container list or work directory.
    expect((await sh(`ls -A ${RESTORE_DIR} | grep -E '^\\.work|journal|^containers-' || true`)).trim()).toBe('');
  });
});
