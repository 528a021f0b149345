// Issue 13 (runner side) end to end on the lab's two clients: client01 runs restic 0.14
// (bookworm), client02 restic 0.18 (trixie). Set types as cron runs them: docker-volume with
// stop: true (restarted after success, after a restic failure, and by the next run after the
// runner was killed), a path set, postgres dumps (good and broken), pings to a listener on the
// client's own engine, the node_exporter textfile, and the one pruner of the shared repository.
// The database is a fake: test/e2e/support/databases.ts was not on main when this was written,
// so the "postgres" container is the lab's busybox app image with a pg_dump script that prints
// known rows (or fails for the database "missing"), run as the postgres user docker exec asks for.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { beforeAll, describe, expect, it } from 'vitest';
import { withoutMaskLines, workflowCommands } from './support/action.js';
import { actionStep, cli, cliConverge } from './support/doors.js';
import { copyLabInventory, type InventoryCopy } from './support/engine.js';
import { hostExec, labState, resetLab } from './support/lab.js';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SERVER = 'server.example.com';
const CLIENTS = labState().hosts.filter((h) => h.name !== SERVER).map((h) => h.name).sort();
const RESTIC_ENV = 'RESTIC_REPOSITORY_FILE=/etc/restic-fleet/repository RESTIC_PASSWORD_FILE=/etc/restic-fleet/password RESTIC_CACHE_DIR=/var/cache/restic-fleet';
const TEXTFILE = '/var/lib/node_exporter/textfile/restic-fleet.prom';
const pingUuid = (host: string, set: string) => `${set}-${host.split('.')[0]}-7c1e9d0a`;

