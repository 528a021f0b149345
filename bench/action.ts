// Benchmark of the door users time (prints figures, asserts nothing): the built action,
// `node dist/index.js`, run as the GitHub runner runs it against the lab, 1 server + N clients.
//   npm run build && npm run bench -- [--clients N] [--light] [--rounds R] [--no-engine]
// Per run: wall time, cold start (spawn to first output), peak RSS of the action process, and
// per host the SSH connections and round trips counted by the hosts' sshd. Then the engine-only
// figures (bench/converge.ts: in-process applyCommand, no process start, no report).
// Brings the lab up with N clients if needed (another count or kind is replaced), resets it,
// and leaves it up; `npm run lab -- down` removes it. --light: light clients (no docker engine,
// one `path` set each: see lab/inventory.ts).
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkHealth, down, reset, up } from '../lab/lifecycle.js';
import { docker, pool } from '../lab/run.js';
import { parseEnvFile, readState, statePaths, type LabStateFile } from '../lab/state.js';
import { REPO_ROOT, runDoor, type DoorOptions, type DoorRun } from './door.js';
import { countSince, summarise, type HostCount } from './sshd-count.js';

interface Args {
  clients: number;
  light: boolean;
  rounds: number;
  engine: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { clients: 10, light: process.env.RF_LAB_LIGHT === '1', rounds: 3, engine: true };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = () => Number(inline ?? argv[++i]);
    if (flag === '--clients') a.clients = value();
    else if (flag === '--rounds') a.rounds = value();
    else if (flag === '--light') a.light = true;
    else if (flag === '--no-engine') a.engine = false;
    else throw new Error(`unknown option ${argv[i]}; usage: npm run bench -- [--clients N] [--light] [--rounds R] [--no-engine]`);
  }
  if (!Number.isInteger(a.clients) || a.clients < 1 || a.clients > 99) throw new Error('--clients must be 1..99');
  if (!Number.isInteger(a.rounds) || a.rounds < 1 || a.rounds > 20) throw new Error('--rounds must be 1..20');
  return a;
}

async function ensureLab(a: Args): Promise<LabStateFile> {
  const existing = readState();
  const sameKind = existing?.hosts.filter((h) => h.name !== 'server.example.com').every((h) => (h.light ?? false) === a.light);
  if (!existing || existing.clients !== a.clients || !sameKind || !(await checkHealth(existing)).healthy) {
    if (existing) await down();
    return up({ clients: a.clients, light: a.light });
  }
  return existing;
}

interface Row {
  run: string;
  door: DoorRun;
  counts: HostCount[];
  extra?: string;
}

