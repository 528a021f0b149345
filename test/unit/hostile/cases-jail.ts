// Item 2, the inventory is a jail: links that leave it, files that are not regular files,
// sizes over the caps. Every refused path is named; nothing behind it is read or quoted.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LIMITS } from '../../../src/inventory/limits.js';
import type { HostileCase } from './case.js';
import { SECRETS } from './harness.js';
import { ALL, CLIENT, CLIENT_HOST, fifo, HOSTS, link, many, outsideOf, seed, SERVER, socket, sparse, steps, type Where } from './make.js';

const OUT = 'leads outside the inventory';
const shadow = (w: Where) => path.join(outsideOf(w), 'shadow');
const outVars = (w: Where) => path.join(outsideOf(w), 'vars.yml');
const outDir = (w: Where) => path.join(outsideOf(w), 'etc');
const fails = (file: string, mentions: string[], line = 1): HostileCase['expect'] => ({ exit: 1, file, line, mentions });

export const jailCases: HostileCase[] = [
  { name: 'jail: host_vars file → outside file (absolute link)', setup: link(CLIENT_HOST, shadow), expect: fails(CLIENT_HOST, [OUT]) },
  { name: 'jail: host_vars file → outside file (relative ../../../../)', setup: link(CLIENT_HOST, '../../../../outside/shadow'), expect: fails(CLIENT_HOST, [OUT]) },
  { name: 'jail: group_vars/all.yml → outside YAML with restic_ keys', setup: link(ALL, outVars), expect: fails(ALL, [OUT]) },
  { name: 'jail: group_vars/client/vars.yml (in a directory) → outside', setup: link(CLIENT, outVars), expect: fails(CLIENT, [OUT]) },
  { name: 'jail: an extra file in group_vars/client/ → outside', setup: link('group_vars/client/zz.yml', outVars), expect: fails('group_vars/client/zz.yml', [OUT]) },
  { name: 'jail: hosts.yml → outside', setup: link(HOSTS, outVars), expect: fails(HOSTS, [OUT]) },
  { name: 'jail: group_vars/server/vars.yml → the workspace .git/config (checkout token)', setup: link(SERVER, '../../../../.git/config'), expect: fails(SERVER, [OUT]) },
  {
    name: 'jail: host_vars file → a .git/config inside the inventory (a submodule)',
    setup: steps((w) => {
      mkdirSync(path.join(w.inventory, 'mod/.git'), { recursive: true });
      writeFileSync(path.join(w.inventory, 'mod/.git/config'), `[http]\n\textraheader = AUTHORIZATION: basic ${SECRETS.gitToken}\n`);
    }, link(CLIENT_HOST, '../mod/.git/config')),
    expect: fails(CLIENT_HOST, ['resolves into a .git directory']),
  },
  { name: 'jail: host_vars file → /dev/zero', setup: link(CLIENT_HOST, '/dev/zero'), expect: fails(CLIENT_HOST, [OUT]) },
  { name: 'jail: host_vars file → /dev/null', setup: link(CLIENT_HOST, '/dev/null'), expect: fails(CLIENT_HOST, [OUT]) },
  { name: 'jail: host_vars file → /proc/self/environ (the secrets in env)', setup: link(CLIENT_HOST, '/proc/self/environ'), expect: fails(CLIENT_HOST, [OUT]) },
  { name: 'jail: group_vars/all.yml → /dev/stdin', setup: link(ALL, '/dev/stdin'), expect: fails(ALL, [OUT]) },
  { name: 'jail: host_vars file → /dev/urandom', setup: link(CLIENT_HOST, '/dev/urandom'), expect: fails(CLIENT_HOST, [OUT]) },
  { name: 'jail: host_vars file is a FIFO', setup: fifo(CLIENT_HOST), expect: fails(CLIENT_HOST, ['is a FIFO (named pipe), not a regular file']) },
  { name: 'jail: hosts.yml is a FIFO', setup: fifo(HOSTS), expect: fails(HOSTS, ['FIFO']) },
  { name: 'jail: group_vars/client/vars.yml is a FIFO', setup: fifo(CLIENT), expect: fails(CLIENT, ['FIFO']) },
  { name: 'jail: a link inside the inventory to a FIFO inside it', setup: steps(fifo('pipes/p'), link(CLIENT_HOST, '../pipes/p')), expect: fails(CLIENT_HOST, ['FIFO']) },
  { name: 'jail: host_vars file is a Unix socket', setup: socket(CLIENT_HOST), expect: fails(CLIENT_HOST, ['is a socket, not a regular file']) },
  { name: 'jail: host_vars/<host> directory → outside directory (not walked)', setup: link('host_vars/client.example.com', outDir), files: { [CLIENT_HOST]: null }, expect: fails('host_vars/client.example.com', [OUT]) },
  { name: 'jail: group_vars/client directory → outside directory', setup: link('group_vars/client', outDir), expect: fails('group_vars/client', [OUT]) },
  { name: 'jail: the whole host_vars directory → outside', setup: link('host_vars', outDir), expect: fails('host_vars', [OUT]) },
  { name: 'jail: the whole group_vars directory → outside', setup: link('group_vars', outDir), expect: fails('group_vars', [OUT]) },
  { name: 'jail: a directory under group_vars/client → outside', setup: link('group_vars/client/more', outDir), expect: fails('group_vars/client/more', [OUT]) },
  { name: 'jail: a host_vars directory that links to itself (a loop)', files: { [CLIENT_HOST]: null, 'host_vars/client.example.com/sets.yml': seed(CLIENT_HOST) }, setup: link('host_vars/client.example.com/again', '.'), expect: fails('host_vars/client.example.com/again', ['already read (a loop)']) },
  { name: 'jail: a broken link', setup: link(CLIENT_HOST, 'no-such-file.yml'), expect: fails(CLIENT_HOST, ['broken symbolic link']) },
  { name: 'jail: a link loop a → b → a', setup: steps(link('host_vars/b.yml', 'client.example.com.yml'), link(CLIENT_HOST, 'b.yml')), expect: fails(CLIENT_HOST, ['symbolic link loop']) },
  { name: 'jail: a link into an inventory directory that is itself linked out', setup: steps(link('lib', outsideOf), link(CLIENT_HOST, '../lib/vars.yml')), expect: fails(CLIENT_HOST, [OUT]) },
  { name: 'jail: a link to a workspace file outside the inventory', files: { '../../other.yml': seed(CLIENT_HOST) }, setup: link(CLIENT_HOST, '../../../other.yml'), expect: fails(CLIENT_HOST, [OUT]) },
  { name: 'jail: a vault file linked out', setup: link('group_vars/client/vault.yml', (w) => path.join(outsideOf(w), 'shadow')), expect: fails('group_vars/client/vault.yml', [OUT]) },
  { name: 'jail (allowed): a file link that stays inside', files: { 'shared/client.yml': seed(CLIENT_HOST) }, setup: link(CLIENT_HOST, '../shared/client.yml'), expect: { exit: 0 } },
  {
    name: 'jail (allowed): a host_vars directory link that stays inside',
    files: { [CLIENT_HOST]: null, 'shared/client/sets.yml': seed(CLIENT_HOST) },
    setup: link('host_vars/client.example.com', '../shared/client'),
    expect: { exit: 0 },
  },
  {
    name: 'jail (allowed): the inventory directory is a link inside the workspace',
    setup: (w) => {
      cpSync(w.inventory, path.join(w.workspace, 'real-backup'), { recursive: true });
      link('.', '../real-backup')(w);
    },
    expect: { exit: 0 },
  },
  {
    name: 'jail: the inventory directory is a link out of the workspace',
    setup: (w) => {
      cpSync(w.inventory, path.join(outsideOf(w), `inv-${path.basename(w.workspace)}`), { recursive: true });
      link('.', (x) => path.join(outsideOf(x), `inv-${path.basename(x.workspace)}`))(w);
    },
    expect: { exit: 1, mentions: ['is outside the workspace'] },
  },
  { name: 'cap: a 5 MB host_vars file is refused by its size', files: { [CLIENT_HOST]: `${seed(CLIENT_HOST)}# ${'x'.repeat(5_000_000)}\n` }, expect: fails(CLIENT_HOST, ['over the 256 KiB cap per file']) },
  { name: 'cap: a 10 GB sparse hosts.yml is refused without reading', setup: sparse(HOSTS, 10 * 1024 ** 3), expect: fails(HOSTS, ['over the 256 KiB cap per file']) },
  { name: 'cap: a file one byte over the per-file cap', files: { [ALL]: pad(seed(ALL), LIMITS.fileBytes + 1) }, expect: fails(ALL, ['cap per file']) },
  { name: 'cap (allowed): a file exactly at the per-file cap', files: { [ALL]: pad(seed(ALL), LIMITS.fileBytes) }, expect: { exit: 0 } },
  {
    name: 'cap: files together over the total cap',
    setup: many(5, (i) => `group_vars/client/pad${i}.yml`, () => pad('', LIMITS.fileBytes - 1024)),
    expect: { exit: 1, mentions: ['together are over the 1 MiB cap'] },
  },
  {
    name: 'cap: more files than the file cap',
    files: { [CLIENT_HOST]: null },
    setup: many(LIMITS.files + 1, (i) => `host_vars/client.example.com/f${String(i).padStart(5, '0')}.yml`, () => ''),
    expect: { exit: 1, mentions: [`more than ${LIMITS.files} files to read (the cap)`] },
  },
];

/** `text` padded with a comment to exactly `bytes` bytes. */
function pad(text: string, bytes: number): string {
  const rest = bytes - Buffer.byteLength(text) - 3;
  return `${text}# ${'p'.repeat(rest)}\n`;
}
