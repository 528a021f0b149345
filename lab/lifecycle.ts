import { connect } from 'node:net';
import { join } from 'node:path';
import {
  LAB_DIR, LABEL, MAX_CLIENTS, NETWORK, PREFIX, SERVER_NAME, shareDir, stateDir, SUBNET, topology, type HostKind, type HostSpec,
} from './config.js';
import { labDatabasesIfWanted } from './db-lab.js';
import { engineAnswers, ensureEngine } from './engine.js';
import { ensureImages } from './images.js';
import {
  addIsolationRule, foreignPrefixContainers, labContainers, labNetworkExists, labVolumes, removeIsolationRule,
  removeLeftoverCgroups,
} from './objects.js';
import { withLabLock } from './lock.js';
import { docker, log, mustDocker, pool, sleep, timed } from './run.js';
import { newKeyPair, readState, removeState, statePaths, writeState, type LabHost, type LabStateFile } from './state.js';

const roleOf = (name: string): 'server' | 'client' => (name === SERVER_NAME ? 'server' : 'client');

/** Every docker exec into a host goes through the lab's own script, bounded. */
const hostScript = (container: string, args: string[], timeoutSeconds: number) =>
  docker(['exec', container, 'sh', '/opt/rf-lab/lab-host.sh', ...args], { timeoutSeconds });

async function mustHostScript(container: string, args: string[], timeoutSeconds: number): Promise<void> {
  const r = await hostScript(container, args, timeoutSeconds);
  if (r.code !== 0) throw new Error(`${container}: lab-host.sh ${args.join(' ')} failed (exit ${r.code ?? 'timeout'}):\n${r.stderr.trim()}`);
}

export interface Health {
  healthy: boolean;
  problems: string[];
}

/** A lab is healthy when every host of state.json runs, kept its port, and its engine answered (init.sh's marker). */
export async function checkHealth(state: LabStateFile): Promise<Health> {
  const problems: string[] = [];
  await pool(state.hosts, 12, async (h) => {
    const r = await docker(['inspect', '-f', '{{.State.Running}} {{(index (index .NetworkSettings.Ports "22/tcp") 0).HostPort}}', h.container], { timeoutSeconds: 30 });
    if (r.code !== 0) return void problems.push(`${h.name}: container ${h.container} is missing`);
    const [running, port] = r.stdout.trim().split(' ');
    if (running !== 'true') return void problems.push(`${h.name}: container ${h.container} is not running`);
    if (Number(port) !== h.sshPort) problems.push(`${h.name}: sshd is published on ${port}, state.json says ${h.sshPort}`);
    const ready = await docker(['exec', h.container, 'test', '-e', '/run/rf-lab/ready'], { timeoutSeconds: 30 });
    if (ready.code !== 0) problems.push(`${h.name}: its docker engine is not ready`);
  });
  return { healthy: problems.length === 0, problems };
}

/** Waits until sshd on 127.0.0.1:port sends its banner: the published port really leads to sshd. */
async function waitSshBanner(name: string, port: number, timeoutSeconds = 60): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      const done = (v: boolean) => {
        s.destroy();
        resolve(v);
      };
      s.setTimeout(3000, () => done(false));
      s.once('data', (d) => done(d.toString().startsWith('SSH-')));
      s.once('error', () => done(false));
    });
    if (ok) return;
    await sleep(500);
  }
  throw new Error(`${name}: sshd on 127.0.0.1:${port} sent no SSH banner within ${timeoutSeconds}s`);
}

function runArgs(h: HostSpec, image: string, publicKey: string): string[] {
  return [
    'run', '-d', '--name', h.container, '--hostname', h.name.split('.')[0]!,
    '--label', `${LABEL}=1`, '--label', `${LABEL}.host=${h.name}`,
    '--network', NETWORK, '--ip', h.ip, '--network-alias', h.name,
    '-p', '127.0.0.1::22',
    // Docker-in-docker without --privileged (unavailable here): see FIELD-NOTES, "The lab's container engine".
    '--cap-add', 'SYS_ADMIN', '--cap-add', 'NET_ADMIN', '--cap-add', 'SYS_PTRACE',
    '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined', '--security-opt', 'systempaths=unconfined',
    '-v', `${h.volume}:/var/lib/docker`,
    '-v', `${join(LAB_DIR, 'host')}:/opt/rf-lab:ro`,
    '-v', `${shareDir()}:/opt/rf-lab-share:ro`,
    '-e', `RF_LAB_HOST=${h.name}`, '-e', `RF_LAB_PREFIX=${PREFIX}`, '-e', `RF_LAB_AUTHORIZED_KEY=${publicKey}`,
    '--init', '--entrypoint', '/bin/sh',
    image, '/opt/rf-lab/init.sh',
  ];
}

