import { concatMaybeSecret, isSecret, reveal, Secret, type MaybeSecret } from '../secret.js';
import { keyPath, posChild, type ComposedPos, type PosTree, type RawEntry, type RawNode, type RawScalar, type RawVault } from './raw.js';
import { hasTemplateSyntax, parseTemplate, type Expr, type ParsedTemplate, type Pipeline } from './template.js';
import { DECRYPT_CAP_MESSAGE, LIMITS, takeDecrypt } from './limits.js';
import type { Diagnostic, SourcePos, VarValue } from './types.js';
import { decryptVault, VaultError } from './vault.js';
import { ENV_RULE, envNameReadable } from './env-policy.js';

type Path = (string | number)[];

/** A resolved value, where each part of it is written, and which sub-paths could not be resolved (already reported). */
export interface Resolved {
  value: VarValue;
  pos: PosTree;
  failed: Path[];
  /** Templates were evaluated (the value may differ per host). */
  dynamic: boolean;
}

/** The stand-in for a secret an offline plan cannot read: the same name gives the same value. */
const PLACEHOLDER_PREFIX = 'offline-placeholder:';
export const placeholderSecret = (name: string): Secret => new Secret(`${PLACEHOLDER_PREFIX}${name}`, `placeholder for ${name}`);
/** An offline placeholder says nothing about the real value: comparisons with it are unknown. */
export const isPlaceholderSecret = (s: Secret): boolean => s.reveal().startsWith(PLACEHOLDER_PREFIX);

/** State shared by every host of one load: env lookups, vault password, per-node caches. */
export class ResolveContext {
  private readonly envSecrets = new Map<string, Secret>();
  /** Values of template-free subtrees, shared by all hosts (treated as read-only). */
  readonly staticValues = new WeakMap<RawNode, VarValue>();

  /** Value nodes built so far, over all hosts (LIMITS.valueNodes). */
  private spent = 0;
  /** The value budget ran out: reported once, every later value fails silently. */
  exhausted = false;
  private readonly sizes = new WeakMap<object, number>();

  constructor(
    readonly env: Record<string, string | undefined>,
    readonly vaultPassword: MaybeSecret | undefined,
    readonly placeholderSecrets = false,
    /** Extra environment names templates may read (see env-policy.ts). */
    readonly envAllowlist: readonly string[] = [],
    /** Shared with the whole-file vault reads of the same load. */
    private readonly vaultBudget = { decrypts: 0 },
  ) {}

  /** Spends `n` value nodes; false (once, then always) when the budget is gone. */
  spend(n: number): boolean {
    if (this.exhausted) return false;
    this.spent += n;
    if (this.spent > LIMITS.valueNodes) this.exhausted = true;
    return !this.exhausted;
  }

  /**
   * Nodes of a value as every later walk sees it (shared parts counted at each use),
   * memoized per object and saturating just over the cap, so a shared 2^40 DAG costs
   * one pass over its distinct objects.
   */
  valueSize(v: VarValue): number {
    if (v === null || typeof v !== 'object' || isSecret(v)) return 1;
    const known = this.sizes.get(v);
    if (known !== undefined) return known;
    let n = 1;
    for (const item of Array.isArray(v) ? v : Object.values(v)) {
      n = Math.min(n + this.valueSize(item), LIMITS.valueNodes + 1);
      if (n > LIMITS.valueNodes) break;
    }
    this.sizes.set(v, n);
    return n;
  }

  /**
   * Exact name first, then upper-cased; env values are always Secrets. Only names the
   * policy allows are read (env-policy.ts); `refused` lists the names that exist in no
   * readable form because of it. An empty value counts as unset: GitHub gives a fork's
   * pull request every `${{ secrets.X }}` as "", which is "no secret here", never a password.
   */
  envLookup(name: string): { value: Secret } | { tried: string[]; refused: string[]; empty: string[] } {
    const names = [...new Set([name, name.toUpperCase()])];
    const tried = names.filter((n) => envNameReadable(n, this.envAllowlist));
    const refused = names.filter((n) => !tried.includes(n));
    const empty: string[] = [];
    for (const n of tried) {
      const v = this.env[n];
      if (v === undefined) continue;
      if (v === '') {
        empty.push(n);
        continue;
      }
      let s = this.envSecrets.get(n);
      if (!s) {
        s = new Secret(v, `env ${n}`);
        this.envSecrets.set(n, s);
      }
      return { value: s };
    }
    if (this.placeholderSecrets && tried.length) return { value: placeholderSecret(name) };
    return { tried, refused, empty };
  }

