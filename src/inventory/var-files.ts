import { join } from 'node:path';
import { reveal, type MaybeSecret } from '../secret.js';
import type { InventoryJail } from './jail.js';
import { DECRYPT_CAP_MESSAGE, LIMITS, takeDecrypt } from './limits.js';
import type { RawMap } from './raw.js';
import type { Diagnostic, SourcePos } from './types.js';
import { decryptVault, isVaultText, VaultError } from './vault.js';
import { parseYaml } from './yaml-source.js';

/** Extensions Ansible's host_group_vars plugin reads, in its order ('' = the bare name: a file or a directory). */
const EXTENSIONS = ['', '.yml', '.yaml', '.json'];

export interface VarsDir {
  abs: string;
  /** Entry names in the directory (empty when it does not exist). */
  entries: Set<string>;
  /** Entries that matched a host or group; the others are reported as unused. */
  used: Set<string>;
}

/** A problem with a path (no line in it): reported at line 1 of that path. */
const atPath = (file: string, message: string): Diagnostic => ({ severity: 'error', pos: { file, line: 1, col: 1 }, message });

export async function openVarsDir(jail: InventoryJail, abs: string, shown: string, diagnostics: Diagnostic[]): Promise<VarsDir> {
  const r = await jail.list(abs, shown);
  if ('entries' in r) return { abs, entries: new Set(r.entries), used: new Set() };
  if ('error' in r) diagnostics.push(atPath(shown, r.error));
  return { abs, entries: new Set(), used: new Set() };
}

/**
 * Files holding variables for a group or host, lowest precedence first, as
 * Ansible's host_group_vars plugin finds them: the first that exists of
 * `<name>` (a file, or a directory read recursively in lexical order),
 * `<name>.yml`, `<name>.yaml`, `<name>.json` — only the first: Ansible ignores
 * `client.yml` when `client/` exists (we warn about it). Every path goes through
 * the jail: a link out of the inventory is an error, never followed.
 */
export async function findVarFiles(
  jail: InventoryJail,
  dir: VarsDir,
  name: string,
  rel: (abs: string) => string,
): Promise<{ files: string[]; shadowed: string[]; errors: Diagnostic[] }> {
  const present = EXTENSIONS.map((ext) => `${name}${ext}`).filter((e) => dir.entries.has(e));
  for (const e of present) dir.used.add(e);
  const errors: Diagnostic[] = [];
  if (present.length === 0) return { files: [], shadowed: [], errors };
  const abs = join(dir.abs, present[0]!);
  const where = await jail.locate(abs, rel(abs));
  const shadowed = present.slice(1).map((e) => join(dir.abs, e));
  if ('error' in where) return { files: [], shadowed, errors: [atPath(rel(abs), where.error)] };
  const files = where.st.isDirectory() ? await dirFiles(jail, abs, rel, errors, new Set([where.real]), 1) : [abs];
  return { files, shadowed, errors };
}

async function dirFiles(jail: InventoryJail, abs: string, rel: (abs: string) => string, errors: Diagnostic[], seen: Set<string>, depth: number): Promise<string[]> {
  const out: string[] = [];
  const listed = await jail.list(abs, rel(abs));
  if (!('entries' in listed)) {
    if ('error' in listed) errors.push(atPath(rel(abs), listed.error));
    return out;
  }
  for (const n of listed.entries.sort()) {
    if (n.startsWith('.') || n.endsWith('~')) continue; // hidden and editor backups, as Ansible
    const full = join(abs, n);
    const ext = /\.[^.]*$/.exec(n)?.[0] ?? '';
    if (ext && !EXTENSIONS.includes(ext)) continue;
    const where = await jail.locate(full, rel(full));
    if ('error' in where) {
      errors.push(atPath(rel(full), where.error));
    } else if (where.st.isDirectory()) {
      if (ext) continue;
      if (seen.has(where.real)) errors.push(atPath(rel(full), `${rel(full)} is a link to a directory that is already read (a loop): not read again`));
      else if (depth >= LIMITS.dirDepth) errors.push(atPath(rel(full), `${rel(full)} is nested deeper than ${LIMITS.dirDepth} directories (the cap): not read`));
      else {
        seen.add(where.real);
        out.push(...(await dirFiles(jail, full, rel, errors, seen, depth + 1)));
      }
    } else {
      out.push(full);
    }
  }
  return out;
}

export interface VarsFile {
  file: string; // repo-relative
  vars: RawMap | null;
  /** Whole-file vault that could not be decrypted (its variables are unknown). */
  vaultFailed?: boolean;
  /** Refused by the jail (link out, not a regular file, over a cap): its variables are unknown. */
  unread?: boolean;
}

/** How a file is read: with which vault password, into which diagnostics, and whether secrets may be placeholders. */
export interface ReadContext {
  vaultPassword: MaybeSecret | undefined;
  diagnostics: Diagnostic[];
  placeholderSecrets?: boolean;
}

/** Reads a YAML file that may be a whole-file ansible-vault; positions in a vault file refer to its decrypted text. */
export async function readYamlFile(
  jail: InventoryJail,
  abs: string,
  file: string,
  { vaultPassword, diagnostics, placeholderSecrets = false }: ReadContext,
): Promise<{ root: ReturnType<typeof parseYaml>['root']; vaultFailed?: boolean; unread?: boolean }> {
  const top: SourcePos = { file, line: 1, col: 1 };
  const read = await jail.readText(abs, file);
  if ('error' in read) {
    if (!read.repeated) diagnostics.push({ severity: 'error', pos: top, message: read.error });
    return { root: null, unread: true };
  }
  let text = read.text;
  let secretOrigin: string | undefined;
  if (isVaultText(text)) {
    if (vaultPassword === undefined && placeholderSecrets) {
      // Offline: its variables resolve to placeholders (see ResolveContext.envLookup).
      diagnostics.push({ severity: 'warning', pos: top, message: `${file} is encrypted with ansible-vault and no vault password is available: its variables are placeholders in this offline plan` });
      return { root: null };
    }
    if (vaultPassword === undefined) {
      diagnostics.push({
        severity: 'error',
        pos: top,
        message: `${file} is encrypted with ansible-vault: the \`vault-password\` input (vault password) is needed to read it`,
      });
      return { root: null, vaultFailed: true };
    }
    if (!takeDecrypt(jail.vault)) {
      diagnostics.push({ severity: 'error', pos: top, message: `${file}: ${DECRYPT_CAP_MESSAGE}` });
      return { root: null, vaultFailed: true };
    }
    try {
      text = decryptVault(text, reveal(vaultPassword));
    } catch (e) {
      if (!(e instanceof VaultError)) throw e;
      diagnostics.push({ severity: 'error', pos: top, message: `cannot decrypt ${file}: ${e.message}` });
      return { root: null, vaultFailed: true };
    }
    secretOrigin = `vault ${file}`;
  }
  const parsed = parseYaml(text, file, secretOrigin, jail.yaml);
  diagnostics.push(...parsed.diagnostics);
  return { root: parsed.root };
}

export async function readVarsFile(jail: InventoryJail, abs: string, file: string, ctx: ReadContext): Promise<VarsFile> {
  const { diagnostics } = ctx;
  const { root, vaultFailed, unread } = await readYamlFile(jail, abs, file, ctx);
  if (root === null) return { file, vars: null, ...(vaultFailed ? { vaultFailed } : {}), ...(unread ? { unread } : {}) };
  if (root.kind !== 'map') {
    diagnostics.push({ severity: 'error', pos: root.pos, message: `${file} must be a mapping of variable names to values` });
    return { file, vars: null };
  }
  return { file, vars: root };
}