export interface UpOptions {
  clients: number;
}

/**
 * Brings the lab up (or reuses a healthy one with the same number of clients) and writes the
 * state dir. Stale lab objects from a crashed run are removed first.
 */
export function up(opts: UpOptions): Promise<LabStateFile> {
  return withLabLock(() => upLocked(opts));
}

async function upLocked(opts: UpOptions): Promise<LabStateFile> {
  const n = opts.clients;
  if (!Number.isInteger(n) || n < 1 || n > MAX_CLIENTS) throw new Error(`--clients must be 1..${MAX_CLIENTS}, got ${n}`);
  if (!/^\d+\.\d+\.\d+\.0\/24$/.test(SUBNET)) throw new Error(`RF_LAB_SUBNET must be an x.y.z.0/24 network, got ${SUBNET}`);
  const t0 = Date.now();
  await timed('engine', ensureEngine);
  const hosts = topology(n);
  const images = await timed('images', () => ensureImages([...new Set(hosts.map((h) => h.kind))]));

  const existing = await labContainers();
  const state = readState();
  if (existing.length > 0 && state) {
    const health = await checkHealth(state);
    // Same hosts, each of the kind the topology gives it now, on its kind's current image.
    for (const h of hosts) {
      const had = state.hosts.find((x) => x.name === h.name);
      if (!had) continue;
      const image = (await docker(['inspect', '-f', '{{.Config.Image}}', had.container])).stdout.trim();
      if (health.healthy && (had.kind !== h.kind || image !== images.host[h.kind])) {
        health.healthy = false;
        health.problems.push(`${h.name} runs ${image} (${had.kind ?? 'no kind'}), the topology wants ${h.kind} on ${images.host[h.kind]}`);
      }
    }
    if (health.healthy && existing.length === state.hosts.length) {
      if (state.clients !== n) {
        throw new Error(`a lab with ${state.clients} clients is running; run \`npm run lab -- down\` first to get ${n}`);
      }
      log(`reusing the running lab (${n} clients, state in ${stateDir()})`);
      await labDatabasesIfWanted(state.hosts, n);
      return state;
    }
    log(`the lab found is not healthy (${health.problems.join('; ') || 'unexpected containers'}); recreating it`);
  }
  if (existing.length > 0 || (await labNetworkExists()) || (await labVolumes()).length > 0) {
    if (!state) log(`removing stale lab objects from an earlier run: ${existing.map((c) => c.name).join(', ') || 'network/volumes'}`);
    await down();
  }
  const foreign = await foreignPrefixContainers();
  if (foreign.length) throw new Error(`containers named ${foreign.join(', ')} exist but were not made by the lab; remove or rename them`);

  try {
    const result = await create(hosts, images.host);
    log(`lab up: 1 server + ${n} clients in ${((Date.now() - t0) / 1000).toFixed(1)}s; state in ${stateDir()}`);
    return result;
  } catch (e) {
    if (process.env.RF_LAB_KEEP_FAILED === '1') log('RF_LAB_KEEP_FAILED=1: leaving the failed lab for inspection');
    else {
      log('up failed; removing what it created');
      await down().catch((d) => log(`cleanup after the failure failed too: ${String(d)}`));
    }
    throw e;
  }
}

