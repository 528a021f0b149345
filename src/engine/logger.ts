/**
 * What commands need to say things while they run (progress, warnings); each door provides
 * one (src/action/logger.ts, src/cli-output.ts). Results are returned, never logged here.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** A collapsible group (a GitHub log group in the action); output is printed together. */
  group(title: string, lines: string[]): void;
}
