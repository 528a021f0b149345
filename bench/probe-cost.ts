// What one no-op probe costs: host CPU (the `times` builtin around N runs inside each lab
// host, via docker exec) and controller CPU (process.cpuUsage around build + parse).
// Run on a converged lab: RF_LAB_DIR=... node --import tsx bench/probe-cost.ts [runs]
// Per part: the probe's pieces timed alone the same way (see PARTS).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadDesired } from '../src/engine/load.js';
import { buildProbe } from '../src/facts/probe.js';
import { parseProbe } from '../src/facts/parse.js';
import { stateDir } from '../lab/config.js';

const runs = Number(process.argv[2] ?? 10);
const state = JSON.parse(readFileSync(path.join(stateDir(), 'state.json'), 'utf8')) as { hosts: Array<{ name: string; container: string }> };
const env: Record<string, string> = { ...(process.env as Record<string, string>) };
for (const line of readFileSync(path.join(stateDir(), 'secrets.env'), 'utf8').split('\n')) {
  const m = /^([A-Z_]+)=(.*)$/.exec(line);
  if (m) env[m[1]!] = m[2]!;
}
async function main(): Promise<void> {
const { desired } = await loadDesired({ repoRoot: process.cwd(), inventory: path.join(stateDir(), 'inventory/inventories/lab'), env } as never);

/** Children's user+sys CPU (ms) per run of `body`, from `times` in the host's shell. */
function hostCpuMs(container: string, body: string, stdin = ''): number {
  // The stdin (repository credentials) goes to a 0600 file for the runs, removed after.
  const wrapper = `umask 077; f=/root/.rf-probe-cost; cat > "$f"; i=0
while [ "$i" -lt ${runs} ]; do sh -c "$0" < "$f" > /dev/null 2>&1; i=$((i + 1)); done; rm -f "$f"; times`;
  const out = execFileSync('docker', ['exec', '-i', container, 'sh', '-c', wrapper, body], { input: stdin, encoding: 'utf8' });
  const child = out.trim().split('\n').at(-1)!; // "0m0.120s 0m0.040s": children user, sys
  const secs = [...child.matchAll(/(\d+)m([\d.]+)s/g)].reduce((t, m) => t + Number(m[1]) * 60 + Number(m[2]), 0);
  return Math.round((secs * 1000) / runs);
}

const PARTS: Record<string, string> = {
  'docker version': `docker version --format '{{.Server.Version}}'`,
  'docker volume ls': `docker volume ls --format '{{.Name}} {{.Mountpoint}}'`,
  'docker inspect container': `docker inspect --type container --format '{{json .}}' restic01`,
  'restic version': 'restic version',
  'dpkg-query restic': `dpkg-query -W -f '\${Status} \${Version}\\n' restic`,
  'stat + sha256sum of one file': `stat -c '%a %U %G' /etc/restic-fleet/password; sha256sum < /etc/restic-fleet/password`,
  'id -u': 'id -u',
};

for (const d of desired) {
  const host = state.hosts.find((h) => h.name === d.name)!;
  const t0 = process.cpuUsage();
  const probe = buildProbe(d, { checkRepo: true });
  const built = process.cpuUsage(t0);
  const stdout = execFileSync('docker', ['exec', '-i', host.container, 'sh', '-c', probe.command.text], { input: probe.stdin ?? '', encoding: 'utf8' });
  const t1 = process.cpuUsage();
  const facts = parseProbe(d, stdout);
  const parsed = process.cpuUsage(t1);
  const total = hostCpuMs(host.container, probe.command.text, probe.stdin ?? '');
  const parts = Object.fromEntries(
    Object.entries(PARTS)
      .filter(([k]) => (k.includes('container') ? !!d.server : true))
      .map(([k, v]) => [k, hostCpuMs(host.container, v)]),
  );
  console.log(
    JSON.stringify({
      host: d.name,
      role: [d.server && 'server', d.client && 'client'].filter(Boolean).join('+'),
      hostCpuMsPerProbe: total,
      controllerCpuMs: { build: (built.user + built.system) / 1000, parse: (parsed.user + parsed.system) / 1000 },
      probeBytes: { command: probe.command.text.length, output: stdout.length },
      repo: facts.client?.repo.status,
      partsMs: parts,
    }),
  );
}
}

void main();