  decrypt(node: RawVault): { ok: true; value: Secret } | { ok: false; message: string } {
    if (node.decrypted) return node.decrypted;
    const file = node.pos.file;
    if (this.vaultPassword === undefined && this.placeholderSecrets) {
      node.decrypted = { ok: true, value: placeholderSecret(`!vault in ${file}:${node.pos.line}`) };
    } else if (this.vaultPassword === undefined) {
      node.decrypted = {
        ok: false,
        message: `this !vault value in ${file} is encrypted with ansible-vault: the \`vault-password\` input (vault password) is needed`,
      };
    } else if (!takeDecrypt(this.vaultBudget)) {
      node.decrypted = { ok: false, message: `this !vault value in ${file}: ${DECRYPT_CAP_MESSAGE}` };
    } else {
      try {
        node.decrypted = { ok: true, value: new Secret(decryptVault(node.ciphertext, reveal(this.vaultPassword)), `vault ${file}`) };
      } catch (e) {
        if (!(e instanceof VaultError)) throw e;
        node.decrypted = { ok: false, message: `cannot decrypt this !vault value in ${file}: ${e.message}` };
      }
    }
    return node.decrypted;
  }
}

type Val =
  | { kind: 'val'; value: VarValue; pos?: PosTree; failed: Path[] }
  | { kind: 'undef'; why: string }
  | { kind: 'fail' };

const FAILED: Val = { kind: 'fail' };

/**
 * Resolves one host's variables on demand: each variable once (memoized), its
 * templates evaluated against the host's merged variables, magic variables and
 * the environment. Cycles and undefined references are reported with the
 * position of the reference; a failed value is resolved as null and its path
 * listed in `failed` so the schema does not report it a second time.
 */
export class HostResolver {
  private readonly cache = new Map<string, Resolved>();
  private readonly stack: string[] = [];
  private overrunReported = false;

  constructor(
    private readonly vars: ReadonlyMap<string, RawEntry>,
    private readonly magic: Readonly<Record<string, VarValue>>,
    private readonly ctx: ResolveContext,
    private readonly report: (d: Diagnostic) => void,
    /** Appended to "undefined variable" messages, e.g. when a vault file could not be decrypted. */
    private readonly undefinedHint = '',
  ) {}

  /** undefined: the inventory does not define the variable. */
  resolveVar(name: string): Resolved | undefined {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const entry = this.vars.get(name);
    if (!entry) return undefined;
    this.stack.push(name);
    const r = this.resolveNode(entry.node, [name]);
    this.stack.pop();
    this.cache.set(name, r);
    return r;
  }

  private error(pos: SourcePos, path: Path, message: string): void {
    this.report({ severity: 'error', pos, key: keyPath(path), message });
  }

  private failedAt(node: RawNode): Resolved {
    return { value: null, pos: node, failed: [[]], dynamic: true };
  }

  /** Charges the value budget; on the first overrun reports where, and the caller fails the value. */
  private charge(n: number, node: RawNode, path: Path): boolean {
    if (this.ctx.spend(n)) return true;
    if (!this.overrunReported) {
      this.overrunReported = true;
      this.error(
        node.pos,
        path,
        `the inventory's variables add up to more than ${LIMITS.valueNodes} values over all hosts (the cap; values shared by many hosts, through aliases or templates, count for each)`,
      );
    }
    return false;
  }

