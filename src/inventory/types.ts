import type { MaybeSecret } from '../secret.js';

/** A place in a source file; `file` is relative to the repository (workspace) root so annotations land on PR diffs. */
export interface SourcePos {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
}

export interface Diagnostic {
  severity: 'error' | 'warning';
  /** e.g. "restic_backup_sets[1].minute" — the variable path the message is about. */
  key?: string;
  pos?: SourcePos;
  message: string;
}

/** Thrown (or collected) when input is invalid; carries every problem found, not only the first. */
export class InventoryError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'InventoryError';
  }
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.pos ? `${d.pos.file}:${d.pos.line}:${d.pos.col}: ` : '';
  const key = d.key ? `${d.key}: ` : '';
  return `${where}${d.severity}: ${key}${d.message}`;
}

/** A variable value after templating. Strings that came from (or mix in) a secret are Secrets. */
export type VarValue = MaybeSecret | number | boolean | null | VarValue[] | { [k: string]: VarValue };

/** A variable path, e.g. ["restic_backup_sets", 1, "minute"]. */
export type Path = (string | number)[];

/**
 * One host's merged variables (Ansible precedence applied, templates resolved),
 * with where each value was defined so schema errors can point at file:line:col.
 */
export interface HostVars {
  name: string; // inventory_hostname
  groupNames: string[]; // group_names (sorted, without "all")
  vars: Record<string, VarValue>;
  /** Position of a variable path, e.g. ["restic_backup_sets", 1, "minute"]; falls back to the nearest parent. */
  posOf(path: (string | number)[]): SourcePos | undefined;
  /** Position of a path's key (where "unknown key" points); the value's position where the key's is not known. */
  keyPosOf(path: Path): SourcePos | undefined;
  /** Paths whose templating failed: the loader reported them, so validation stays silent about them and below. */
  unresolved: readonly Path[];
}

export interface LoadedInventory {
  /** Inventory directory, relative to the repository root (e.g. "inventories/backup"). */
  dir: string;
  hosts: HostVars[]; // sorted by name
  /** groups[g] = every host in g (including via children), sorted; includes "all" and "ungrouped". */
  groups: Record<string, string[]>;
  warnings: Diagnostic[];
}

/** How the loader finds secrets: the step's environment and the vault password. */
export interface LoadOptions {
  /** Repository (workspace) root; diagnostics use paths relative to it. */
  repoRoot: string;
  /** Inventory directory (absolute, or relative to repoRoot). */
  inventoryDir: string;
  env: Record<string, string | undefined>;
  vaultPassword?: MaybeSecret;
  /**
   * Offline plans (a fork's pull request has no secrets): a secret that cannot be had
   * (env variable unset, vault without password) becomes a fixed placeholder Secret
   * instead of an error, so desired state can still be rendered and compared.
   */
  placeholderSecrets?: boolean;
  /** Environment names templates may read besides VAULT_* and RESTIC_FLEET_* (env-policy.ts). */
  envAllowlist?: readonly string[];
}
