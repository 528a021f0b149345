// Building blocks for hostile cases: links, FIFOs, sockets, big and sparse files, and the
// seed's file texts to edit. Paths are relative to the case's inventory directory.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, ftruncateSync } from 'node:fs';
import path from 'node:path';
import { SEED } from './harness.js';

export type Where = { workspace: string; inventory: string };

/** The seed's text of a file (relative to the inventory). */
export const seed = (rel: string): string => readFileSync(path.join(SEED, rel), 'utf8');

export const HOSTS = 'hosts.yml';
export const ALL = 'group_vars/all.yml';
export const CLIENT = 'group_vars/client/vars.yml';
export const SERVER = 'group_vars/server/vars.yml';
export const CLIENT_HOST = 'host_vars/client.example.com.yml';
export const SERVER_HOST = 'host_vars/server.example.com.yml';

/** The sandbox's directory outside every workspace (canary files: shadow, vars.yml, etc/passwd.yml). */
export const outsideOf = (w: Where): string => path.join(w.workspace, '..', 'outside');

/** Replaces `rel` (file or directory) by a symbolic link to `target` (absolute, or a function of the case's paths). */
export const link = (rel: string, target: string | ((w: Where) => string)) => (w: Where) => {
  const abs = path.join(w.inventory, rel);
  rmSync(abs, { recursive: true, force: true });
  mkdirSync(path.dirname(abs), { recursive: true });
  symlinkSync(typeof target === 'string' ? target : target(w), abs);
};

export const fifo = (rel: string) => (w: Where) => {
  const abs = path.join(w.inventory, rel);
  rmSync(abs, { recursive: true, force: true });
  mkdirSync(path.dirname(abs), { recursive: true });
  execFileSync('mkfifo', [abs]);
};

/** A Unix socket file (bound, then the binding process exits; the file stays). */
export const socket = (rel: string) => (w: Where) => {
  const abs = path.join(w.inventory, rel);
  rmSync(abs, { recursive: true, force: true });
  execFileSync('python3', ['-c', 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])', abs]);
};

/** A sparse file of `bytes` (no disk used): a size check must refuse it without reading. */
export const sparse = (rel: string, bytes: number) => (w: Where) => {
  const abs = path.join(w.inventory, rel);
  rmSync(abs, { recursive: true, force: true });
  const fd = openSync(abs, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
};

/** Writes many files (too many to list in `files`). */
export const many = (count: number, name: (i: number) => string, text: (i: number) => string) => (w: Where) => {
  for (let i = 0; i < count; i++) {
    const abs = path.join(w.inventory, name(i));
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, text(i));
  }
};

export const steps = (...fns: Array<(w: Where) => void>) => (w: Where) => fns.forEach((f) => f(w));

/** A billion-laughs document: 10 levels of 10 aliases each, the last level under `key`. */
export function laughs(key: string, shape: 'list' | 'map' = 'list'): string {
  const lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) {
    const refs = Array.from({ length: 10 }, (_, k) => (shape === 'list' ? `*l${i - 1}` : `k${k}: *l${i - 1}`));
    lines.push(shape === 'list' ? `l${i}: &l${i} [${refs.join(', ')}]` : `l${i}: &l${i} {${refs.join(', ')}}`);
  }
  lines.push(`${key}: *l9`);
  return `${lines.join('\n')}\n`;
}

/** x0 … x<n>, each the previous one twice; `use` gets the last. */
export function doubling(use: (last: string) => string, n = 40, style: 'concat' | 'join' | 'list' = 'concat'): string {
  const lines = ['x0: "ab"'];
  for (let i = 1; i <= n; i++) {
    const p = `x${i - 1}`;
    lines.push(style === 'concat' ? `x${i}: "{{ ${p} }}{{ ${p} }}"` : style === 'join' ? `x${i}: "{{ [${p}, ${p}] | join('') }}"` : `x${i}: ["{{ ${p} }}", "{{ ${p} }}"]`);
  }
  lines.push(use(`x${n}`));
  return `${lines.join('\n')}\n`;
}
