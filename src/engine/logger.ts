/** What the engine needs to say things; the action and the CLI each provide one. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** A collapsible group (a GitHub log group in the action); output is printed together. */
  group(title: string, lines: string[]): void;
}

export const consoleLogger: Logger = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(`warning: ${m}`),
  error: (m) => console.error(`error: ${m}`),
  group: (title, lines) => {
    console.log(`── ${title}`);
    for (const l of lines) console.log(`   ${l}`);
  },
};

/** With --json, stdout carries only the JSON document: progress goes to stderr. */
export const stderrLogger: Logger = {
  info: (m) => console.error(m),
  warn: (m) => console.error(`warning: ${m}`),
  error: (m) => console.error(`error: ${m}`),
  group: (title, lines) => {
    console.error(`── ${title}`);
    for (const l of lines) console.error(`   ${l}`);
  },
};
