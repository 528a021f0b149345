import { err, errRecord, out, outRecord } from '../cli-output.js';

/** What the engine needs to say things; the action and the CLI each provide one. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** A collapsible group (a GitHub log group in the action); output is printed together. */
  group(title: string, lines: string[]): void;
}

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
