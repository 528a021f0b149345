import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';
import { loadConfig } from '../../../src/inventory/index.js';
import type { HostConfig } from '../../../src/inventory/config.js';
import { formatDiagnostic, InventoryError, type Diagnostic } from '../../../src/inventory/types.js';
import { isSecret } from '../../../src/secret.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/inventories', import.meta.url));
export const VAULT_PASSWORD = 'restic-fleet-test-vault-password'; // test/fixtures/vault-password.txt

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

/** Writes an inventory (paths relative to the inventory dir) under <tmp>/inv; returns the repo root. */
export async function writeInventory(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'rf-inv-'));
  made.push(root);
  for (const [p, content] of Object.entries(files)) {
    const abs = join(root, 'inv', p);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, content);
  }
  return root;
}

/** "file:line:col severity key" — the part of a diagnostic the corpus tests pin exactly. */
export const where = (d: Diagnostic): string =>
  `${d.pos ? `${d.pos.file}:${d.pos.line}:${d.pos.col}` : '-'} ${d.severity} ${d.key ?? '-'}`;

export const show = (ds: readonly Diagnostic[]): string => ds.map(formatDiagnostic).join('\n');

/** A HostConfig as plain data: Secrets become { secret, origin }, posOf dropped. */
export function plain(v: unknown): unknown {
  if (isSecret(v)) return { secret: v.reveal(), origin: v.origin };
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (typeof x !== 'function') out[k] = plain(x);
    return out;
  }
  return v;
}

export const hostNamed = (hosts: HostConfig[], name: string): HostConfig => {
  const h = hosts.find((x) => x.name === name);
  if (!h) throw new Error(`no host ${name}`);
  return h;
};

/** One client host (h1.example.com) whose group_vars are a minimal client plus `groupVars`; secrets from `env`. */
export function clientInventory(env: Record<string, string>) {
  const CLIENT = 'restic_repo: server.example.com:8000/x\nrestic_repo_password: "{{ PW }}"\n';
  const config = async (groupVars: string) => {
    const root = await writeInventory({ 'hosts.yml': 'all:\n  hosts:\n    h1.example.com:\n', 'group_vars/all.yml': `${CLIENT}${groupVars}` });
    return loadConfig({ repoRoot: root, inventoryDir: 'inv', env, envAllowlist: Object.keys(env) });
  };
  /** The errors loading it gives, as "file:line:col: message". */
  const problems = async (groupVars: string) => {
    const e = await config(groupVars).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(InventoryError);
    return (e as InventoryError).diagnostics.filter((d) => d.severity === 'error').map((d) => `${where(d)}: ${d.message}`);
  };
  return { config, problems };
}