  resolveNode(node: RawNode, path: Path): Resolved {
    if (this.ctx.exhausted) return this.failedAt(node);
    const known = this.ctx.staticValues.get(node);
    if (known !== undefined) {
      if (!this.charge(this.ctx.valueSize(known), node, path)) return this.failedAt(node);
      return { value: known, pos: node, failed: [], dynamic: false };
    }
    if (!this.charge(1, node, path)) return this.failedAt(node);
    let r: Resolved;
    switch (node.kind) {
      case 'scalar':
        r = this.resolveScalar(node, path);
        break;
      case 'vault': {
        const d = this.ctx.decrypt(node);
        if (!d.ok) {
          this.error(node.pos, path, d.message);
          return this.failedAt(node);
        }
        r = hasTemplateSyntax(d.value.reveal())
          ? this.evalTemplate(node, path, parseTemplate(d.value.reveal(), false), d.value.origin)
          : { value: d.value, pos: node, failed: [], dynamic: false };
        break;
      }
      case 'seq': {
        const value: VarValue[] = [];
        const failed: Path[] = [];
        let dynamic = false;
        let reshaped = false;
        const children: ComposedPos['children'] = new Map();
        node.items.forEach((item, i) => {
          const c = this.resolveNode(item, [...path, i]);
          value.push(c.value);
          for (const f of c.failed) failed.push([i, ...f]);
          dynamic ||= c.dynamic;
          reshaped ||= c.pos !== item;
          children.set(i, { keyPos: item.pos, tree: c.pos });
        });
        r = { value, failed, dynamic, pos: reshaped ? { kind: 'composed', pos: node.pos, children } : node };
        break;
      }
      case 'map': {
        const value: Record<string, VarValue> = {};
        const failed: Path[] = [];
        let dynamic = false;
        let reshaped = false;
        const children: ComposedPos['children'] = new Map();
        for (const [k, e] of node.entries) {
          const c = this.resolveNode(e.node, [...path, k]);
          value[k] = c.value;
          for (const f of c.failed) failed.push([k, ...f]);
          dynamic ||= c.dynamic;
          reshaped ||= c.pos !== e.node;
          children.set(k, { keyPos: e.keyPos, tree: c.pos });
        }
        r = { value, failed, dynamic, pos: reshaped ? { kind: 'composed', pos: node.pos, children } : node };
        break;
      }
    }
    if (!r.dynamic && r.failed.length === 0) this.ctx.staticValues.set(node, r.value);
    return r;
  }

  private resolveScalar(node: RawScalar, path: Path): Resolved {
    const v = node.value;
    if (typeof v !== 'string' || node.unsafe || !hasTemplateSyntax(v)) {
      const value = node.secretOrigin && v !== null ? new Secret(String(v), node.secretOrigin) : v;
      return { value, pos: node, failed: [], dynamic: false };
    }
    node.template ??= parseTemplate(v, !node.secretOrigin);
    return this.evalTemplate(node, path, node.template as ParsedTemplate, node.secretOrigin);
  }

  private evalTemplate(node: RawNode, path: Path, parsed: ParsedTemplate, secretOrigin: string | undefined): Resolved {
    if (!parsed.ok) {
      this.error(node.pos, path, parsed.message);
      return this.failedAt(node);
    }
    const { template } = parsed;
    if (template.whole) {
      const v = this.evalPipeline(template.parts[0] as Pipeline, node, path);
      if (v.kind !== 'val') return this.failedAt(node);
      if (!this.charge(this.ctx.valueSize(v.value), node, path)) return this.failedAt(node);
      let value = v.value;
      if (secretOrigin && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) {
        value = new Secret(String(value), secretOrigin);
      }
      return { value, pos: wholeTemplatePos(node, v.pos), failed: v.failed, dynamic: true };
    }
    const pieces: MaybeSecret[] = [];
    for (const part of template.parts) {
      if (typeof part === 'string') {
        pieces.push(part);
        continue;
      }
      const v = this.evalPipeline(part, node, path);
      if (v.kind !== 'val' || v.failed.length) return this.failedAt(node);
      const s = this.stringify(v.value, part, node, path);
      if (s === undefined) return this.failedAt(node);
      pieces.push(s);
    }
    if (!this.withinLength(pieces, node, path)) return this.failedAt(node);
    let value: MaybeSecret = concatMaybeSecret(pieces);
    if (secretOrigin && typeof value === 'string') value = new Secret(value, secretOrigin);
    return { value, pos: node, failed: [], dynamic: true };
  }

