/**
 * The Jinja subset restic-fleet evaluates (documented in docs/inventory.md):
 *
 *   {{ name }}  {{ a.b.c }}  {{ list[0] }}  {{ list.0 }}  {{ map['key'] }}
 *   {{ x | default(y) }}  {{ x | d(y) }}  {{ x | default(y, true) }}
 *   {{ list | join }}  {{ list | join(', ') }}
 *
 * Filter arguments are literals ('text', "text", 12, 1.5, true, false, none,
 * [lists of those]) or variables. Everything else — `{% %}`, `{# #}`,
 * whitespace control, other filters, arithmetic, `~`, comparisons, tests,
 * function calls — is rejected with a message naming the expression.
 */

export type Expr =
  | { kind: 'var'; name: string; segs: (string | number)[] }
  | { kind: 'lit'; value: string | number | boolean | null }
  | { kind: 'list'; items: Expr[] };

export interface Filter {
  name: 'default' | 'join';
  args: Expr[];
}

export interface Pipeline {
  expr: Expr;
  filters: Filter[];
  /** The expression as written between the braces, for messages. */
  text: string;
}

export interface Template {
  parts: Array<string | Pipeline>;
  /** The whole string is one `{{ }}`: the result keeps its type (a list stays a list), as in Ansible. */
  whole: boolean;
}

export type ParsedTemplate = { ok: true; template: Template } | { ok: false; message: string };

export const hasTemplateSyntax = (s: string): boolean => s.includes('{{') || s.includes('{%') || s.includes('{#');

const SUBSET = 'supported: {{ var }}, dotted paths, [index], | default(x), | join(sep)';

class TemplateSyntaxError extends Error {}

/** `quote` = false for secret content: messages then never repeat the text. */
export function parseTemplate(source: string, quote = true): ParsedTemplate {
  try {
    return { ok: true, template: parse(source) };
  } catch (e) {
    if (!(e instanceof TemplateSyntaxError)) throw e;
    const msg = quote ? e.message : e.message.replace(/`[^`]*`/g, '(expression hidden: secret content)');
    return { ok: false, message: msg };
  }
}

function snippet(s: string, from: number, end?: number): string {
  const stop = end ?? Math.min(s.length, from + 60);
  const text = s.slice(from, stop).replace(/\s+/g, ' ');
  return stop < s.length && end === undefined ? `${text}…` : text;
}

function parse(s: string): Template {
  const parts: Array<string | Pipeline> = [];
  let text = '';
  let i = 0;
  while (i < s.length) {
    const open = s.indexOf('{', i);
    if (open < 0 || open === s.length - 1) {
      text += s.slice(i);
      break;
    }
    const next = s[open + 1];
    if (next === '%' || next === '#') {
      const close = s.indexOf(next === '%' ? '%}' : '#}', open + 2);
      const what = next === '%' ? 'statements ({% … %})' : 'comments ({# … #})';
      throw new TemplateSyntaxError(
        `unsupported template syntax \`${snippet(s, open, close < 0 ? undefined : close + 2)}\`: ${what} are not supported (${SUBSET})`,
      );
    }
    if (next !== '{') {
      text += s.slice(i, open + 1);
      i = open + 1;
      continue;
    }
    text += s.slice(i, open);
    if (text) parts.push(text);
    text = '';
    const { pipeline, end } = parseExpression(s, open);
    parts.push(pipeline);
    i = end;
  }
  if (text) parts.push(text);
  return { parts, whole: parts.length === 1 && typeof parts[0] !== 'string' };
}

type Token =
  | { t: 'ident'; v: string; at: number }
  | { t: 'num'; v: number; at: number }
  | { t: 'str'; v: string; at: number }
  | { t: 'punct'; v: string; at: number }
  | { t: 'end'; at: number };

/** Tokenizes from after `{{` up to the matching `}}` (quotes respected). */
function tokenize(s: string, open: number): { tokens: Token[]; end: number; text: string } {
  const tokens: Token[] = [];
  let i = open + 2;
  const full = (stop?: number) => snippet(s, open, stop);
  if (s[i] === '-' || s[i] === '+') {
    throw new TemplateSyntaxError(`unsupported template syntax \`${full()}\`: whitespace control ({{- -}}) is not supported (${SUBSET})`);
  }
  for (;;) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) throw new TemplateSyntaxError(`unclosed \`{{\` in \`${full()}\``);
    const c = s[i]!;
    if (c === '}' && s[i + 1] === '}') {
      tokens.push({ t: 'end', at: i });
      const text = s.slice(open + 2, i).trim();
      return { tokens, end: i + 2, text };
    }
    if (c === '-' && s[i + 1] === '}' && s[i + 2] === '}') {
      throw new TemplateSyntaxError(`unsupported template syntax \`${full(i + 3)}\`: whitespace control ({{- -}}) is not supported (${SUBSET})`);
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i))!;
      tokens.push({ t: 'ident', v: m[0], at: i });
      i += m[0].length;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(?:\.[0-9]+)?/.exec(s.slice(i))!;
      tokens.push({ t: 'num', v: Number(m[0]), at: i });
      i += m[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let v = '';
      for (; j < s.length && s[j] !== c; j++) {
        if (s[j] === '\\' && j + 1 < s.length) {
          j++;
          const e = s[j]!;
          v += e === 'n' ? '\n' : e === 't' ? '\t' : e;
        } else v += s[j];
      }
      if (j >= s.length) throw new TemplateSyntaxError(`unterminated string in \`${full()}\``);
      tokens.push({ t: 'str', v, at: i });
      i = j + 1;
      continue;
    }
    if ('.[]()|,'.includes(c)) {
      tokens.push({ t: 'punct', v: c, at: i });
      i++;
      continue;
    }
    const close = s.indexOf('}}', i);
    throw new TemplateSyntaxError(
      `unsupported template syntax \`${full(close < 0 ? undefined : close + 2)}\`: "${c}" (operators, arithmetic, concatenation and comparisons are not supported; ${SUBSET})`,
    );
  }
}

