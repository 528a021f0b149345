/**
 * Text from the inventory, from hosts or from git, made safe for a log or a terminal:
 * control characters become visible escapes, and no line can be a GitHub workflow
 * command. Both doors print untrusted text only through these functions (the action
 * through src/action/log.ts, the CLI through src/cli-output.ts); redaction comes first,
 * because escaping can change a secret's spelling.
 */
import { redact } from './secret.js';

/**
 * Characters a terminal or the runner would act on rather than show: C0 and C1 controls,
 * DEL, Unicode line/paragraph separators and bidirectional overrides ("Trojan Source").
 * Tab is printed as it is. Newline is handled by the callers (a line break in a block,
 * `\n` inside one record).
 */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\x1b': '\\x1b', '\0': '\\x00' };

function visible(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.codePointAt(0)!;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** Every control character as visible text; with `keepNewlines`, "\n" (and "\r\n") stay line breaks. */
export function showControls(s: string, keepNewlines = false): string {
  const text = keepNewlines ? s.replace(/\r\n/g, '\n') : s;
  return text.replace(CONTROL, (c) => (keepNewlines && c === '\n' ? c : visible(c)));
}

/** Zero-width space: invisible, and ends a `::` or `##[` token. */
const ZWSP = '\u200b';

/**
 * The runner runs a line as a command when, after .NET's TrimStart (any Unicode white
 * space), it starts with `::`; the legacy `##[command]` form is found anywhere in a
 * line. A zero-width space inside each token stops both.
 */
export function neutralizeCommands(line: string): string {
  return line
    .replace(/^([\s\u0085\u180e]*):(?=:)/, `$1:${ZWSP}`)
    .replace(/##\[/g, `#${ZWSP}#[`);
}

/**
 * A block of text (several lines we laid out, e.g. a plan): redacted, controls visible,
 * each line neutralised. A lone CR is shown as `\r` (a terminal would overwrite the line
 * with what follows; the runner would start a new line).
 */
export function safeBlock(s: string): string {
  return showControls(redact(s), true).split('\n').map(neutralizeCommands).join('\n');
}

/** One record (a diagnostic, an error message, a host name): always one line; newlines inside show as `\n`. */
export function safeRecord(s: string): string {
  return neutralizeCommands(showControls(redact(s)));
}

/**
 * JSON for a terminal: JSON.stringify escapes C0 controls but not DEL, C1, line
 * separators or bidi overrides; those become \uXXXX escapes (still valid JSON, same value).
 */
export function safeJson(jsonText: string): string {
  return redact(jsonText)
    .replace(CONTROL, (c) => (c === '\n' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
    .split('\n')
    .map(neutralizeCommands)
    .join('\n');
}
