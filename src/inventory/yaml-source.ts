import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
  type ScalarTag,
  type Tags,
} from 'yaml';
import { LIMITS } from './limits.js';
import type { Diagnostic, SourcePos } from './types.js';
import type { RawEntry, RawMap, RawNode } from './raw.js';

// Ansible's own tags. Declared so `yaml` does not warn about them; we read node.tag.
const vaultTag: ScalarTag = { tag: '!vault', resolve: (s) => s };
const unsafeTag: ScalarTag = { tag: '!unsafe', resolve: (s) => s };

/**
 * Ansible reads YAML with PyYAML, whose YAML 1.1 resolver is narrower than the
 * spec that `yaml` implements: `y`/`n` stay strings, `08` and `01:10` stay
 * strings, a float needs a dot (`1e3` is a string). PyYAML's own patterns are
 * added as a lookahead to `yaml`'s int and float tests, and replace its booleans.
 */
const PY_INT = '[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+';
const PY_FLOAT =
  '[-+]?[0-9][0-9_]*\\.[0-9_]*(?:[eE][-+][0-9]+)?|\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN)';
const PY_TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const PY_FALSE = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;

const narrowed = (test: RegExp, py: string): RegExp => new RegExp(`^(?=(?:${py})$)${test.source.replace(/^\^/, '')}`, test.flags);

function pyyamlTags(tags: Tags): Tags {
  const out = tags.map((t) => {
    if (typeof t !== 'object' || !('test' in t) || !t.test) return t;
    if (t.tag === 'tag:yaml.org,2002:bool') return { ...t, test: t.test.test('yes') ? PY_TRUE : PY_FALSE };
    if (t.tag === 'tag:yaml.org,2002:int') return { ...t, test: narrowed(t.test, PY_INT) };
    if (t.tag === 'tag:yaml.org,2002:float') return { ...t, test: narrowed(t.test, PY_FLOAT) };
    return t;
  });
  return [...out, vaultTag, unsafeTag];
}

/** yaml asks for the tags per document and always passes the same YAML 1.1 set: build them (and their regexes) once. */
let pyyaml11Tags: Tags | undefined;
const pyyamlTagsOnce = (tags: Tags): Tags => (pyyaml11Tags ??= pyyamlTags(tags));

export interface ParsedYaml {
  root: RawNode | null; // null: empty document, or errors
  diagnostics: Diagnostic[];
}

/**
 * Parses one YAML file the way Ansible reads it (YAML 1.1: yes/no booleans, `<<`
 * merge keys, 0755 octal; duplicate keys: last wins with a warning) into raw nodes
 * that keep file:line:col. `secretOrigin` marks decrypted vault files: then error
 * messages never quote content.
 */
export function parseYaml(text: string, file: string, secretOrigin?: string, budget?: YamlBudget): ParsedYaml {
  // Before the parser, which costs ~10 µs and ~1.5 KB per node and recurses per nesting
  // level (a few KiB of `[[[[…` exhaust its stack, or the process).
  const scan = scanYaml(text);
  const fail = (offset: number, message: string): ParsedYaml => {
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const col = offset - before.lastIndexOf('\n');
    return { root: null, diagnostics: [{ severity: 'error', pos: { file, line, col }, message }] };
  };
  if (scan.deepAt !== undefined) return fail(scan.deepAt, `YAML nested deeper than ${LIMITS.yamlDepth} levels (the cap)`);
  if (scan.items > LIMITS.yamlNodes) return fail(0, `YAML has about ${scan.items} nodes, more than the cap of ${LIMITS.yamlNodes} per file: not parsed`);
  if (budget) {
    budget.items += scan.items;
    if (budget.items > LIMITS.yamlItems) {
      return fail(0, `the inventory's YAML files together have more than ${LIMITS.yamlItems} nodes (the cap; counted before parsing): not parsed`);
    }
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    lineCounter: lc,
    prettyErrors: false,
    uniqueKeys: false,
    customTags: pyyamlTagsOnce,
  });
  const at = (offset: number): SourcePos => {
    const { line, col } = lc.linePos(offset);
    return { file, line, col };
  };
  const diagnostics: Diagnostic[] = [];
  const problem = (severity: Diagnostic['severity'], offset: number, message: string) =>
    diagnostics.push({ severity, pos: at(offset), message });

  for (const e of doc.errors) {
    const quote = e.code === 'MISSING_CHAR' ? /closing (["'])quote/.exec(e.message)?.[1] : undefined;
    const offset = quote ? (unclosedQuote(text, e.pos[0], quote) ?? e.pos[0]) : e.pos[0];
    const detail = quote ? 'a quoted string is never closed' : firstLine(e.message);
    problem('error', offset, secretOrigin ? `invalid YAML in decrypted vault content (${e.code})` : `invalid YAML: ${detail}`);
  }
  if (doc.errors.length) return { root: null, diagnostics };
  for (const w of doc.warnings) {
    problem('warning', w.pos[0], secretOrigin ? `YAML warning in decrypted vault content (${w.code})` : `YAML: ${firstLine(w.message)}`);
  }
  if (doc.contents === null) return { root: null, diagnostics };

  const converter = new Converter(doc, at, problem, secretOrigin);
  const root = converter.convert(doc.contents as Node);
  return { root: converter.overBudget ? null : root, diagnostics };
}

/** Nodes parsed so far in one inventory (LIMITS.yamlItems). */
export interface YamlBudget {
  items: number;
}

/**
 * One pass over the text before the parser: where flow collections (`[`, `{`) or
 * compact block sequences (`- - -`) nest deeper than the cap, and an estimate of the
 * number of nodes (collections, list items, mapping entries), outside quotes and
 * comments. Indentation nesting is bounded by the file size cap and checked by the
 * converter. Quotes end at the end of a line here: counting too much is the safe side.
 */
function scanYaml(text: string): { deepAt?: number; items: number } {
  let depth = 0;
  let items = 1;
  let quote = '';
  let lineStart = true;
  let dashes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote && c !== '\n') {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '\n') {
      quote = '';
      lineStart = true;
      dashes = 0;
      continue;
    }
    const next = text[i + 1];
    const blankNext = next === undefined || next === ' ' || next === '\t' || next === '\n' || next === '\r';
    if (lineStart) {
      if (c === ' ' || c === '\t') continue;
      if (c === '-' && blankNext) {
        items++;
        if (++dashes > LIMITS.yamlDepth) return { deepAt: i, items };
        continue;
      }
      lineStart = false;
    }
    if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl - 1;
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s[{,:]/.test(text[i - 1]!))) quote = c;
    else if (c === '[' || c === '{') {
      items += 2;
      if (++depth > LIMITS.yamlDepth) return { deepAt: i, items };
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
    else if (c === ',') items++;
    else if (c === ':' && blankNext) items += 2;
  }
  return { items };
}