const LITERAL_WORDS: Record<string, boolean | null> = { true: true, false: false, True: true, False: false, none: null, None: null };
const KEYWORDS = new Set(['if', 'else', 'not', 'and', 'or', 'in', 'is']);

function parseExpression(s: string, open: number): { pipeline: Pipeline; end: number } {
  const { tokens, end, text } = tokenize(s, open);
  const shown = `{{ ${text} }}`;
  let k = 0;
  const peek = () => tokens[k]!;
  const fail = (why: string): never => {
    throw new TemplateSyntaxError(`unsupported template syntax \`${shown}\`: ${why} (${SUBSET})`);
  };
  const isPunct = (tok: Token, v: string) => tok.t === 'punct' && tok.v === v;
  const expect = (v: string) => {
    if (!isPunct(peek(), v)) fail(`expected "${v}"`);
    k++;
  };

  const primary = (): Expr => {
    const tok = peek();
    if (tok.t === 'str' || tok.t === 'num') {
      k++;
      return { kind: 'lit', value: tok.v };
    }
    if (isPunct(tok, '[')) {
      k++;
      const items: Expr[] = [];
      while (!isPunct(peek(), ']')) {
        items.push(primary());
        if (isPunct(peek(), ',')) k++;
        else if (!isPunct(peek(), ']')) fail('expected "," or "]" in a list');
      }
      k++;
      return { kind: 'list', items };
    }
    if (tok.t !== 'ident') return fail(tok.t === 'end' ? 'empty expression' : 'expected a variable or a literal');
    k++;
    if (KEYWORDS.has(tok.v)) fail(`"${tok.v}" expressions (conditions, tests, logic) are not supported`);
    if (tok.v in LITERAL_WORDS && !isPunct(peek(), '.') && !isPunct(peek(), '[')) {
      return { kind: 'lit', value: LITERAL_WORDS[tok.v]! };
    }
    if (isPunct(peek(), '(')) fail(`function calls (${tok.v}(…)) are not supported`);
    const segs: (string | number)[] = [];
    for (;;) {
      const p = peek();
      // One path segment after "." (a name) or inside "[…]" (a literal): an integer index either way.
      const segment = (named: 'ident' | 'str', why: string) => {
        k++;
        const n = peek();
        if (n.t === named || (n.t === 'num' && Number.isInteger(n.v))) segs.push(n.v as string | number);
        else fail(why);
        k++;
      };
      if (isPunct(p, '.')) {
        segment('ident', 'expected a name after "."');
        if (isPunct(peek(), '(')) fail('method calls are not supported');
      } else if (isPunct(p, '[')) {
        segment('str', "only literal indexes ([0], ['key']) are supported");
        expect(']');
      } else break;
    }
    return { kind: 'var', name: tok.v, segs };
  };

  const expr = primary();
  const filters: Filter[] = [];
  while (isPunct(peek(), '|')) {
    k++;
    const f = peek();
    if (f.t !== 'ident') fail('expected a filter name after "|"');
    k++;
    const name = (f as { v: string }).v;
    const args: Expr[] = [];
    if (isPunct(peek(), '(')) {
      k++;
      while (!isPunct(peek(), ')')) {
        args.push(primary());
        if (isPunct(peek(), ',')) k++;
        else if (!isPunct(peek(), ')')) fail('expected "," or ")"');
      }
      k++;
    }
    if (name === 'default' || name === 'd') {
      if (args.length < 1 || args.length > 2) fail('default takes one value and an optional boolean');
      if (args[1] && !(args[1].kind === 'lit' && typeof args[1].value === 'boolean')) fail('the second argument of default must be true or false');
      filters.push({ name: 'default', args });
    } else if (name === 'join') {
      if (args.length > 1) fail('join takes at most one argument (the separator)');
      filters.push({ name: 'join', args });
    } else {
      fail(`filter "${name}" is not supported`);
    }
  }
  const rest = peek();
  if (rest.t === 'ident' && KEYWORDS.has(rest.v)) fail(`"${rest.v}" expressions (conditions, tests, logic) are not supported`);
  if (rest.t !== 'end') fail('unexpected text after the expression');
  return { pipeline: { expr, filters, text }, end };
}
