import { readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LABEL, NETWORK, PREFIX, SUBNET } from './config.js';
import { docker, mustDocker, run } from './run.js';

/** The lab's own containers: name prefix AND label (a same-named container without our label is someone else's). */
export async function labContainers(): Promise<Array<{ name: string; running: boolean }>> {
  const out = await mustDocker(['ps', '-a', '--filter', `label=${LABEL}`, '--format', '{{.Names}}\t{{.State}}']);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'))
    .filter(([name]) => name!.startsWith(`${PREFIX}-`))
    .map(([name, state]) => ({ name: name!, running: state === 'running' }));
}

/** Containers that carry our prefix but not our label: they would block `docker run --name`; never removed by us. */
export async function foreignPrefixContainers(): Promise<string[]> {
  const out = await mustDocker(['ps', '-a', '--format', '{{.Names}}\t{{.Label "' + LABEL + '"}}']);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'))
    .filter(([name, label]) => name!.startsWith(`${PREFIX}-`) && !label)
    .map(([name]) => name!);
}

export async function labVolumes(): Promise<string[]> {
  const out = await mustDocker(['volume', 'ls', '-q', '--filter', `label=${LABEL}`]);
  return out.split('\n').filter((v) => v.startsWith(`${PREFIX}-`));
}

export async function labNetworkExists(): Promise<boolean> {
  const out = await mustDocker(['network', 'ls', '--filter', `label=${LABEL}`, '--format', '{{.Name}}']);
  return out.split('\n').includes(NETWORK);
}

/** The lab subnet may not reach anything outside itself (DOCKER-USER is consulted for forwarded traffic). */
const isolationRule = (subnet: string): string[] => ['DOCKER-USER', '-s', subnet, '!', '-d', subnet, '-j', 'DROP'];

export async function addIsolationRule(subnet = SUBNET): Promise<void> {
  const rule = isolationRule(subnet);
  if ((await run('iptables', ['-C', ...rule], { timeoutSeconds: 30 })).code === 0) return;
  const r = await run('iptables', ['-I', ...rule.slice(0, 1), '1', ...rule.slice(1)], { timeoutSeconds: 30 });
  if (r.code !== 0) {
    throw new Error(
      `could not add the isolation rule to DOCKER-USER (does the engine manage iptables?): ${r.stderr.trim()}`,
    );
  }
}

export async function removeIsolationRule(subnet = SUBNET): Promise<void> {
  const rule = isolationRule(subnet);
  for (let i = 0; i < 10; i++) {
    if ((await run('iptables', ['-C', ...rule], { timeoutSeconds: 30 })).code !== 0) return;
    await run('iptables', ['-D', ...rule], { timeoutSeconds: 30 });
  }
}

/**
 * Inner engines put their containers' cgroups under /rf-lab/<host> of the machine's cgroup v1
 * hierarchies (see host/init.sh). A host removed before its inner containers (a crash) leaves
 * those directories behind, empty: remove them, deepest first, only empty ones (rmdir).
 */
export function removeLeftoverCgroups(): void {
  const root = '/sys/fs/cgroup';
  let controllers: string[];
  try {
    controllers = readdirSync(root);
  } catch {
    return;
  }
  const rmTree = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e);
      try {
        if (statSync(p).isDirectory()) rmTree(p);
      } catch {
        // vanished meanwhile
      }
    }
    try {
      rmdirSync(dir);
    } catch {
      // still in use or not empty of control files in a way rmdir accepts: leave it
    }
  };
  for (const c of controllers) rmTree(join(root, c, PREFIX));
}

export async function containerRunning(name: string): Promise<boolean> {
  const r = await docker(['inspect', '-f', '{{.State.Running}}', name], { timeoutSeconds: 30 });
  return r.code === 0 && r.stdout.trim() === 'true';
}