  /** Template output is capped (a doubling chain x1 = "{{x0}}{{x0}}" … reaches 2^40 characters). */
  private withinLength(pieces: MaybeSecret[], node: RawNode, path: Path): boolean {
    let n = 0;
    for (const p of pieces) n += typeof p === 'string' ? p.length : p.reveal().length;
    if (n <= LIMITS.templateChars) return true;
    this.error(node.pos, path, `the template's result is longer than ${LIMITS.templateChars} characters (the cap)`);
    return false;
  }

  /** Text form of a value inside a string, as Ansible renders it (True/False/None). */
  private stringify(v: VarValue, part: Pipeline, node: RawNode, path: Path): MaybeSecret | undefined {
    if (typeof v === 'string' || isSecret(v)) return v;
    if (typeof v === 'number') return String(v);
    if (typeof v === 'boolean') return v ? 'True' : 'False';
    if (v === null) return 'None';
    this.error(node.pos, path, `\`{{ ${part.text} }}\` is a ${Array.isArray(v) ? 'list' : 'mapping'} and cannot be embedded in text (use | join(sep) for lists)`);
    return undefined;
  }

  private evalPipeline(p: Pipeline, node: RawNode, path: Path): Val {
    let cur = this.evalExpr(p.expr, p, node, path);
    for (const f of p.filters) {
      if (cur.kind === 'fail') return cur;
      if (f.name === 'default') {
        const onFalsy = f.args[1]?.kind === 'lit' && f.args[1].value === true;
        if (cur.kind === 'undef' || (onFalsy && isFalsy(cur.value))) cur = this.evalExpr(f.args[0]!, p, node, path);
        continue;
      }
      // join
      if (cur.kind === 'undef') break;
      if (!Array.isArray(cur.value)) {
        this.error(node.pos, path, `\`{{ ${p.text} }}\`: join needs a list`);
        return FAILED;
      }
      if (cur.failed.length) return FAILED;
      let sep: MaybeSecret = '';
      if (f.args[0]) {
        const s = this.evalExpr(f.args[0], p, node, path);
        if (s.kind === 'undef') {
          this.error(node.pos, path, s.why);
          return FAILED;
        }
        if (s.kind === 'fail') return s;
        const text = this.stringify(s.value, p, node, path);
        if (text === undefined) return FAILED;
        sep = text;
      }
      const parts: MaybeSecret[] = [];
      for (const [i, item] of cur.value.entries()) {
        if (i > 0) parts.push(sep);
        const text = this.stringify(item, p, node, path);
        if (text === undefined) return FAILED;
        parts.push(text);
      }
      if (!this.withinLength(parts, node, path)) return FAILED;
      cur = { kind: 'val', value: concatMaybeSecret(parts), failed: [] };
    }
    if (cur.kind === 'undef') {
      this.error(node.pos, path, `${cur.why}${this.undefinedHint}`);
      return FAILED;
    }
    return cur;
  }

