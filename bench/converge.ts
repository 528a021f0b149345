// Benchmark (prints figures, asserts nothing): converge 1 server + N clients of the lab
// (default 10) from a fresh state, then no-op applies. Per host: round trips and bytes.
//   node --import tsx bench/converge.ts   (RF_BENCH_CLIENTS=10, RF_BENCH_NOOP_ROUNDS=3; `npm run bench` runs it after the action figures)
// Brings the lab up with N clients if needed (a lab with another count is replaced) and
// leaves it up; `npm run lab -- down` removes it.
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyCommand } from '../src/commands/apply.js';
import type { Logger } from '../src/engine/logger.js';
import type { HostResult } from '../src/results/types.js';
import { Secret } from '../src/secret.js';
import { checkHealth, down, reset, up } from '../lab/lifecycle.js';
import { parseEnvFile, readState, statePaths } from '../lab/state.js';

const clients = Number(process.env.RF_BENCH_CLIENTS ?? 10);
const rounds = Number(process.env.RF_BENCH_NOOP_ROUNDS ?? 3);
const silent: Logger = { info() {}, warn() {}, error() {}, group() {} };

function table(title: string, ms: number, results: HostResult[]): void {
  const rt = results.map((r) => r.roundTrips ?? 0);
  const bytes = results.map((r) => r.bytes ?? 0);
  const failed = results.filter((r) => r.outcome === 'failed');
  console.log(`\n${title}: ${(ms / 1000).toFixed(2)} s wall for ${results.length} hosts; ` +
    `round trips per host max ${Math.max(...rt)}, mean ${(rt.reduce((a, b) => a + b, 0) / rt.length).toFixed(1)}; ` +
    `bytes per host max ${Math.max(...bytes)}, mean ${Math.round(bytes.reduce((a, b) => a + b, 0) / bytes.length)}` +
    (failed.length ? `; FAILED: ${failed.map((f) => `${f.host} (${f.reason})`).join(', ')}` : ''));
  for (const r of results) {
    console.log(`  ${r.host.padEnd(22)} ${r.outcome.padEnd(8)} changes ${String(r.changed).padStart(2)}  round trips ${r.roundTrips ?? '-'}  bytes ${String(r.bytes ?? '-').padStart(7)}  ${r.durationMs} ms`);
  }
}

async function main(): Promise<void> {
  const existing = readState();
  if (!existing || existing.clients !== clients || !(await checkHealth(existing)).healthy) {
    if (existing) await down();
    await up({ clients });
  }
  await reset();
  const p = statePaths();
  const repoRoot = mkdtempSync(path.join(os.tmpdir(), 'rf-bench-'));
  cpSync(p.inventoryRoot, repoRoot, { recursive: true });
  const options = {
    repoRoot,
    inventory: 'inventories/lab',
    env: parseEnvFile(readFileSync(p.secrets, 'utf8')),
    log: silent,
    concurrency: 10,
    ssh: { privateKey: new Secret(readFileSync(p.key, 'utf8'), 'lab key'), knownHosts: readFileSync(p.knownHosts, 'utf8'), insecureSkipHostKeyCheck: false },
  };
  console.log(`engine only (in-process applyCommand): 1 server + ${clients} clients of the lab, concurrency 10, ${os.cpus().length} cores`);

  let t0 = Date.now();
  const first = await applyCommand(options);
  table('first apply (fresh hosts)', Date.now() - t0, first.results);

  const noop: number[] = [];
  for (let i = 0; i < rounds; i++) {
    t0 = Date.now();
    const again = await applyCommand(options);
    noop.push(Date.now() - t0);
    if (i === rounds - 1) table(`no-op apply (round ${i + 1} of ${rounds})`, noop[i]!, again.results);
  }
  const sorted = [...noop].sort((a, b) => a - b);
  console.log(`\nno-op apply wall time over ${rounds} rounds: min ${(sorted[0]! / 1000).toFixed(2)} s, median ${(sorted[Math.floor(rounds / 2)]! / 1000).toFixed(2)} s, max ${(sorted.at(-1)! / 1000).toFixed(2)} s`);
  console.log(`memory: rss ${Math.round(process.memoryUsage().rss / 1048576)} MiB`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
