// Item 3, bounded work: alias bombs, host-range explosions, doubling templates, deep
// chains and nesting, values shared by many hosts — each stops at a cap with the
// file:line of a value in the chain — and inputs just under the caps, which must pass
// within the budget.
import { LIMITS } from '../../../src/inventory/limits.js';
import type { HostileCase } from './case.js';
import { ALL, CLIENT, CLIENT_HOST, doubling, HOSTS, laughs, seed, SERVER, SERVER_HOST } from './make.js';

const BOMB = `YAML expands to more than ${LIMITS.yamlNodes} nodes`;
const DEEP = `YAML nested deeper than ${LIMITS.yamlDepth} levels`;
const LONG = `longer than ${LIMITS.templateChars} characters (the cap)`;
const VALUES = `more than ${LIMITS.valueNodes} values over all hosts`;
// laughs(): the alias that crosses the node cap is on line 5 (level 4), whatever the key.
const bombAt = (file: string, mentions = [BOMB]): HostileCase['expect'] => ({ exit: 1, file, line: 5, mentions });
const hostsWith = (extra: string) => seed(HOSTS).replace('all:\n', `all:\n  hosts:\n${extra}`);

export const boundCases: HostileCase[] = [
  { name: 'bomb: billion laughs under restic_backup_sets', files: { [CLIENT_HOST]: laughs('restic_backup_sets') }, expect: bombAt(CLIENT_HOST) },
  { name: 'bomb: billion laughs under docker_network_name', files: { [ALL]: laughs('docker_network_name') }, expect: bombAt(ALL) },
  { name: 'bomb: billion laughs under restic_server_options', files: { [SERVER]: seed(SERVER) + laughs("restic_server_options") }, expect: { exit: 1, file: SERVER, line: 10, mentions: [BOMB] } },
  { name: 'bomb: billion laughs (mappings) under restic_backup_rotation', files: { [CLIENT_HOST]: laughs('restic_backup_rotation', 'map') }, expect: bombAt(CLIENT_HOST) },
  { name: 'bomb: billion laughs under docker_log_options', files: { [ALL]: laughs('docker_log_options') }, expect: bombAt(ALL) },
  { name: 'bomb: billion laughs under restic_server_users', files: { [SERVER_HOST]: laughs('restic_server_users') }, expect: bombAt(SERVER_HOST) },
  { name: 'bomb: billion laughs under a variable restic-fleet never reads', files: { [ALL]: laughs('my_app_settings') }, expect: bombAt(ALL) },
  { name: 'bomb: billion laughs in hosts.yml group vars', files: { [HOSTS]: `${laughs('x').replace('x: *l9\n', '')}all:\n  vars:\n    restic_backup_sets: *l9\n${seed(HOSTS).replace(/^#.*\nall:\n/, '')}` }, expect: bombAt(HOSTS) },
  {
    name: 'bomb: a wide alias fan-out (100 uses of a 1,001-node list)',
    files: { [ALL]: `big: &big [${Array.from({ length: 1000 }, (_, i) => i).join(',')}]\nrestic_x: [${Array.from({ length: 100 }, () => '*big').join(', ')}]\n` },
    expect: { exit: 1, file: ALL, line: 2, mentions: [BOMB, 'through the alias *big'] },
  },
  {
    name: 'bomb: merge keys over a shared mapping, many times',
    files: { [ALL]: `base: &b {${Array.from({ length: 2000 }, (_, i) => `k${i}: ${i}`).join(', ')}}\n${Array.from({ length: 60 }, (_, i) => `m${i}: {<<: *b}`).join('\n')}\n` },
    expect: { exit: 1, file: ALL, mentions: [BOMB] },
  },
  {
    name: 'bound (allowed): 20,000 aliases of one anchor resolve once each',
    files: { [ALL]: `${seed(ALL)}anchor: &a value\nmany: [${Array.from({ length: 20_000 }, () => '*a').join(',')}]\n` },
    expect: { exit: 0 },
  },
  { name: 'bound: an alias to an anchor that does not exist', files: { [ALL]: `${seed(ALL)}docker_log_driver: *nope\n` }, expect: { exit: 1, file: ALL, line: 7 } },
  { name: 'bound: a recursive alias', files: { [ALL]: `${seed(ALL)}loop: &loop [*loop]\n` }, expect: { exit: 1, file: ALL, line: 7 } },
  { name: 'hosts: web[0:9999]x[0:9999] is refused before expanding', files: { [HOSTS]: hostsWith('    web[0:9999]x[0:9999]:\n') }, expect: { exit: 1, file: HOSTS, line: 4, mentions: ['expands to 100000000 hosts', `over the cap of ${LIMITS.hosts} hosts (checked before expanding)`] } },
  { name: 'hosts: a range with 10^14 hosts', files: { [HOSTS]: hostsWith('    n[0:99999999999999]:\n') }, expect: { exit: 1, file: HOSTS, line: 4, mentions: ['over the cap'] } },
  { name: 'hosts: three ranges whose product is too many', files: { [HOSTS]: hostsWith('    h[0:99]-[0:99]-[a:z]:\n') }, expect: { exit: 1, file: HOSTS, line: 4, mentions: ['expands to 260000 hosts'] } },
  { name: 'hosts: ranges over the cap together (two entries)', files: { [HOSTS]: hostsWith(`    a[1:${LIMITS.hosts / 2 + 10}]:\n    b[1:${LIMITS.hosts / 2 + 10}]:\n`) }, expect: { exit: 1, file: HOSTS, line: 5, mentions: [`more than ${LIMITS.hosts} hosts (the cap)`] } },
  { name: 'hosts: a huge range step', files: { [HOSTS]: hostsWith('    n[0:10:0]:\n') }, expect: { exit: 1, file: HOSTS, line: 4, mentions: ['step must be a positive integer'] } },
  { name: 'hosts: a range with numbers beyond 2^53', files: { [HOSTS]: hostsWith('    n[0:99999999999999999999]:\n') }, expect: { exit: 1, file: HOSTS, line: 4 } },
  {
    name: `hosts (allowed): ${LIMITS.hosts} hosts, at the cap, within the budget`,
    files: { [HOSTS]: hostsWith(`    web[1:${LIMITS.hosts - 2}].example.com:\n      ansible_host: 127.0.0.1\n`) },
    expect: { exit: 0 },
  },
  {
    name: `hosts (allowed): ${LIMITS.hosts - 1} clients sharing the seed's group_vars`,
    files: { [HOSTS]: seed(HOSTS).replace('        client.example.com:\n', `        client.example.com:\n        c[1:${LIMITS.hosts - 2}].example.com:\n`) },
    expect: { exit: 0 },
  },
  {
    // The offline plan hashed every new htpasswd user with bcrypt (~70 ms each): 999 users ran for a minute.
    name: `offline plan (allowed): ${LIMITS.hosts - 1} clients, each its own rest-server user`,
    files: {
      [HOSTS]: seed(HOSTS).replace('        client.example.com:\n', `        client.example.com:\n        c[1:${LIMITS.hosts - 2}].example.com:\n`),
      [CLIENT]: seed(CLIENT).replace('restic_client_user: admin', 'restic_client_user: "{{ inventory_hostname_short }}"'),
    },
    expect: { exit: 0 },
  },
  { name: 'template: a doubling chain in host_vars (x1 = "{{x0}}{{x0}}" … x40)', files: { [CLIENT_HOST]: seed(CLIENT_HOST) + doubling((x) => `restic_client_package: "{{ ${x} }}"`) }, expect: { exit: 1, file: CLIENT_HOST, line: 38, mentions: [LONG] } },
  { name: 'template: a doubling chain in group_vars/all.yml under docker_network_name', files: { [ALL]: doubling((x) => `docker_network_name: "{{ ${x} }}"`) }, expect: { exit: 1, file: ALL, line: 17, mentions: [LONG] } },
  { name: 'template: a doubling chain through | join', files: { [ALL]: doubling((x) => `docker_log_driver: "{{ ${x} }}"`, 40, 'join') + seed(ALL).replace('docker_log_driver: "json-file"\n', '') }, expect: { exit: 1, file: ALL, line: 17, mentions: [LONG] } },
  { name: 'template: a doubling chain of lists (whole-value templates)', files: { [CLIENT_HOST]: doubling((x) => `restic_backup_sets: "{{ ${x} }}"`, 40, 'list') }, expect: { exit: 1, file: CLIENT_HOST, mentions: [VALUES] } },
  { name: 'template: a doubling chain never used by restic-fleet is not evaluated', files: { [ALL]: seed(ALL) + doubling((x) => `my_app: "{{ ${x} }}"`) }, expect: { exit: 0 } },
  {
    name: 'template: a chain of 3,000 variables stops at the depth cap',
    files: { [CLIENT_HOST]: `${seed(CLIENT_HOST)}v0: x\n${Array.from({ length: 3000 }, (_, i) => `v${i + 1}: "{{ v${i} }}"`).join('\n')}\nrestic_client_package: "{{ v3000 }}"\n` },
    expect: { exit: 1, file: CLIENT_HOST, mentions: [`templates nested deeper than ${LIMITS.templateDepth} variables (the cap)`] },
  },
  { name: 'template: a cycle', files: { [CLIENT]: `${seed(CLIENT)}restic_client_package: "{{ a }}"\na: "{{ b }}"\nb: "{{ a }}"\n` }, expect: { exit: 1, file: CLIENT, mentions: ['template cycle'] } },
  {
    name: `values: the groups magic variable for every one of ${LIMITS.hosts} hosts`,
    files: {
      [HOSTS]: hostsWith(`    w[1:${LIMITS.hosts - 2}]:\n      ansible_host: 127.0.0.1\n`),
      [ALL]: seed(ALL).replace('docker_log_driver: "json-file"', 'docker_log_driver: "{{ groups }}"'),
    },
    expect: { exit: 1, file: ALL, line: 2, mentions: [VALUES] },
  },
  {
    // Group depth is the longest path from "all": listed deepest first, each group used to
    // deepen everything below it again (quadratic). Now one pass in topological order.
    name: 'groups (allowed): a chain of 3,000 child groups, listed deepest first',
    files: {
      [HOSTS]: `${seed(HOSTS)}${Array.from({ length: 3000 }, (_, i) => `    g${2999 - i}:\n`).join('')}${Array.from({ length: 2999 }, (_, i) => `g${i}:\n  children:\n    g${i + 1}:\n`).join('')}`,
    },
    expect: { exit: 0 },
  },
  { name: 'nesting: 10,000 nested flow sequences', files: { [CLIENT_HOST]: `restic_backup_sets: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n` }, expect: { exit: 1, file: CLIENT_HOST, line: 1, mentions: [DEEP] } },
  { name: 'nesting: 10,000 nested flow mappings', files: { [ALL]: `docker_network_name: ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}\n` }, expect: { exit: 1, file: ALL, line: 1, mentions: [DEEP] } },
  { name: 'nesting: 50,000 compact block sequences (- - - …)', files: { [CLIENT_HOST]: `restic_backup_sets:\n${'- '.repeat(50_000)}x\n` }, expect: { exit: 1, file: CLIENT_HOST, line: 2, mentions: [DEEP] } },
  {
    name: 'nesting: 300 levels of indented mappings',
    files: { [CLIENT_HOST]: `${Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} x\n` },
    expect: { exit: 1, file: CLIENT_HOST, line: LIMITS.yamlDepth + 1, mentions: [DEEP] },
  },
  { name: 'nesting (allowed): brackets inside quoted strings do not count', files: { [ALL]: `${seed(ALL)}note: "${'['.repeat(500)}"\n` }, expect: { exit: 0 } },
  { name: 'size (allowed): a 200 KB single-line value of an unread variable', files: { [ALL]: `${seed(ALL)}blob: "${'b'.repeat(200_000)}"\n` }, expect: { exit: 0 } },
  { name: 'size: a 100 KB restic_ variable name', files: { [CLIENT]: `${seed(CLIENT)}restic_${'n'.repeat(100_000)}: 1\n` }, expect: { exit: 1, file: CLIENT, line: 6 } },
  {
    name: 'size (allowed): 6,000 variables restic-fleet never reads',
    files: { [ALL]: seed(ALL) + Array.from({ length: 6000 }, (_, i) => `app_setting_${i}: "value ${i}"`).join('\n') + '\n' },
    expect: { exit: 0 },
  },
  {
    name: 'size (allowed): a dense flow list just under the node cap',
    files: { [ALL]: `${seed(ALL)}dense: [${Array.from({ length: LIMITS.yamlItems - 200 }, () => '1').join(',')}]\n` },
    expect: { exit: 0 },
  },
  {
    name: 'size: a dense flow list over the node cap is refused before parsing',
    files: { [ALL]: `${seed(ALL)}dense: [${Array.from({ length: LIMITS.yamlItems + 1 }, () => '1').join(',')}]\n` },
    expect: { exit: 1, file: ALL, line: 1, mentions: [`more than ${LIMITS.yamlItems} nodes (the cap; counted before parsing)`] },
  },
  {
    name: 'size (allowed): dense block YAML in 3 files, just under the node cap',
    files: Object.fromEntries(
      Array.from({ length: 3 }, (_, f) => [`group_vars/client/dense${f}.yml`, `dense${f}:\n${Array.from({ length: Math.floor(LIMITS.yamlItems / 3 / 11) - 10 }, (_, i) => `  - {id: "s${i}", type: t, n: ${i}}`).join('\n')}\n`]),
    ),
    expect: { exit: 0 },
  },
  {
    name: 'size: dense block YAML in 4 files, over the node cap together',
    files: Object.fromEntries(
      Array.from({ length: 4 }, (_, f) => [`group_vars/client/dense${f}.yml`, `dense${f}:\n${Array.from({ length: Math.floor(LIMITS.yamlItems / 3 / 11) - 10 }, (_, i) => `  - {id: "s${i}", type: t, n: ${i}}`).join('\n')}\n`]),
    ),
    // Files are read concurrently: which one crosses the cap varies; every one refused is named.
    expect: { exit: 1, mentions: [`more than ${LIMITS.yamlItems} nodes`] },
  },
  {
    name: `values: ${LIMITS.hosts - 1} clients sharing 60 backup sets (over the value cap)`,
    files: {
      [HOSTS]: seed(HOSTS).replace('        client.example.com:\n', `        client.example.com:\n        c[1:${LIMITS.hosts - 2}].example.com:\n`),
      [CLIENT_HOST]: '',
      'group_vars/client/sets.yml': `restic_backup_sets:\n${Array.from({ length: 60 }, (_, k) => `  - id: "volume ${k}"\n    type: docker-volume\n    volume: app${k}_data\n    tags: [app, x]\n    minute: "${k}"`).join('\n')}\n`,
    },
    expect: { exit: 1, file: 'group_vars/client/sets.yml', line: 2, mentions: [VALUES] },
  },
];
