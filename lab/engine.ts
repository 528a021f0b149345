import { spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { DOCKERD_LOG } from './config.js';
import { docker, log, must, run, sleep } from './run.js';

let aptUpdated: Promise<void> | undefined;

const onPath = async (cmd: string): Promise<boolean> => (await run('sh', ['-c', `command -v ${cmd}`], { timeoutSeconds: 5 })).code === 0;

/**
 * Installs Debian packages that are missing (idempotent: installed ones are skipped without
 * touching apt). Off Debian it says exactly what is missing instead.
 */
export async function ensurePackages(pkgs: Array<{ pkg: string; cmd: string }>): Promise<void> {
  const missing: string[] = [];
  for (const { pkg, cmd } of pkgs) if (!(await onPath(cmd))) missing.push(pkg);
  if (missing.length === 0) return;
  if (!(await onPath('apt-get'))) {
    throw new Error(
      `the lab needs ${missing.join(', ')} (commands: ${pkgs.filter((p) => missing.includes(p.pkg)).map((p) => p.cmd).join(', ')}), ` +
        'and this is not a Debian/Ubuntu system with apt-get: install them with your package manager and run again.',
    );
  }
  if (process.getuid?.() !== 0) throw new Error(`the lab needs ${missing.join(', ')} installed; run as root (apt-get) or install them first`);
  await aptUpdate();
  log(`installing ${missing.join(' ')} (apt-get)`);
  await must('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
    timeoutSeconds: 600,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  }, `apt-get install ${missing.join(' ')}`);
}

/** Once per process, even when several builds ask at the same time (apt takes a lock). */
export function aptUpdate(): Promise<void> {
  aptUpdated ??= must('apt-get', ['update'], { timeoutSeconds: 300 }, 'apt-get update').then(
    () => undefined,
    (e: unknown) => {
      aptUpdated = undefined;
      throw e;
    },
  );
  return aptUpdated;
}

export const engineAnswers = async (): Promise<boolean> =>
  (await docker(['version', '--format', '{{.Server.Version}}'], { timeoutSeconds: 15 })).code === 0;

/**
 * A Docker engine that answers: the running one if any; else on Debian install docker.io
 * and start dockerd ourselves (no init system here), logging to DOCKERD_LOG.
 */
export async function ensureEngine(): Promise<void> {
  await ensurePackages([{ pkg: 'docker.io', cmd: 'docker' }]);
  if (await engineAnswers()) return;
  if (!(await onPath('dockerd'))) {
    if (!(await onPath('apt-get'))) {
      throw new Error(
        'no Docker engine answers and dockerd is not installed; this is not a Debian system, so install Docker Engine ' +
          '(dockerd with overlay2 and iptables) yourself, start it, and run again',
      );
    }
    await aptUpdate();
    log('installing docker.io (apt-get) for dockerd');
    await must('apt-get', ['install', '-y', '--no-install-recommends', 'docker.io'], {
      timeoutSeconds: 600,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }, 'apt-get install docker.io');
  }
  if (existsSync('/var/run/docker.pid') || existsSync('/run/docker.pid')) {
    // A dockerd killed hard leaves its pid file; dockerd refuses to start while it names a live process only.
    log('found a docker pid file from an earlier dockerd; dockerd will replace it if that process is gone');
  }
  log(`starting dockerd (log: ${DOCKERD_LOG})`);
  const out = openSync(DOCKERD_LOG, 'a');
  // setsid + detached: the engine outlives this process (it is shared machine state, like a service).
  const child = spawn('setsid', ['dockerd'], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (await engineAnswers()) {
      log('dockerd is up');
      return;
    }
    await sleep(1000);
  }
  const tail = (await run('tail', ['-n', '20', DOCKERD_LOG], { timeoutSeconds: 5 })).stdout;
  throw new Error(`dockerd did not answer within 90s; last lines of ${DOCKERD_LOG}:\n${tail}`);
}
