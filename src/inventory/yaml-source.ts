import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type ScalarTag,
  type Tags,
} from 'yaml';
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
export function parseYaml(text: string, file: string, secretOrigin?: string): ParsedYaml {
  const lc = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    lineCounter: lc,
    prettyErrors: false,
    uniqueKeys: false,
    customTags: pyyamlTags,
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
  return { root, diagnostics };
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

class Converter {
  private readonly done = new Map<Node, RawNode>();
  private readonly inProgress = new Set<Node>();

  constructor(
    private readonly doc: Document,
    private readonly at: (offset: number) => SourcePos,
    private readonly problem: (severity: Diagnostic['severity'], offset: number, message: string) => void,
    private readonly secretOrigin: string | undefined,
  ) {}

  private start(node: Node): number {
    return node.range?.[0] ?? 0;
  }

  convert(input: Node): RawNode {
    const node = isAlias(input) ? (input.resolve(this.doc) as Node | undefined) : input;
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
    this.inProgress.add(node);
    const raw = this.convertNode(node);
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
      return { kind: 'seq', items: node.items.map((it) => this.convert(it as Node)), ...this.base(node) };
    }
    if (isMap(node)) return this.convertMap(node);
    this.problem('error', this.start(node), 'unsupported YAML node');
    return { kind: 'scalar', value: null, ...this.base(node) };
  }

  private convertMap(node: Node & { items: unknown[] }): RawMap {
    const entries = new Map<string, RawEntry>();
    const merged = new Map<string, RawEntry>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = pair.key as Node | null;
      const keyOffset = key ? this.start(key) : this.start(node);
      if (key && isScalar(key) && (typeof key.value === 'symbol' || (key.value === '<<' && key.type === 'PLAIN'))) {
        this.collectMerge(pair.value as Node | null, merged, keyOffset);
        continue;
      }
      if (key && !isScalar(key) && !isAlias(key)) {
        this.problem('error', keyOffset, 'complex (collection) mapping keys are not supported');
        continue;
      }
      const keyNode = key && isAlias(key) ? (key.resolve(this.doc) as Node | undefined) : key;
      const name = keyNode && isScalar(keyNode) ? String(keyNode.value ?? '') : '';
      const keyPos = this.at(keyOffset);
      const valueNode = pair.value as Node | null;
      const value: RawNode = valueNode
        ? this.convert(valueNode)
        : { kind: 'scalar', value: null, pos: keyPos, ...(this.secretOrigin ? { secretOrigin: this.secretOrigin } : {}) };
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
    for (const [k, e] of merged) if (!entries.has(k)) entries.set(k, e);
    return { kind: 'map', entries, ...this.base(node) };
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
