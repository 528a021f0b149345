/**
 * Inventory host names, checked where they are written (hosts.yml) whatever ansible_host
 * says: a host name becomes part of file names, cron lines, log groups, the plan and the
 * PR comment, so it must be plain. RFC 1123 host names (labels of letters, digits and
 * hyphens, not starting or ending with a hyphen, at most 63 characters each, dots between
 * labels, at most 253 in all; IPv4 addresses fit this rule) or an IPv6 address.
 *
 * ASCII only. Non-ASCII letters are an error rather than a warning: a name with a Cyrillic
 * "с" looks exactly like one with a Latin "c", so a reviewer cannot see which host a
 * change is for. The error names the character's code point and, when the name mixes
 * Latin with another script, says so (the homoglyph case).
 */
import { isIPv6 } from 'node:net';
import { showControls } from '../safe-text.js';

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

const SCRIPTS: Array<[string, RegExp]> = ['Latin', 'Cyrillic', 'Greek', 'Armenian', 'Cherokee', 'Georgian', 'Hebrew', 'Arabic', 'Han', 'Hiragana', 'Katakana', 'Hangul'].map(
  (name) => [name, new RegExp(`\\p{Script=${name}}`, 'u')],
);

const scriptOf = (ch: string): string | undefined => SCRIPTS.find(([, re]) => re.test(ch))?.[0];

/** The scripts of the letters in one word (letters only), in order of first appearance. */
function scriptsIn(word: string): string[] {
  const out: string[] = [];
  for (const ch of word) {
    if (!/\p{L}/u.test(ch)) continue;
    const s = scriptOf(ch) ?? 'another script';
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

/** "mixes Latin and Cyrillic letters in "оdoo"" when a word mixes scripts (a homoglyph look-alike), else undefined. */
export function mixedScripts(text: string): string | undefined {
  for (const word of text.split(/[^\p{L}\p{M}]+/u)) {
    const scripts = scriptsIn(word);
    if (scripts.length > 1) return `mixes ${scripts.join(' and ')} letters in "${showControls(word)}"`;
  }
  return undefined;
}

const codePoint = (ch: string): string => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

function describeChar(ch: string): string {
  if (/[\x00-\x1f\x7f-\x9f]/.test(ch)) return 'a control character (such as a newline)';
  if (ch === ' ') return 'a space';
  if (ch.codePointAt(0)! > 0x7e) {
    const script = scriptOf(ch);
    return `"${ch}" (${codePoint(ch)}${script ? `, a ${script} letter` : ''}): host names are ASCII only`;
  }
  return `"${ch}"`;
}

/** Why `name` is not a valid inventory host name, or undefined when it is. */
export function hostNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  const bad = [...name].find((ch) => !/[A-Za-z0-9.-]/.test(ch));
  if (bad !== undefined) {
    if (bad === ':' && isIPv6(name)) return undefined;
    const mixed = mixedScripts(name);
    const rule = 'letters, digits and "-" in labels separated by "."';
    return `contains ${describeChar(bad)}${mixed ? `; it ${mixed}, which makes it look like another name` : ''} (${rule})`;
  }
  if (name.length > 253) return 'is longer than 253 characters';
  for (const label of name.split('.')) {
    if (label === '') return 'has an empty label (a leading, trailing or double ".")';
    if (label.length > 63) return `has a label longer than 63 characters`;
    if (!LABEL.test(label)) return `has a label starting or ending with "-" ("${label}")`;
  }
  return undefined;
}