  private evalExpr(e: Expr, p: Pipeline, node: RawNode, path: Path): Val {
    if (e.kind === 'lit') return { kind: 'val', value: e.value, failed: [] };
    if (e.kind === 'list') {
      const value: VarValue[] = [];
      for (const item of e.items) {
        const v = this.evalExpr(item, p, node, path);
        if (v.kind !== 'val') return v;
        if (v.failed.length) return FAILED;
        value.push(v.value);
      }
      return { kind: 'val', value, failed: [] };
    }
    let cur: Val = this.lookup(e.name, node, path);
    let shown = e.name;
    for (const seg of e.segs) {
      if (cur.kind !== 'val') return cur;
      const parentShown = shown;
      shown += typeof seg === 'number' ? `[${seg}]` : `.${seg}`;
      const v = cur.value;
      if (typeof v === 'string' || isSecret(v)) {
        this.error(node.pos, path, `\`{{ ${p.text} }}\`: "${parentShown}" is a string, it has no "${seg}"`);
        return FAILED;
      }
      const child = cur.pos && posChild(cur.pos, seg);
      const failed = cur.failed.filter((f) => f[0] === seg).map((f) => f.slice(1));
      if (cur.failed.some((f) => f.length === 0)) return FAILED;
      if (Array.isArray(v) && typeof seg === 'number' && seg < v.length) {
        cur = { kind: 'val', value: v[seg]!, pos: child?.tree, failed };
      } else if (v && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, String(seg))) {
        cur = { kind: 'val', value: (v as Record<string, VarValue>)[String(seg)]!, pos: child?.tree, failed };
      } else {
        return { kind: 'undef', why: `"${shown}" is not defined ("${parentShown}" has no ${typeof seg === 'number' ? 'item' : 'key'} ${JSON.stringify(seg)})` };
      }
    }
    return cur;
  }

  private lookup(name: string, node: RawNode, path: Path): Val {
    if (Object.hasOwn(this.magic, name)) return { kind: 'val', value: this.magic[name]!, failed: [] };
    const cycleAt = this.stack.indexOf(name);
    if (cycleAt >= 0) {
      const chain = [...this.stack.slice(cycleAt), name].join(' → ');
      this.error(node.pos, path, `template cycle: ${chain}`);
      return FAILED;
    }
    if (this.stack.length >= LIMITS.templateDepth && this.vars.has(name)) {
      const chain = `${this.stack.slice(0, 2).join(' → ')} → … → ${this.stack.at(-1)!} → ${name}`;
      this.error(node.pos, path, `templates nested deeper than ${LIMITS.templateDepth} variables (the cap): ${chain}`);
      return FAILED;
    }
    const r = this.resolveVar(name);
    if (r) return { kind: 'val', value: r.value, pos: r.pos, failed: r.failed };
    const env = this.ctx.envLookup(name);
    if ('value' in env) return { kind: 'val', value: env.value, failed: [] };
    const names = env.tried.map((n) => `\`${n}\`${env.empty.includes(n) ? ' (empty)' : ''}`);
    const verb = env.empty.length ? 'is set (an empty value counts as unset)' : 'is set';
    const envPart =
      names.length > 1 ? `neither env ${names.join(' nor ')} ${verb}` : names.length ? `env ${names[0]} is ${env.empty.length ? 'empty (an empty value counts as unset)' : 'not set'}` : '';
    const refusedPart = env.refused.length ? `${envPart ? '; ' : ''}env ${env.refused.map((n) => `\`${n}\``).join(' and ')} cannot be read: ${ENV_RULE}` : '';
    return { kind: 'undef', why: `undefined variable "${name}": not defined in the inventory, and ${envPart}${refusedPart}` };
  }
}

/**
 * Where a whole-string template's value is written. A scalar (an id, a password) is
 * written here, at the template: its errors point at this line, not at the variable it
 * came from (a vault file the reader of the error does not need to open). A list or
 * mapping pulled in from another variable keeps that variable's positions for its items,
 * under this node's own position.
 */
function wholeTemplatePos(node: RawNode, from: PosTree | undefined): PosTree {
  if (!from) return node;
  switch (from.kind) {
    case 'map':
      return { kind: 'composed', pos: node.pos, children: new Map([...from.entries].map(([k, e]) => [k, { keyPos: e.keyPos, tree: e.node }])) };
    case 'seq':
      return { kind: 'composed', pos: node.pos, children: new Map(from.items.map((item, i) => [i, { keyPos: item.pos, tree: item }])) };
    case 'composed':
      return { kind: 'composed', pos: node.pos, children: from.children };
    default:
      return node;
  }
}

const isFalsy = (v: VarValue): boolean =>
  v === null || v === false || v === 0 || v === '' || (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'object' && !Array.isArray(v) && !isSecret(v) && Object.keys(v).length === 0) ||
  (isSecret(v) && v.reveal() === '');