const load = (): string => `load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function printTable(rows: Row[]): void {
  const head = ['run', 'exit', 'wall', 'cold start', 'peak RSS', 'conn/host', 'round trips/host (min-max, mean)', 'hosts off the common count'];
  const body = rows.map((r) => {
    const sum = summarise(r.counts);
    const range = (x: { min: number; max: number }) => (x.min === x.max ? `${x.min}` : `${x.min}-${x.max}`);
    return [
      r.run,
      String(r.door.code ?? 'timeout'),
      s(r.door.wallMs) + (r.extra ?? ''),
      `${Math.round(r.door.coldStartMs)} ms`,
      r.door.peakRssMiB ? `${r.door.peakRssMiB.toFixed(0)} MiB` : '-',
      range(sum.connections),
      `${range(sum.sessions)}, ${sum.sessions.mean.toFixed(1)}`,
      sum.outliers.map((o) => `${o.host.split('.')[0]} ${o.connections}/${o.sessions}`).join(' ') || '-',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const b of body) console.log(line(b));
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  if (a.light) process.env.RF_LAB_LIGHT = '1'; // for the engine-only child and any `up`
  const state = await ensureLab(a);
  await reset();
  const p = statePaths();
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'rf-bench-ws-'));
  cpSync(p.inventoryRoot, workspace, { recursive: true });
  const base: Omit<DoorOptions, 'command' | 'event'> = {
    workspace,
    inputs: {
      inventory: 'inventories/lab',
      'ssh-private-key': readFileSync(p.key, 'utf8'),
      'known-hosts': readFileSync(p.knownHosts, 'utf8'),
    },
    env: parseEnvFile(readFileSync(p.secrets, 'utf8')),
    timeoutSeconds: 600,
  };
  const kind = a.light ? 'light (sshd, cron, restic; no docker engine; one path set each)' : 'full (own dockerd, 2 docker-volume sets each)';
  console.log(`restic-fleet action benchmark: node dist/index.js as the runner runs it; 1 server + ${a.clients} clients, ` +
    `clients ${kind}; ${os.cpus().length} cores; concurrency input default; no-op rounds ${a.rounds}; ${load()}`);

  const rows: Row[] = [];
  const step = async (run: string, command: string, event: DoorOptions['event']): Promise<Row> => {
    const since = new Date(Date.now() - 50); // docker logs timestamps are the daemon's: the same clock
    const door = await runDoor({ ...base, command, event });
    const counts = await countSince(state.hosts, since);
    if (door.code !== 0) {
      console.log(`\n${run}: exit ${door.code ?? 'timeout'}; last lines:\n${(door.stdout + door.stderr).trim().split('\n').slice(-15).join('\n')}`);
    }
    return { run, door, counts };
  };

  rows.push(await step('first apply (fresh hosts)', 'apply', 'push.main'));
  // A fleet's no-op is the run after a night of backups: every set's cron job runs once, so the
  // runner has written the status records the report reads (else restic snapshots runs per set).
  const backedUp = await pool(state.hosts.filter((h) => h.name !== 'server.example.com'), 6, (h) =>
    docker(['exec', h.container, 'sh', '-c', "sed -n 's/^[^#].* root \\(.* backup .*\\) >>.*/\\1/p' /etc/cron.d/restic-fleet | while IFS= read -r job; do sh -c \"$job\" > /dev/null 2>&1 || echo failed; done"], { timeoutSeconds: 600 }),
  );
  const failedBackups = backedUp.filter((r) => r.code !== 0 || r.stdout.includes('failed')).length;
  console.log(`every set's cron job ran once on ${backedUp.length} clients${failedBackups ? ` (${failedBackups} with a failed job)` : ''}`);
  const noops: Row[] = [];
  for (let i = 0; i < a.rounds; i++) noops.push(await step('no-op apply', 'apply', 'push.main'));
  const byWall = [...noops].sort((x, y) => x.door.wallMs - y.door.wallMs);
  const median = byWall[Math.floor(byWall.length / 2)]!;
  rows.push({
    ...median,
    run: `no-op apply (median of ${a.rounds})`,
    extra: a.rounds > 1 ? ` (${s(byWall[0]!.door.wallMs)}-${s(byWall.at(-1)!.door.wallMs)})` : '',
  });
  rows.push(await step('plan', 'plan', 'workflow_dispatch'));
  rows.push(await step('snapshots', 'snapshots', 'workflow_dispatch'));
  rmSync(workspace, { recursive: true, force: true });

  console.log(`\nthe action as a process (wall: spawn to exit; cold start: spawn to first output; peak RSS: /usr/bin/time %M;` +
    `\nconnections and round trips: per host, from the hosts' sshd logs; "name c/r" lists hosts off the common count):`);
  printTable(rows);
  // The lab's hosts share the machine's cores with everything else running: say how busy it was.
  console.log(`${load()} at the end`);

  if (a.engine) {
    console.log('\nengine-only figures (bench/converge.ts: applyCommand in-process, no process start, no inventory reload, no snapshot report):');
    await engineOnly(a.clients);
  }
}

/** bench/converge.ts as a child: its own process, so its RSS and timings are not ours. */
function engineOnly(clients: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'bench/converge.ts')], {
      env: { ...process.env, RF_BENCH_CLIENTS: String(clients) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 900_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`bench/converge.ts exited ${code ?? 'by a signal (timeout 900 s)'}`));
    });
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
