// The inventory's work budget, measured (prints figures, asserts nothing; the hostile
// corpus in test/unit/hostile/ asserts the bounds per case). Each input goes through the
// three doors of the hostile harness — the built action's validate and offline plan (a
// pull request, no SSH key) and the built CLI's validate; run `npm run build` first —
// each a process whose CPU time and peak RSS a preload records: the seed, 500 and 1,000
// hosts, and the worst inputs at (just under) each cap of src/inventory/limits.ts, and over.
//   node --import tsx bench/inventory-caps.ts [rounds] [name filter]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LIMITS } from '../src/inventory/limits.js';
import type { HostileCase } from '../test/unit/hostile/case.js';
import { Sandbox } from '../test/unit/hostile/harness.js';
import { generate } from './inventory.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const SEED = path.join(ROOT, 'test/fixtures/inventories/seed/inventories/backup');
const ENV = { VAULT_RESTIC_CLIENT_PASSWORD: 'bench-pw-1', VAULT_RESTIC_SERVER_PASSWORD: 'bench-pw-1', VAULT_RESTIC_REPO_PASSWORD: 'bench-pw-2' };

type Make = (dir: string) => Promise<void> | void;
const seedPlus = (files: Record<string, string>): Make => (dir) => {
  cpSync(SEED, dir, { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
};
const seedText = (rel: string) => readFileSync(path.join(SEED, rel), 'utf8');
const hostsWith = (extra: string) => seedText('hosts.yml').replace('all:\n', `all:\n  hosts:\n${extra}`);

function laughs(key: string): string {
  const lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) lines.push(`l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n${key}: *l9\n`;
}

/** Backup sets that 999 clients can share under the value cap (a set is ~9 values per host). */
const SHARED_SETS = Math.floor(LIMITS.valueNodes / (LIMITS.hosts - 1) / 9) - 1;

const INPUTS: Array<[string, Make]> = [
  ['seed inventory (2 hosts): the process baseline', seedPlus({})],
  ['500 hosts (bench/inventory.ts layout: 5 backup sets each, in host_vars)', (d) => generate(d, 500)],
  ['1,000 hosts in that layout (over the YAML node cap: refused)', (d) => generate(d, 1000)],
  [`${LIMITS.hosts} hosts from one range (at the host cap)`, seedPlus({ 'hosts.yml': hostsWith(`    web[1:${LIMITS.hosts - 2}].example.com:\n      ansible_host: 127.0.0.1\n`) })],
  [`${LIMITS.hosts - 1} clients sharing the seed's group_vars (at the host cap)`, seedPlus({ 'hosts.yml': seedText('hosts.yml').replace('        client.example.com:\n', `        client.example.com:\n        c[1:${LIMITS.hosts - 2}].example.com:\n`) })],
  ['web[0:9999]x[0:9999] (over the host cap)', seedPlus({ 'hosts.yml': hostsWith('    web[0:9999]x[0:9999]:\n') })],
  ['5 MB host_vars file (over the per-file cap)', seedPlus({ 'host_vars/client.example.com.yml': `# ${'x'.repeat(5_000_000)}\n` })],
  ['per-file cap of comments (256 KiB)', seedPlus({ 'group_vars/all.yml': `${seedText('group_vars/all.yml')}# ${'p'.repeat(LIMITS.fileBytes - 200)}\n` })],
  [`a dense flow list just under the node cap (${LIMITS.yamlItems})`, seedPlus({ 'group_vars/all.yml': `${seedText('group_vars/all.yml')}dense: [${Array.from({ length: LIMITS.yamlItems - 200 }, () => '1').join(',')}]\n` })],
  [`a dense flow list over the node cap`, seedPlus({ 'group_vars/all.yml': `${seedText('group_vars/all.yml')}dense: [${Array.from({ length: LIMITS.yamlItems + 1 }, () => '1').join(',')}]\n` })],
  [
    `dense block mappings just under the total node cap (${LIMITS.yamlItems}), 3 files`,
    seedPlus(Object.fromEntries(Array.from({ length: 3 }, (_, f) => [`group_vars/client/dense${f}.yml`, `d${f}:\n${Array.from({ length: Math.floor(LIMITS.yamlItems / 3 / 11) - 10 }, (_, i) => `  - {id: "s${i}", type: t, n: ${i}}`).join('\n')}\n`]))),
  ],
  ['billion laughs under restic_backup_sets (over the alias node cap)', seedPlus({ 'host_vars/client.example.com.yml': laughs('restic_backup_sets') })],
  ['20,000 aliases of one anchor', seedPlus({ 'group_vars/all.yml': `${seedText('group_vars/all.yml')}a: &a v\nmany: [${Array.from({ length: 20_000 }, () => '*a').join(',')}]\n` })],
  [
    'doubling template x1="{{x0}}{{x0}}" … x40 (over the template length cap)',
    seedPlus({ 'group_vars/all.yml': `x0: ab\n${Array.from({ length: 40 }, (_, i) => `x${i + 1}: "{{ x${i} }}{{ x${i} }}"`).join('\n')}\ndocker_network_name: "{{ x40 }}"\n` }),
  ],
  [
    'doubling list template (over the value cap)',
    seedPlus({ 'group_vars/all.yml': `x0: [a, b]\n${Array.from({ length: 40 }, (_, i) => `x${i + 1}: ["{{ x${i} }}", "{{ x${i} }}"]`).join('\n')}\ndocker_log_options: "{{ x40 }}"\n` }),
  ],
  [
    `{{ groups }} for each of ${LIMITS.hosts} hosts (over the value cap)`,
    seedPlus({ 'hosts.yml': hostsWith(`    w[1:${LIMITS.hosts - 2}]:\n`), 'group_vars/all.yml': seedText('group_vars/all.yml').replace('"json-file"', '"{{ groups }}"') }),
  ],
  [
    `${LIMITS.hosts - 1} clients sharing ${SHARED_SETS} backup sets from group_vars (near the value cap)`,
    seedPlus({
      'hosts.yml': seedText('hosts.yml').replace('        client.example.com:\n', `        client.example.com:\n        c[1:${LIMITS.hosts - 2}].example.com:\n`),
      'host_vars/client.example.com.yml': '',
      'group_vars/client/sets.yml': `restic_backup_sets:\n${Array.from({ length: SHARED_SETS }, (_, k) => `  - id: "volume ${k}"\n    type: docker-volume\n    volume: app${k}_data\n    tags: [app, x]\n    minute: "${k % 60}"`).join('\n')}\n`,
    }),
  ],
  ['a chain of 3,000 templates (over the depth cap)', seedPlus({ 'group_vars/all.yml': `v0: x\n${Array.from({ length: 3000 }, (_, i) => `v${i + 1}: "{{ v${i} }}"`).join('\n')}\ndocker_network_name: "{{ v3000 }}"\n` })],
  [
    `${LIMITS.hosts - 1} clients, ${LIMITS.files - 10} of them with a host_vars file, ~${LIMITS.yamlItems} YAML nodes in all (at the host, file and node caps)`,
    (d) => {
      seedPlus({ 'hosts.yml': seedText('hosts.yml').replace('        client.example.com:\n', `        client.example.com:\n        c[1:${LIMITS.hosts - 2}].example.com:\n`) })(d);
      const files = LIMITS.files - 10;
      const perFile = Math.floor((LIMITS.yamlItems - 200) / files);
      // One backup set ≈ 14 estimated nodes (a list item, 5 entries, a 2-item flow list).
      const sets = Math.max(1, Math.floor((perFile - 2) / 14));
      const text = `restic_backup_sets:\n${Array.from({ length: sets }, (_, k) => `  - id: "volume ${k}"\n    type: docker-volume\n    volume: app${k}_data\n    tags: [app, x]\n    minute: "${k}"`).join('\n')}\n`;
      for (let i = 1; i <= files; i++) writeFileSync(path.join(d, `host_vars/c${i}.example.com.yml`), text);
    },
  ],
  [
    `${LIMITS.files} empty files in host_vars/<host>/ (at the file cap)`,
    (d) => {
      seedPlus({})(d);
      rmSync(path.join(d, 'host_vars/client.example.com.yml'));
      mkdirSync(path.join(d, 'host_vars/client.example.com'));
      for (let i = 0; i < LIMITS.files - 10; i++) writeFileSync(path.join(d, `host_vars/client.example.com/f${i}.yml`), '');
    },
  ],
];

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 1);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rf-bench-caps-'));
  const sandbox = new Sandbox();
  try {
    console.log(`budget: 2 s CPU, 256 MB peak RSS per process; caps: ${JSON.stringify(LIMITS)}`);
    console.log('per door: exit, CPU s (median of rounds), peak RSS MiB (max of rounds)');
    for (const [i, [name, make]] of INPUTS.entries()) {
      if (!name.includes(process.argv[3] ?? '')) continue;
      const dir = path.join(tmp, `inv-${i}`);
      mkdirSync(dir);
      await make(dir);
      const c: HostileCase = {
        name,
        setup: (w) => {
          rmSync(w.inventory, { recursive: true, force: true });
          cpSync(dir, w.inventory, { recursive: true });
        },
        env: ENV,
        expect: { exit: 0 },
      };
      const runs = [];
      for (let r = 0; r < rounds; r++) runs.push(await sandbox.run(c));
      console.log(name);
      for (const [d, door] of runs[0]!.runs.entries()) {
        const cpu = runs.map((r) => r.runs[d]!.cpuSeconds ?? NaN).sort((a, b) => a - b)[Math.floor(rounds / 2)]!;
        const rss = Math.max(...runs.map((r) => r.runs[d]!.rssMiB ?? NaN));
        const first = door.text.split('\n').find((l) => /^\S+:\d+:\d+: error: /.test(l)) ?? '';
        console.log(`  ${door.door.padEnd(16)} exit ${door.code}  CPU ${cpu.toFixed(2)} s  RSS ${rss.toFixed(0)} MiB  ${first.slice(0, 140)}`);
      }
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    sandbox.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

void main();
