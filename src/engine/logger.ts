import { err, errRecord, out, outRecord } from '../cli-output.js';

/** What the engine needs to say things; the action and the CLI each provide one. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** A collapsible group (a GitHub log group in the action); output is printed together. */
  group(title: string, lines: string[]): void;
}

/** The CLI's logger: through the CLI's output channel (redacted, controls visible). */
export const consoleLogger: Logger = {
  info: (m) => out(m),
  warn: (m) => errRecord(`warning: ${m}`),
  error: (m) => err(`error: ${m}`),
  group: (title, lines) => {
    outRecord(`── ${title}`);
    for (const l of lines) out(`   ${l}`);
  },
};

/** With --json, stdout carries only the JSON document: progress goes to stderr (same channel rules). */
export const stderrLogger: Logger = {
  info: (m) => err(m),
  warn: (m) => errRecord(`warning: ${m}`),
  error: (m) => err(`error: ${m}`),
  group: (title, lines) => {
    errRecord(`── ${title}`);
    for (const l of lines) err(`   ${l}`);
  },
};
