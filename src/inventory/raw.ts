import type { Secret } from '../secret.js';
import type { SourcePos } from './types.js';

/**
 * A YAML value as written, before templating, with the position of every node.
 * Nodes reached through YAML aliases are shared objects (the anchor's node), so
 * a value's position is always where it is actually written.
 */
export type RawNode = RawScalar | RawVault | RawSeq | RawMap;

interface RawBase {
  pos: SourcePos;
  /** Set for content of a vault-encrypted file: every scalar in it becomes a Secret with this origin. */
  secretOrigin?: string;
}

export interface RawScalar extends RawBase {
  kind: 'scalar';
  value: string | number | boolean | null;
  /** Ansible's `!unsafe` tag: never templated. */
  unsafe?: boolean;
  /** Parsed template, cached on the node so a group var is parsed once for all hosts. */
  template?: unknown;
}

/** An inline `!vault |` scalar, decrypted lazily (only if a variable we read needs it). */
export interface RawVault extends RawBase {
  kind: 'vault';
  ciphertext: string;
  /** Decryption result, cached on the node (PBKDF2 is deliberately slow). */
  decrypted?: { ok: true; value: Secret } | { ok: false; message: string };
}

export interface RawSeq extends RawBase {
  kind: 'seq';
  items: RawNode[];
}

export interface RawEntry {
  keyPos: SourcePos;
  node: RawNode;
}

export interface RawMap extends RawBase {
  kind: 'map';
  entries: Map<string, RawEntry>;
}

/**
 * Where each part of a resolved value is written. Raw nodes are position trees
 * themselves; templating builds `ComposedPos` only where substitution changed
 * the shape (a whole-string template that pulled in another variable's list).
 */
export type PosTree = RawNode | ComposedPos;

export interface ComposedPos {
  kind: 'composed';
  pos: SourcePos;
  children: Map<string | number, { keyPos: SourcePos; tree: PosTree }>;
}

export function posChild(tree: PosTree, key: string | number): { keyPos: SourcePos; tree: PosTree } | undefined {
  switch (tree.kind) {
    case 'map': {
      const e = tree.entries.get(String(key));
      return e && { keyPos: e.keyPos, tree: e.node };
    }
    case 'seq': {
      const item = typeof key === 'number' ? tree.items[key] : undefined;
      return item && { keyPos: item.pos, tree: item };
    }
    case 'composed':
      return tree.children.get(key);
    default:
      return undefined;
  }
}

/** Position of a path inside a tree: the deepest node that exists (nearest parent when the rest is missing). */
export function posAt(
  tree: PosTree,
  path: readonly (string | number)[],
): { pos: SourcePos; keyPos?: SourcePos; complete: boolean } {
  let cur = tree;
  let keyPos: SourcePos | undefined;
  for (const seg of path) {
    const next = posChild(cur, seg);
    if (!next) return { pos: cur.pos, keyPos, complete: false };
    cur = next.tree;
    keyPos = next.keyPos;
  }
  return { pos: cur.pos, keyPos, complete: true };
}

/** "restic_backup_sets[1].minute" */
export function keyPath(path: readonly (string | number | symbol)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

export const fmtPos = (p: SourcePos): string => `${p.file}:${p.line}:${p.col}`;