async function create(hosts: HostSpec[], images: Record<HostKind, string>): Promise<LabStateFile> {
  const n = hosts.filter((h) => h.role === 'client').length;
  const { privateKey, publicKey } = newKeyPair();
  await timed('network + containers', async () => {
    const net = await docker(['network', 'create', '--driver', 'bridge', '--subnet', SUBNET, '--label', `${LABEL}=1`, NETWORK]);
    if (net.code !== 0) throw new Error(`cannot create network ${NETWORK} on ${SUBNET} (another network there? set RF_LAB_SUBNET): ${net.stderr.trim()}`);
    await addIsolationRule();
    await pool(hosts, 6, async (h) => {
      await mustDocker(['volume', 'create', '--label', `${LABEL}=1`, h.volume]);
      await mustDocker(runArgs(h, images[h.kind], publicKey), { timeoutSeconds: 120 }, `docker run ${h.container}`);
    });
  });
  await timed('inner engines ready', () => pool(hosts, hosts.length, (h) => mustHostScript(h.container, ['wait', '180'], 200)));

  const labHosts: LabHost[] = await pool(hosts, 12, async (h) => {
    const port = Number((await mustDocker(['port', h.container, '22/tcp'])).trim().split('\n')[0]!.split(':').pop());
    if (!port) throw new Error(`${h.container}: no published ssh port`);
    const version = await mustDocker(['exec', h.container, 'restic', 'version']);
    const restic = /restic (\d+\.\d+\.\d+)/.exec(version)?.[1];
    if (!restic) throw new Error(`${h.container}: unexpected \`restic version\` output: ${version}`);
    return { name: h.name, container: h.container, sshPort: port, ip: h.ip, kind: h.kind, restic };
  });
  // Loading images and copying the volumes' data is I/O bound; a few at a time keeps the disk busy without thrashing it.
  await timed('images + volumes + apps in hosts', () => pool(hosts, 4, (h) => mustHostScript(h.container, ['setup', h.role], 300)));
  await labDatabasesIfWanted(labHosts, n);

  const hostKeys = new Map<string, string>();
  await pool(labHosts, 12, async (h) => {
    await waitSshBanner(h.name, h.sshPort);
    const pub = await mustDocker(['exec', h.container, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub']);
    hostKeys.set(h.name, pub.trim().split(/\s+/).slice(0, 2).join(' '));
  });
  const state: LabStateFile = { network: NETWORK, subnet: SUBNET, hosts: labHosts, clients: n };
  writeState({ state, privateKey, publicKey, hostKeys });
  return state;
}

/** Removes everything the lab created and nothing else; works on half-created and crashed labs too. */
export function down(): Promise<void> {
  return withLabLock(downLocked);
}

async function downLocked(): Promise<void> {
  const t0 = Date.now();
  if (!(await engineAnswers())) {
    // Nothing of ours can run without the engine; leftovers on its disk are removed by the next `up`.
    log('no docker engine answers: removing the state dir and the isolation rule only');
    await removeIsolationRule(SUBNET).catch(() => {});
    removeState();
    return;
  }
  const containers = await labContainers();
  // Inner containers first, through each host's own engine, so their cgroups go with them.
  await pool(containers.filter((c) => c.running), 12, (c) => hostScript(c.name, ['teardown'], 90));
  await pool(containers, 12, (c) => mustDocker(['rm', '-f', '-v', c.name], { timeoutSeconds: 120 }));
  if (await labNetworkExists()) await mustDocker(['network', 'rm', NETWORK], { timeoutSeconds: 60 });
  for (const v of await labVolumes()) await mustDocker(['volume', 'rm', '-f', v], { timeoutSeconds: 60 });
  const state = readState();
  await removeIsolationRule(SUBNET);
  if (state && state.subnet !== SUBNET) await removeIsolationRule(state.subnet);
  removeLeftoverCgroups();
  removeState();
  log(`lab down (${containers.length} containers) in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}

/** Returns a running lab to its fresh state without recreating containers (see lab-host.sh reset). */
export function reset(): Promise<void> {
  return withLabLock(resetLocked);
}

async function resetLocked(): Promise<void> {
  const t0 = Date.now();
  const state = readState();
  if (!state) throw new Error(`no lab state in ${stateDir()}: run \`npm run lab -- up\` first`);
  const health = await checkHealth(state);
  if (!health.healthy) throw new Error(`the lab is not healthy, reset cannot fix that (run down, then up):\n${health.problems.join('\n')}`);
  await pool(state.hosts, 6, (h) => mustHostScript(h.container, ['reset', roleOf(h.name)], 180));
  await labDatabasesIfWanted(state.hosts, state.clients);
  log(`lab reset (${state.hosts.length} hosts) in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}

/** Prints what runs; exit code 0 healthy, 1 unhealthy or partial, 3 down. */
export async function status(): Promise<number> {
  const state = readState();
  if (!(await engineAnswers())) {
    console.log(`no docker engine answers${state ? ` (state.json in ${stateDir()} is left from a lab that cannot run now)` : ''}; \`npm run lab -- up\` starts one`);
    return state ? 1 : 3;
  }
  const containers = await labContainers().catch(() => [] as Array<{ name: string; running: boolean }>);
  if (!state && containers.length === 0) {
    console.log('lab is down');
    return 3;
  }
  if (!state) {
    console.log(`lab is broken: containers without state (${containers.map((c) => c.name).join(', ')}); run \`npm run lab -- down\``);
    return 1;
  }
  const health = await checkHealth(state);
  console.log(`lab ${health.healthy ? 'is up' : 'is NOT healthy'}: network ${state.network} ${state.subnet}, ${state.clients} clients, state in ${stateDir()}`);
  for (const h of state.hosts) {
    console.log(`  ${h.name.padEnd(22)} ${h.container.padEnd(18)} ssh 127.0.0.1:${h.sshPort}  ${h.ip.padEnd(14)} ${h.kind ?? '?'} restic ${h.restic ?? '?'}`);
  }
  const p = statePaths();
  console.log(`  key ${p.key}\n  known_hosts ${p.knownHosts}\n  inventory ${p.inventoryDir}\n  secrets ${p.secrets}`);
  for (const pr of health.problems) console.log(`  problem: ${pr}`);
  return health.healthy ? 0 : 1;
}