async function sh(host: string, cmd: string): Promise<string> {
  const r = await hostExec(host, cmd, { timeoutSeconds: 280 });
  if (r.code !== 0) throw new Error(`${host}: ${cmd} → exit ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

// The fake postgres: pg_dump prints rows and the end marker, fails for database "missing",
// and hangs for database "slow" (one process, as a real pg_dump is).
const FAKE_PG_DUMP = `#!/bin/sh
[ "$(id -un)" = postgres ] || { echo "pg_dump: run as $(id -un), not postgres" >&2; exit 1; }
[ "$PGPASSWORD" = "$POSTGRES_PASSWORD" ] || { echo "pg_dump: no password from the environment" >&2; exit 1; }
for a; do db=$a; done
echo "-- PostgreSQL database dump of $db"
if [ "$db" = missing ]; then echo 'pg_dump: error: connection to server failed: FATAL:  database "missing" does not exist' >&2; exit 1; fi
if [ "$db" = slow ]; then exec sleep 600; fi
echo "COPY public.items (id, name) FROM stdin;"
i=1; while [ $i -le 50 ]; do echo "$i	row-$i"; i=$((i + 1)); done
echo "-- PostgreSQL database dump complete"
`;
const PING_HANDLER = `#!/bin/sh
IFS= read -r line; echo "$line" >> /tmp/requests.log
printf 'HTTP/1.0 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok'
`;

async function setUpHost(host: string): Promise<void> {
  await sh(
    host,
    `docker rm -f fakepg pinger > /dev/null 2>&1
docker run -d --name fakepg -e POSTGRES_PASSWORD=pg-env-pw restic-fleet/app:lab sh -c 'trap "exit 0" TERM; while :; do sleep 1; done' > /dev/null
docker exec -i fakepg sh -c 'cat > /bin/pg_dump && chmod 755 /bin/pg_dump && echo "postgres:x:70:70::/tmp:/bin/sh" >> /etc/passwd' <<'EOF_DUMP'
${FAKE_PG_DUMP}EOF_DUMP
docker run -d --name pinger -p 8099:8099 restic-fleet/app:lab sh -c 'trap "exit 0" TERM; while :; do nc -l -p 8099 -e /handler; done' > /dev/null
docker exec -i pinger sh -c 'cat > /handler && chmod 755 /handler' <<'EOF_H'
${PING_HANDLER}EOF_H`,
  );
}

function writeHostVars(copy: InventoryCopy, host: string, port: number): void {
  const v = (set: string) => `vault_ping_${set.replace(/-/g, '_')}`;
  writeFileSync(
    path.join(copy.dir, 'host_vars', `${host}.yml`),
    `ansible_host: 127.0.0.1
ansible_port: ${port}
ansible_user: root
restic_textfile_path: ${TEXTFILE}
restic_backup_sets:
  - {id: "app volume", type: docker-volume, volume: app_data, stop: true, tags: [app, lab], hour: "1", minute: "0", ping_url: "{{ ${v('app')} }}"}
  - id: ssh config
    type: path
    paths: [/etc/ssh]
    exclude: ["ssh_host_*_key"]
    hour: "2"
  - {id: pg app, type: postgres, container: fakepg, database: app, hour: "3", pre: "test -S /var/run/docker.sock", ping_url: "{{ ${v('pg')} }}"}
  - {id: pg broken, type: postgres, container: fakepg, database: missing, hour: "3", minute: "30", ping_url: "{{ ${v('broken')} }}"}
  - {id: pg slow, type: postgres, container: fakepg, database: slow, dump_timeout: 10, hour: "4", minute: "30"}
restic_backup_rotation: {daily: 7, weekly: 4, monthly: 1}
`,
  );
}

/** Runs a set's cron command as cron would (from /etc/cron.d/restic-fleet); returns its exit code. */
async function runJob(host: string, slug: string, env = ''): Promise<number | null> {
  const cron = await sh(host, 'cat /etc/cron.d/restic-fleet');
  const job = new RegExp(`^\\S+ \\S+ \\* \\* \\* root (.*--set ${slug} .*?) >>`, 'm').exec(cron)?.[1];
  expect(job, cron).toBeDefined();
  return (await hostExec(host, `${env} ${job} >> /var/log/restic-fleet/${slug}.log 2>&1`, { timeoutSeconds: 280 })).code;
}
const status = async (host: string, slug: string) => JSON.parse(await sh(host, `cat /var/lib/restic-fleet/status/${slug}.json`)) as Record<string, unknown>;
const snapshots = async (host: string, slug: string) =>
  JSON.parse(await sh(host, `${RESTIC_ENV} restic snapshots --json --no-lock --host ${host} --tag restic-fleet:set=${slug}`)) as Array<{ id: string; paths: string[] }>;
const appState = async (host: string) => (await sh(host, "docker inspect -f '{{.State.Running}} {{.State.StartedAt}}' app")).trim();

let copy: InventoryCopy;
const env = () => {
  const e: Record<string, string> = { ...labState().secretsEnv };
  for (const host of CLIENTS) {
    // One URL per set and host would need per-host variables; the sets share the names, the hosts the listener port.
    e.VAULT_PING_APP = `http://127.0.0.1:8099/ping/${pingUuid('all', 'app')}`;
    e.VAULT_PING_PG = `http://127.0.0.1:8099/ping/${pingUuid('all', 'pg')}`;
    e.VAULT_PING_BROKEN = `http://127.0.0.1:8099/ping/${pingUuid('all', 'broken')}`;
    void host;
  }
  return e;
};

beforeAll(async () => {
  await resetLab();
  copy = copyLabInventory();
  for (const h of labState().hosts.filter((x) => x.name !== SERVER)) writeHostVars(copy, h.name, h.sshPort);
  await Promise.all(CLIENTS.map(setUpHost));
  const r = await cliConverge(copy, 'apply', { env: env() });
  expect(r.code, r.stderr + r.stdout.slice(-3000)).toBe(0);
}, 600_000);