const firstLine = (s: string): string => s.split('\n')[0]!.trim();

/**
 * yaml reports an unclosed quote at the end of the input; point at the quote
 * that opened it instead: the last line before the error with an odd number of
 * that quote character.
 */
function unclosedQuote(text: string, errorOffset: number, quote: string): number | undefined {
  let end = errorOffset;
  while (end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end);
    if ((line.split(quote).length - 1) % 2 === 1) return start + line.lastIndexOf(quote);
    end = start - 1;
  }
  return undefined;
}

/**
 * yaml Node → RawNode. Each node is converted once: an alias returns the anchor's
 * RawNode (shared), so the result is a DAG no larger than the text. The size of
 * that DAG *expanded* (aliases counted at every use, as every later walk sees it) is
 * computed per node once and capped (LIMITS.yamlNodes): a billion-laughs document
 * stops at the alias that crosses the cap, with its position.
 */
class Converter {
  private readonly done = new Map<Node, RawNode>();
  private readonly inProgress = new Set<Node>();
  /** Expanded node count of each converted node (saturating at the cap + 1). */
  private readonly sizes = new WeakMap<RawNode, number>();
  /** Each alias's anchor, found in one pass (yaml's Alias.resolve walks the whole document per call). */
  private readonly anchors = new Map<Node, Node>();
  private depth = 0;
  overBudget = false;

  constructor(
    private readonly doc: Document,
    private readonly at: (offset: number) => SourcePos,
    private readonly problem: (severity: Diagnostic['severity'], offset: number, message: string) => void,
    private readonly secretOrigin: string | undefined,
  ) {
    const last = new Map<string, Node>();
    visit(doc, {
      Node: (_key, node) => {
        if (isAlias(node)) {
          const target = last.get(node.source);
          if (target) this.anchors.set(node, target);
        } else if (node.anchor) last.set(node.anchor, node);
      },
    });
  }

  private start(node: Node): number {
    return node.range?.[0] ?? 0;
  }

  private resolveAlias(input: Node): Node | undefined {
    return isAlias(input) ? this.anchors.get(input) : input;
  }

  /** Expanded size of a converted node. */
  sizeOf(raw: RawNode): number {
    return this.sizes.get(raw) ?? 1;
  }

  /** Adds a child's expanded size to a running total; reports once when the cap is crossed (at the child, e.g. the `*alias`). */
  private grow(total: number, child: RawNode, childInput: Node | null, offset?: number): number {
    const sum = Math.min(total + this.sizeOf(child), LIMITS.yamlNodes + 1);
    if (sum > LIMITS.yamlNodes && !this.overBudget) {
      this.overBudget = true;
      const at = offset ?? (childInput ? this.start(childInput) : 0);
      const how = childInput && isAlias(childInput) ? ` (through the alias *${childInput.source})` : '';
      this.problem('error', at, `YAML expands to more than ${LIMITS.yamlNodes} nodes${how}, counting each use of an alias (the cap; a "billion laughs" document)`);
    }
    return sum;
  }

