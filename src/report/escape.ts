/**
 * Making text that came from the inventory or from hosts safe to embed in markdown (PR
 * comments), HTML (job summary) and the log. Every function redacts first: escaping can
 * change a secret's spelling (`<` → `&lt;`, `@` → `@\u200d`), after which the final
 * `redact()` over the whole document would no longer recognise it.
 */
import { redact } from '../secret.js';
import { safeBlock } from '../safe-text.js';

/** Zero-width joiner: invisible, and breaks GitHub's @mention / #ref / URL auto-linking. */
export const ZWJ = '\u200d';

/**
 * Stops GitHub from pinging (`@user`, `@org/team`), cross-referencing (`#123`, `GH-123`,
 * `owner/repo#123`) or auto-linking (`https://…`) anything inside remote text. Backslash
 * escapes do not help here: GitHub links mentions in the rendered text, after markdown.
 */
export function neutralizeGitHubRefs(s: string): string {
  return s
    .replace(/@(?=[A-Za-z0-9_-])/g, `@${ZWJ}`)
    .replace(/#(?=\d)/g, `#${ZWJ}`)
    .replace(/\b(GH)-(?=\d)/gi, `$1-${ZWJ}`)
    .replace(/:\/\//g, `:${ZWJ}//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWJ}.`);
}

/** For text nodes only (we never put remote text into attributes, so quotes stay as they are). */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const flatten = (s: string): string => s.replace(/\r\n|\r|\n/g, ' ');

/**
 * Inline markdown text (list items, paragraphs): one line, no HTML, no markdown syntax
 * (links, emphasis, tables, math), nobody pinged.
 */
export function mdText(s: string): string {
  const safe = escapeHtml(neutralizeGitHubRefs(flatten(redact(s))));
  return safe.replace(/[\\`*_[\]|~$]/g, '\\$&');
}

/**
 * Text inside HTML (job summary tables, `<summary>`). Newlines become `<br>` (multiline) or
 * spaces: a blank line would end the HTML block and let the rest be parsed as markdown.
 */
export function htmlText(s: string, multiline = false): string {
  const lines = redact(s).split(/\r\n|\r|\n/).map((l) => escapeHtml(neutralizeGitHubRefs(l)));
  return lines.join(multiline ? '<br>' : ' ');
}

const longestRun = (s: string, ch: string): number => {
  let best = 0;
  let run = 0;
  for (const c of s) {
    run = c === ch ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
};

/**
 * A fenced code block the content cannot break out of: the fence is one backtick longer
 * than any backtick run inside (CommonMark closes only on a fence at least as long).
 * Code blocks are literal, so nothing else needs escaping (mentions do not link there).
 */
export function codeBlock(text: string, lang = ''): string {
  const body = redact(text).replace(/\r\n|\r/g, '\n').replace(/\n$/, '');
  const fence = '`'.repeat(Math.max(3, longestRun(body, '`') + 1));
  return `${fence}${lang}\n${body}\n${fence}`;
}

/** An inline code span (one line) the content cannot break out of. */
export function inlineCode(text: string): string {
  const body = flatten(redact(text));
  if (body.trim() === '') return '*(empty)*';
  const ticks = '`'.repeat(longestRun(body, '`') + 1);
  const pad = body.startsWith('`') || body.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${body}${pad}${ticks}`;
}

/**
 * Text for the job log (a block of lines we laid out): redacted, control characters
 * visible, and no line can be a workflow command (see safe-text.ts).
 */
export function logText(s: string): string {
  return safeBlock(s);
}

/**
 * Shortens remote text for tables: one line, at most `max` characters. Redacts before
 * cutting, or a cut through a secret would leave a prefix no redaction recognises.
 */
export function oneLine(s: string, max = 160): string {
  const flat = flatten(redact(s)).replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