describe.each(CLIENTS)('set types on %s', (host) => {
  it('stop: true stops the app container around the backup and starts it again, also when restic fails or the runner is killed', async () => {
    const before = await appState(host);
    expect(await runJob(host, 'app-volume')).toBe(0);
    const after = await appState(host);
    expect(after.startsWith('true ')).toBe(true);
    expect(after).not.toBe(before);
    expect(await status(host, 'app-volume')).toMatchObject({ status: 'ok', type: 'docker-volume', stopped: 'app', exit: 0 });
    expect((await status(host, 'app-volume')).files_new).toEqual(expect.any(Number));

    // restic fails (wrong repository password): the container still comes back.
    await sh(host, 'cp /etc/restic-fleet/password /root/pw.keep && echo wrong > /etc/restic-fleet/password');
    try {
      expect(await runJob(host, 'app-volume')).not.toBe(0);
    } finally {
      await sh(host, 'cp /root/pw.keep /etc/restic-fleet/password');
    }
    const afterFail = await appState(host);
    expect(afterFail.startsWith('true ')).toBe(true);
    expect(afterFail).not.toBe(after);
    expect(await status(host, 'app-volume')).toMatchObject({ status: 'failed' });

    // The runner killed (SIGKILL: no trap) once the container is down: the next run starts it.
    const cron = await sh(host, 'cat /etc/cron.d/restic-fleet');
    const job = /^\S+ \S+ \* \* \* root (.*--set app-volume .*?) >>/m.exec(cron)![1]!;
    await sh(
      host,
      `${job} >> /var/log/restic-fleet/app-volume.log 2>&1 & pid=$!
i=0; while [ "$(docker inspect -f '{{.State.Running}}' app)" = true ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 $pid; i=0; while pgrep -x restic > /dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done`,
    );
    expect((await appState(host)).startsWith('false ')).toBe(true);
    expect((await sh(host, 'cat /var/lib/restic-fleet/stopped/app-volume')).trim()).toBe('app');
    expect(await runJob(host, 'app-volume')).toBe(0);
    expect((await appState(host)).startsWith('true ')).toBe(true);
    expect((await hostExec(host, 'test -e /var/lib/restic-fleet/stopped/app-volume')).code).not.toBe(0);
  });

  it('a path set backs up its paths without the excluded files', async () => {
    expect(await runJob(host, 'ssh-config')).toBe(0);
    const [snap] = await snapshots(host, 'ssh-config');
    expect(snap!.paths).toEqual(['/etc/ssh']);
    const files = await sh(host, `${RESTIC_ENV} restic ls --no-lock ${snap!.id}`);
    expect(files).toContain('/etc/ssh/sshd_config');
    expect(files).not.toMatch(/ssh_host_\w+_key\n/);
    expect(await status(host, 'ssh-config')).toMatchObject({ status: 'ok', type: 'path' });
  });

  it('a postgres dump streams into a snapshot; a broken dump fails and leaves no snapshot', async () => {
    expect(await runJob(host, 'pg-app')).toBe(0);
    const [snap] = await snapshots(host, 'pg-app');
    expect(snap!.paths).toEqual(['/pg-app-app.sql']);
    const dump = await sh(host, `${RESTIC_ENV} restic dump --no-lock ${snap!.id} /pg-app-app.sql`);
    expect(dump).toContain('50\trow-50');
    expect(dump.trimEnd().endsWith('-- PostgreSQL database dump complete')).toBe(true);
    const st0 = await status(host, 'pg-app');
    expect(st0).toMatchObject({ status: 'ok', type: 'postgres' });
    expect(snap!.id.startsWith(String(st0.snapshot))).toBe(true); // restic 0.14's summary gives the short id

    expect(await runJob(host, 'pg-broken')).not.toBe(0);
    expect(await snapshots(host, 'pg-broken')).toEqual([]);
    const st = await status(host, 'pg-broken');
    expect(st).toMatchObject({ status: 'failed', snapshot: '' });
    expect(String(st.message)).toMatch(/database "missing" does not exist/);
  });

  it('a dump past its dump_timeout is ended inside the container: the run fails, leaves no snapshot and nothing running', async () => {
    expect(await sh(host, 'cat /etc/cron.d/restic-fleet')).toMatch(/ --set pg-slow --type postgres --container fakepg --database slow --dump-timeout 10 >>/);
    expect(await runJob(host, 'pg-slow')).not.toBe(0); // runJob gives up after 280 s: the dump alone would take 600
    expect(await snapshots(host, 'pg-slow')).toEqual([]);
    const st = await status(host, 'pg-slow');
    expect(st).toMatchObject({ status: 'failed', snapshot: '' });
    expect(String(st.message)).toContain('dump in container fakepg timed out after 10s');
    // The dump inside the container is gone too, not only the docker exec client on the host.
    expect(await sh(host, 'docker exec fakepg ps')).not.toContain('sleep 600');
  });

  it('pings the listener (start, success, the exit code), the URLs only in root-only files', async () => {
    const requests = await sh(host, 'docker exec pinger cat /tmp/requests.log');
    expect(requests).toContain(`GET /ping/${pingUuid('all', 'app')}/start HTTP/1.0`);
    expect(requests).toContain(`GET /ping/${pingUuid('all', 'app')} HTTP/1.0`);
    expect(requests).toMatch(new RegExp(`GET /ping/${pingUuid('all', 'app')}/[1-9]\\d* HTTP/1.0`)); // the restic failure
    expect(requests).toMatch(new RegExp(`GET /ping/${pingUuid('all', 'broken')}/[1-9]\\d* HTTP/1.0`));
    expect(requests).toContain(`GET /ping/${pingUuid('all', 'pg')} HTTP/1.0`);
    const leaks = await hostExec(host, `grep -rl 7c1e9d0a /var/log/restic-fleet /var/lib/restic-fleet /etc/cron.d /usr/local/lib/restic-fleet`);
    expect(leaks.stdout).toBe('');
    expect((await sh(host, 'stat -c %a /etc/restic-fleet/app-volume.ping /etc/restic-fleet')).split('\n').filter(Boolean)).toEqual(['600', '700']);
  });

  it('removes a stale lock of a killed restic on this host (plain unlock) and records it', async () => {
    // A backup that never ends, killed with SIGKILL: its lock stays in the repository.
    await sh(
      host,
      `rm -f /tmp/stale.fifo && mkfifo /tmp/stale.fifo
${RESTIC_ENV} restic backup --stdin --stdin-filename stale.txt --host ${host} --tag stale-lock-test < /tmp/stale.fifo > /dev/null 2>&1 & rp=$!
exec 7> /tmp/stale.fifo
i=0; while [ -z "$(${RESTIC_ENV} restic --no-lock list locks 2> /dev/null)" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill -9 $rp; exec 7>&-; rm -f /tmp/stale.fifo`,
    );
    expect((await sh(host, `${RESTIC_ENV} restic --no-lock list locks`)).trim()).toMatch(/^[0-9a-f]{64}$/);
    await new Promise((r) => setTimeout(r, 2000));
    // The documented age is 2 h; the test shortens it to one second through the runner's variable.
    expect(await runJob(host, 'ssh-config', 'RESTIC_FLEET_STALE_LOCK_AGE=1')).toBe(0);
    expect(String((await status(host, 'ssh-config')).unlocked)).toMatch(/^removed stale lock [0-9a-f]{8} \(pid \d+, since /);
    expect((await sh(host, `${RESTIC_ENV} restic --no-lock list locks`)).trim()).toBe('');
    expect(await sh(host, 'cat /var/log/restic-fleet/ssh-config.log')).not.toContain('--remove-all');
  });

  it('writes the node_exporter textfile in Prometheus text format', async () => {
    const text = await sh(host, `cat ${TEXTFILE}`);
    const families = Object.fromEntries(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
    const exit = (job: string) => families['restic_fleet_last_exit_code']!.metrics.find((m) => m.labels?.job === job)?.value;
    expect(exit('app-volume')).toBe('0');
    expect(exit('pg-app')).toBe('0');
    expect(Number(exit('pg-broken'))).toBeGreaterThan(0);
    expect(Number(families['restic_fleet_last_success_timestamp_seconds']!.metrics.find((m) => m.labels?.job === 'pg-app')!.value)).toBeGreaterThan(Date.now() / 1000 - 3600);
    for (const line of text.trim().split('\n')) expect(line).toMatch(/^(# TYPE [a-z_]+ gauge|[a-z_]+\{job="[a-z0-9-]+",type="[a-z-]+"\} \d+)$/);
  });
});

describe('shared repository and status', () => {
  it('every client forgets without --prune; only the first client prunes, once', async () => {
    for (const host of CLIENTS) {
      const cron = await sh(host, 'cat /etc/cron.d/restic-fleet');
      expect(cron).not.toContain('--prune');
      expect(cron.includes('/run prune ')).toBe(host === CLIENTS[0]);
    }
    const first = CLIENTS[0]!;
    const job = /^\S+ \S+ \* \* \* root (.* prune --host \S+)/m.exec(await sh(first, 'cat /etc/cron.d/restic-fleet'))![1]!;
    expect((await hostExec(first, `${job} >> /var/log/restic-fleet/prune.log 2>&1`, { timeoutSeconds: 280 })).code).toBe(0);
    expect(await status(first, 'prune')).toMatchObject({ status: 'ok', type: 'prune' });
  });

  it('`snapshots` shows the broken dump as failing and the good sets with their last run', async () => {
    const r = await cli(copy, 'snapshots', ['--json'], { env: env() });
    const report = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { hosts: Array<{ host: string; sets: Array<{ slug: string; failing: boolean; lastRun?: { status: string; bytesAdded?: number; type?: string } }> }> };
    for (const host of CLIENTS) {
      const sets = Object.fromEntries(report.hosts.find((h) => h.host === host)!.sets.map((s) => [s.slug, s]));
      expect(sets['pg-broken']!.failing).toBe(true);
      expect(sets['pg-app']!.failing).toBe(false);
      expect(sets['pg-app']!.lastRun).toMatchObject({ status: 'ok', type: 'postgres', bytesAdded: expect.any(Number) });
    }
  });

  it('the action\'s `snapshots` step: the broken dump is failing in the job summary and a warning annotation; the prune shows on its one client', async () => {
    const r = await actionStep(copy, 'snapshots', 'push.main', { env: env() });
    expect(r.code, r.stdout.slice(-3000)).toBe(0);
    const warnings = workflowCommands(r.stdout, 'warning');
    const sections = r.summary.split('<h3>').slice(1);
    for (const host of CLIENTS) {
      const w = warnings.find((x) => x.props.title === `Backup stale and failing: pg broken on ${host}`);
      expect(w?.message, r.stdout.slice(-3000)).toContain('database "missing" does not exist');
      const section = sections.find((x) => x.startsWith(`<code>${host}</code>`))!;
      expect(section).toMatch(/<tr><td>pg broken<\/td>.*<td>failed \(exit \d+\) [^<]*database "missing" does not exist[^<]*<\/td><td>⚠️ stale ❌ failing<\/td><\/tr>/);
      expect(section).toMatch(/<tr><td>pg app<\/td>.*<td>✅ ok<\/td><\/tr>/);
      // The one pruner of the shared repository shows its prune (run above); nobody else has one.
      if (host === CLIENTS[0]) expect(section).toMatch(/<p>✅ repository prune \(restic prune, once for every client\): ok \d{4}-\d\d-\d\d \d\d:\d\d UTC, in \d+ s<\/p>/);
      else expect(section).not.toContain('prune');
    }
    expect(r.summary.match(/repository prune/g)).toHaveLength(1);
    // The check has not run on this lab yet: the pruner says so rather than showing nothing.
    expect(r.summary.match(/repository check/g)).toHaveLength(1);
    expect(sections.find((x) => x.startsWith(`<code>${CLIENTS[0]}</code>`))).toContain('⏳ repository check (restic check --read-data-subset): skipped: no check has run yet');
    // The ping URLs are secrets: registered with the runner's masking, and nowhere else in what the step wrote.
    expect(workflowCommands(r.stdout, 'add-mask').map((c) => c.message)).toContain(env().VAULT_PING_BROKEN);
    for (const text of [withoutMaskLines(r.stdout), r.stderr, r.summary, r.outputsFile]) expect(text).not.toContain('7c1e9d0a');
  });

  it('a set removed from the inventory leaves the textfile at the next job run (its fragment stays on disk)', async () => {
    const host = CLIENTS.at(-1)!;
    expect(await sh(host, `cat ${TEXTFILE}`)).toContain('job="pg-slow"');
    const file = path.join(copy.dir, 'host_vars', `${host}.yml`);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^ {2}- \{id: pg slow.*\n/m, ''));
    const r = await cliConverge(copy, 'apply', { env: env() });
    expect(r.code, r.stderr + r.stdout.slice(-3000)).toBe(0);
    expect(await sh(host, 'cat /etc/cron.d/restic-fleet')).not.toContain('pg-slow');
    expect(await runJob(host, 'ssh-config')).toBe(0);
    const text = await sh(host, `cat ${TEXTFILE}`);
    expect(text).toContain('job="ssh-config"');
    expect(text).not.toContain('job="pg-slow"');
    expect(await sh(host, 'ls /var/lib/restic-fleet/status')).toContain('pg-slow.prom');
  });
});