  convert(input: Node): RawNode {
    const node = this.resolveAlias(input);
    if (!node) {
      this.problem('error', this.start(input), 'unresolved YAML alias');
      return { kind: 'scalar', value: null, pos: this.at(this.start(input)) };
    }
    const cached = this.done.get(node);
    if (cached) return cached;
    if (this.inProgress.has(node)) {
      this.problem('error', this.start(input), 'recursive YAML alias');
      return { kind: 'scalar', value: null, pos: this.at(this.start(input)) };
    }
    if (this.depth >= LIMITS.yamlDepth) {
      if (!this.overBudget) this.problem('error', this.start(input), `YAML nested deeper than ${LIMITS.yamlDepth} levels (the cap)`);
      this.overBudget = true;
      return { kind: 'scalar', value: null, pos: this.at(this.start(input)) };
    }
    this.inProgress.add(node);
    this.depth++;
    const raw = this.convertNode(node);
    this.depth--;
    this.inProgress.delete(node);
    this.done.set(node, raw);
    return raw;
  }

  private base(node: Node) {
    const b: { pos: SourcePos; secretOrigin?: string } = { pos: this.at(this.start(node)) };
    if (this.secretOrigin) b.secretOrigin = this.secretOrigin;
    return b;
  }

  private convertNode(node: Node): RawNode {
    if (isScalar(node)) {
      if (node.tag === '!vault') {
        return { kind: 'vault', ciphertext: String(node.value), ...this.base(node) };
      }
      const v = node.value;
      let value: string | number | boolean | null;
      if (v === null || v === undefined) value = null;
      else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') value = v;
      else if (typeof v === 'bigint') value = Number(v);
      else value = node.source ?? String(v); // timestamps, binary: keep the text as written
      const raw: RawNode = { kind: 'scalar', value, ...this.base(node) };
      if (node.tag === '!unsafe') raw.unsafe = true;
      return raw;
    }
    if (isSeq(node)) {
      let size = 1;
    let mergeAt = 0;
      const items = node.items.map((it) => {
        const raw = this.convert(it as Node);
        size = this.grow(size, raw, it as Node);
        return raw;
      });
      const seq: RawNode = { kind: 'seq', items, ...this.base(node) };
      this.sizes.set(seq, size);
      return seq;
    }
    if (isMap(node)) return this.convertMap(node);
    this.problem('error', this.start(node), 'unsupported YAML node');
    return { kind: 'scalar', value: null, ...this.base(node) };
  }

  private convertMap(node: Node & { items: unknown[] }): RawMap {
    const entries = new Map<string, RawEntry>();
    const merged = new Map<string, RawEntry>();
    let size = 1;
    let mergeAt = 0;
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = pair.key as Node | null;
      const keyOffset = key ? this.start(key) : this.start(node);
      if (key && isScalar(key) && (typeof key.value === 'symbol' || (key.value === '<<' && key.type === 'PLAIN'))) {
        mergeAt = keyOffset;
        this.collectMerge(pair.value as Node | null, merged, keyOffset);
        continue;
      }
      if (key && !isScalar(key) && !isAlias(key)) {
        this.problem('error', keyOffset, 'complex (collection) mapping keys are not supported');
        continue;
      }
      const keyNode = key && this.resolveAlias(key);
      const name = keyNode && isScalar(keyNode) ? String(keyNode.value ?? '') : '';
      const keyPos = this.at(keyOffset);
      const valueNode = pair.value as Node | null;
      const value: RawNode = valueNode
        ? this.convert(valueNode)
        : { kind: 'scalar', value: null, pos: keyPos, ...(this.secretOrigin ? { secretOrigin: this.secretOrigin } : {}) };
      size = this.grow(size, value, valueNode);
      const prev = entries.get(name);
      if (prev) {
        this.problem(
          'warning',
          keyOffset,
          `duplicate key "${name}" (first at line ${prev.keyPos.line}); the last one wins, as in Ansible`,
        );
        entries.delete(name); // keep insertion order = position of the winning key
      }
      entries.set(name, { keyPos, node: value });
    }
    // Explicit keys win over merged ones wherever the `<<` appears (YAML 1.1 merge spec).
    for (const [k, e] of merged) {
      if (entries.has(k)) continue;
      entries.set(k, e);
      size = this.grow(size, e.node, null, mergeAt);
    }
    const map: RawMap = { kind: 'map', entries, ...this.base(node) };
    this.sizes.set(map, size);
    return map;
  }

  /** `<<: *a` or `<<: [*a, *b]`: earlier sources win over later ones. */
  private collectMerge(value: Node | null, into: Map<string, RawEntry>, offset: number): void {
    const sources: RawNode[] = [];
    if (value) {
      const v = this.convert(value);
      if (v.kind === 'seq') sources.push(...v.items);
      else sources.push(v);
    }
    for (const src of sources) {
      if (src.kind !== 'map') {
        this.problem('error', offset, 'a `<<` merge key needs a mapping or a list of mappings');
        continue;
      }
      for (const [k, e] of src.entries) if (!into.has(k)) into.set(k, e);
    }
  }
}
