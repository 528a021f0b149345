/**
 * The CLI's output: every line it prints goes through here, so text from the inventory,
 * hosts or git reaches the terminal redacted, with control characters visible (no raw
 * ESC, CR or NUL) and no line a GitHub runner would run as a workflow command (the CLI
 * may run inside a workflow step).
 */
import type { Logger } from './engine/logger.js';
import { safeBlock, safeJson, safeRecord } from './safe-text.js';

/** A block of lines we laid out (plan, tables) to stdout / stderr. */
export const out = (text: string): void => console.log(safeBlock(text));
export const err = (text: string): void => console.error(safeBlock(text));
/** One record (a diagnostic, an error message): newlines inside it show as `\n`. */
export const outRecord = (text: string): void => console.log(safeRecord(text));
export const errRecord = (text: string): void => console.error(safeRecord(text));
/** Machine-readable output (still valid JSON). */
export const outJson = (value: object): void => console.log(safeJson(JSON.stringify(value, null, 2)));
export const outJsonText = (json: string): void => console.log(safeJson(json));

/** A logger over one stream of the CLI's output channel (blocks and one-line records). */
const channelLogger = (block: (t: string) => void, record: (t: string) => void): Logger => ({
  info: (m) => block(m),
  warn: (m) => errRecord(`warning: ${m}`),
  error: (m) => err(`error: ${m}`),
  group: (title, lines) => {
    record(`── ${title}`);
    for (const l of lines) block(`   ${l}`);
  },
});

/** The CLI's logger: through the CLI's output channel (redacted, controls visible). */
export const consoleLogger: Logger = channelLogger(out, outRecord);

/** With --json, stdout carries only the JSON document: progress goes to stderr. */
export const stderrLogger: Logger = channelLogger(err, errRecord);
