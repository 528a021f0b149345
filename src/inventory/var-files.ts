import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { reveal, type MaybeSecret } from '../secret.js';
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

export async function openVarsDir(abs: string): Promise<VarsDir> {
  try {
    return { abs, entries: new Set(await readdir(abs)), used: new Set() };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') {
      return { abs, entries: new Set(), used: new Set() };
    }
    throw e;
  }
}

/**
 * Files holding variables for a group or host, lowest precedence first, as
 * Ansible's host_group_vars plugin finds them: the first that exists of
 * `<name>` (a file, or a directory read recursively in lexical order),
 * `<name>.yml`, `<name>.yaml`, `<name>.json` — only the first: Ansible ignores
 * `client.yml` when `client/` exists (we warn about it).
 */
export async function findVarFiles(dir: VarsDir, name: string): Promise<{ files: string[]; shadowed: string[] }> {
  const present = EXTENSIONS.map((ext) => `${name}${ext}`).filter((e) => dir.entries.has(e));
  for (const e of present) dir.used.add(e);
  if (present.length === 0) return { files: [], shadowed: [] };
  const abs = join(dir.abs, present[0]!);
  const st = await stat(abs);
  const files = st.isDirectory() ? await dirFiles(abs) : [abs];
  return { files, shadowed: present.slice(1).map((e) => join(dir.abs, e)) };
}

async function dirFiles(abs: string): Promise<string[]> {
  const out: string[] = [];
  const names = (await readdir(abs)).sort();
  for (const n of names) {
    if (n.startsWith('.') || n.endsWith('~')) continue; // hidden and editor backups, as Ansible
    const full = join(abs, n);
    const ext = /\.[^.]*$/.exec(n)?.[0] ?? '';
    const st = await stat(full);
    if (st.isDirectory()) {
      if (!ext) out.push(...(await dirFiles(full)));
    } else if (!ext || EXTENSIONS.includes(ext)) {
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
}

/** Reads a YAML file that may be a whole-file ansible-vault; positions in a vault file refer to its decrypted text. */
export async function readYamlFile(
  abs: string,
  file: string,
  vaultPassword: MaybeSecret | undefined,
  diagnostics: Diagnostic[],
  placeholderSecrets = false,
): Promise<{ root: ReturnType<typeof parseYaml>['root']; vaultFailed?: boolean }> {
  let text = await readFile(abs, 'utf8');
  let secretOrigin: string | undefined;
  const top: SourcePos = { file, line: 1, col: 1 };
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
    try {
      text = decryptVault(text, reveal(vaultPassword));
    } catch (e) {
      if (!(e instanceof VaultError)) throw e;
      diagnostics.push({ severity: 'error', pos: top, message: `cannot decrypt ${file}: ${e.message}` });
      return { root: null, vaultFailed: true };
    }
    secretOrigin = `vault ${file}`;
  }
  const parsed = parseYaml(text, file, secretOrigin);
  diagnostics.push(...parsed.diagnostics);
  return { root: parsed.root };
}

export async function readVarsFile(
  abs: string,
  file: string,
  vaultPassword: MaybeSecret | undefined,
  diagnostics: Diagnostic[],
  placeholderSecrets = false,
): Promise<VarsFile> {
  const { root, vaultFailed } = await readYamlFile(abs, file, vaultPassword, diagnostics, placeholderSecrets);
  if (root === null) return { file, vars: null, ...(vaultFailed ? { vaultFailed } : {}) };
  if (root.kind !== 'map') {
    diagnostics.push({ severity: 'error', pos: root.pos, message: `${file} must be a mapping of variable names to values` });
    return { file, vars: null };
  }
  return { file, vars: root };
}
