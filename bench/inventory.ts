// Inventory load + validate benchmark: generates an inventory of N hosts (default
// 500) in a temp dir — group_vars shared by all, a host_vars file per host with
// backup sets, templates and env secrets — and prints the time and memory used.
// Prints figures only (no assertions).
//   node --import tsx bench/inventory.ts [hosts] [rounds]
// bench/inventory-caps.ts measures the built CLI (CPU, peak RSS) at 1,000 hosts and at each cap.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/inventory/index.js';

export async function generate(dir: string, hosts: number): Promise<void> {
  const clients = Array.from({ length: hosts - 1 }, (_, i) => `client${String(i + 1).padStart(4, '0')}.example.com`);
  await mkdir(join(dir, 'group_vars', 'client'), { recursive: true });
  await mkdir(join(dir, 'group_vars', 'server'), { recursive: true });
  await mkdir(join(dir, 'host_vars'), { recursive: true });
  const hostsYml = [
    'all:',
    '  children:',
    '    server:',
    '      hosts:',
    '        server.example.com:',
    '    client:',
    '      children:',
    ...Array.from({ length: 10 }, (_, g) => [
      `        rack${g}:`,
      '          hosts:',
      ...clients.filter((_, i) => i % 10 === g).map((c) => `            ${c}:`),
    ]).flat(),
  ];
  await writeFile(join(dir, 'hosts.yml'), `${hostsYml.join('\n')}\n`);
  await writeFile(
    join(dir, 'group_vars', 'all.yml'),
    'docker_network_name: example.com\ndocker_log_driver: "json-file"\ndocker_log_max_size: "10m"\ndocker_log_max_file: "3"\nansible_python_interpreter: /usr/bin/python3\n',
  );
  await writeFile(
    join(dir, 'group_vars', 'client', 'vars.yml'),
    [
      'restic_client_package: "restic=0.14.0-1"',
      'restic_client_user: "{{ inventory_hostname_short }}"',
      'restic_client_password: "{{ vault_restic_client_password }}"',
      'restic_repo: "server.example.com:8080/{{ inventory_hostname_short }}"',
      'restic_repo_password: "{{ vault_restic_repo_password }}"',
      'restic_backup_rotation: { daily: 7, weekly: 4, monthly: 1 }',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'group_vars', 'server', 'vars.yml'),
    'restic_server_image: restic/rest-server:0.14.0\nrestic_server_port: 8080\nrestic_server_options: ["--private-repos"]\n',
  );
  for (const c of clients) {
    const sets = Array.from({ length: 5 }, (_, k) =>
      [`  - id: "volume ${k}"`, '    type: docker-volume', `    volume: app${k}_data`, '    tags: [app, "{{ inventory_hostname_short }}"]', `    minute: "${k * 10}"`].join('\n'),
    );
    await writeFile(join(dir, 'host_vars', `${c}.yml`), `restic_backup_sets:\n${sets.join('\n')}\n`);
  }
}

async function main(): Promise<void> {
  const hosts = Number(process.argv[2] ?? 500);
  const rounds = Number(process.argv[3] ?? 5);
  const dir = await mkdtemp(join(tmpdir(), 'restic-fleet-bench-'));
  try {
    await generate(dir, hosts);
    const env = { VAULT_RESTIC_CLIENT_PASSWORD: 'bench-client-password', VAULT_RESTIC_REPO_PASSWORD: 'bench-repo-password' };
    const times: number[] = [];
    let heapDelta = 0;
    for (let r = 0; r < rounds; r++) {
      global.gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      const t0 = performance.now();
      const result = await loadConfig({ repoRoot: dir, inventoryDir: '.', env });
      times.push(performance.now() - t0);
      heapDelta = Math.max(heapDelta, process.memoryUsage().heapUsed - heapBefore);
      if (result.hosts.length !== hosts) throw new Error(`expected ${hosts} hosts, got ${result.hosts.length}`);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
    console.log(`inventory: ${hosts} hosts (${hosts - 1} clients × 5 backup sets, 1 server), ${rounds} rounds`);
    console.log(`load+validate: first ${fmt(times[0]!)}, median ${fmt(sorted[Math.floor(sorted.length / 2)]!)}, best ${fmt(sorted[0]!)}`);
    console.log(`heap growth during one load (max): ${(heapDelta / 1024 / 1024).toFixed(1)} MiB; rss now ${(process.memoryUsage().rss / 1024 / 1024).toFixed(1)} MiB`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Run as a script (bench/inventory-caps.ts imports generate()).
if (process.argv[1]?.endsWith('inventory.ts')) void main();
